"""The size limits of docs/architecture.md: modules up to 450 lines, functions up to 60.

A module or function may be longer only where a comment at its top says why:
a line ``# Long: <reason>`` among a module's first 20 lines, or as the first
line of a function's body (or just above its ``def``).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "qaforge"
MODULE_LINES = 450
FUNCTION_LINES = 60
MARK = "# Long:"


def _modules(package: Path) -> list[Path]:
    return sorted(package.rglob("*.py"))


def _function_is_excused(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    first = min([d.lineno for d in node.decorator_list] + [node.lineno])
    above = lines[first - 2].strip() if first >= 2 else ""
    body_start = node.body[0].lineno
    if isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
        body_start = node.body[0].end_lineno + 1
    inside = lines[node.lineno : body_start]
    return above.startswith(MARK) or any(line.strip().startswith(MARK) for line in inside)


def long_modules(package: Path = PACKAGE) -> list[str]:
    """Modules over the limit without a reason at their top."""
    found = []
    for path in _modules(package):
        lines = path.read_text(encoding="utf-8").splitlines()
        excused = any(line.startswith(MARK) for line in lines[:20])
        if len(lines) > MODULE_LINES and not excused:
            found.append(f"{path.relative_to(package.parent)}: {len(lines)} lines")
    return found


def long_functions(package: Path = PACKAGE) -> list[str]:
    """Functions over the limit (decorators and docstring included) without a reason."""
    found = []
    for path in _modules(package):
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            length = node.end_lineno - first + 1
            if length > FUNCTION_LINES and not _function_is_excused(lines, node):
                where = f"{path.relative_to(package.parent)}:{node.lineno}"
                found.append(f"{where} {node.name}: {length} lines")
    return found


def test_no_module_is_longer_than_the_limit():
    assert long_modules() == []


def test_no_function_is_longer_than_the_limit():
    assert long_functions() == []


def test_the_limits_see_a_long_module_and_function(tmp_path):
    """The check itself: a 61-line function and a 451-line module are found, and a
    ``# Long:`` line at their top excuses them."""
    package = tmp_path / "qaforge"
    package.mkdir()
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    function = package / "function.py"
    function.write_text(f"def big():\n{body}\n", encoding="utf-8")
    assert long_functions(package) == ["qaforge/function.py:1 big: 61 lines"]
    function.write_text(f"def big():\n    {MARK} a table of cases\n{body}\n", encoding="utf-8")
    assert long_functions(package) == []
    module = package / "module.py"
    module.write_text("x = 1\n" * 451, encoding="utf-8")
    assert long_modules(package) == ["qaforge/module.py: 451 lines"]
    module.write_text(f"{MARK} generated data\n" + "x = 1\n" * 451, encoding="utf-8")
    assert long_modules(package) == []
