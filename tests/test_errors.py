"""The table of error codes: docs/errors.md renders it, raise sites use it, templates format."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import get_args

import pytest

from qaforge.error_codes import ERRORS, ErrorClass, errors_doc_table, template_fields
from qaforge.errors import (
    ERROR_CLASSES,
    ConfigError,
    InputFileError,
    LabelStudioServerError,
    QaforgeError,
)

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "qaforge"
TABLE_MODULE = PACKAGE / "error_codes.py"
CODE = re.compile(r"E\d{3}")


def _doc_table() -> str:
    """The Markdown table of docs/errors.md, from its header line to its last row."""
    lines = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8").splitlines()
    start = lines.index("| code | meaning |")
    end = start
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    return "\n".join(lines[start:end]) + "\n"


def test_docs_errors_md_is_the_rendering_of_the_table() -> None:
    assert _doc_table() == errors_doc_table(), "run scripts/errors_doc.py"


def test_codes_are_unique_well_formed_and_in_order() -> None:
    codes = list(ERRORS)
    assert all(CODE.fullmatch(code) for code in codes)
    assert codes == sorted(codes)


def test_every_class_named_by_the_table_exists() -> None:
    assert set(ERROR_CLASSES) == set(get_args(ErrorClass))
    assert all(issubclass(cls, QaforgeError) for cls in ERROR_CLASSES.values())


@pytest.mark.parametrize("code", list(ERRORS))
def test_every_template_formats_with_its_declared_fields(code: str) -> None:
    entry = ERRORS[code]
    assert entry.message and entry.meaning
    assert all(field.isidentifier() for field in entry.fields), "plain {name} fields only"
    values = {field: f"<{field}>" for field in entry.fields}
    error = QaforgeError.of(code, **values)
    for field in template_fields(entry.message):
        assert f"<{field}>" in error.message
    for field in template_fields(entry.hint):
        assert f"<{field}>" in error.hint


def test_the_constructor_gives_the_class_exit_code_and_text_of_the_table() -> None:
    error = QaforgeError.of("E501", path=Path("cat.yaml"), problem="is not a YAML mapping")
    assert type(error) is ConfigError and error.exit_code == 2
    assert error.code == "E501"
    assert error.message == "catalogue cat.yaml: is not a YAML mapping"
    assert str(error) == "E501: catalogue cat.yaml: is not a YAML mapping"
    assert error.hint == "fix the catalogue file; docs/generation.md explains every field"
    assert error.fields == {"path": Path("cat.yaml"), "problem": "is not a YAML mapping"}

    hinted = QaforgeError.of("E907", protocol="clinical", budget=4)
    assert "--protocol clinical --budget 4" in hinted.hint

    assert type(QaforgeError.of("E205", root="/x")) is InputFileError
    assert type(QaforgeError.of("E953", port=1, host="h")) is LabelStudioServerError


def test_the_constructor_refuses_unknown_codes_and_wrong_fields() -> None:
    with pytest.raises(KeyError, match="E000"):
        QaforgeError.of("E000")
    with pytest.raises(KeyError, match="problem"):
        QaforgeError.of("E501", path="cat.yaml")
    with pytest.raises(ValueError, match="colour"):
        QaforgeError.of("E501", path="cat.yaml", problem="x", colour="red")
    with pytest.raises(TypeError, match="E205 raises InputFileError, not ConfigError"):
        ConfigError.of("E205", root="/x")


def _error_class_names() -> set[str]:
    """QaforgeError and every class defined under qaforge/ that derives from one of the family."""
    names = set(ERROR_CLASSES)
    classes = [
        node
        for path in PACKAGE.rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]
    grown = True
    while grown:
        grown = False
        for node in classes:
            bases = {getattr(base, "id", getattr(base, "attr", None)) for base in node.bases}
            if node.name not in names and bases & names:
                names.add(node.name)
                grown = True
    return names


def _call_name(node: ast.Call) -> str | None:
    func = node.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _raise_sites() -> list[tuple[str, ast.Call]]:
    """Every ``X.of(...)`` call under qaforge/, with its file and line."""
    sites = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _call_name(node) == "of" and node.args:
                sites.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return sites


def _codes_in(node: ast.AST) -> list[str]:
    return [
        sub.value
        for sub in ast.walk(node)
        if isinstance(sub, ast.Constant)
        and isinstance(sub.value, str)
        and CODE.fullmatch(sub.value)
    ]


def test_no_literal_code_outside_the_table() -> None:
    """A code string appears only in the table or as the code of a ``QaforgeError.of`` call.

    Nor is an error class called directly outside qaforge/errors.py: errors come from the table.
    """
    family = _error_class_names()
    misplaced = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == TABLE_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {
            id(sub)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _call_name(node) == "of" and node.args
            for sub in ast.walk(node.args[0])
        }
        for node in ast.walk(tree):
            called = isinstance(node, ast.Call) and _call_name(node) in family
            if called and path != PACKAGE / "errors.py":
                misplaced.append(f"{path.relative_to(ROOT)}:{node.lineno} calls {_call_name(node)}")
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and CODE.fullmatch(node.value)
                and id(node) not in allowed
            ):
                misplaced.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value}")
    assert not misplaced


def test_every_raise_site_names_a_code_of_the_table_with_its_fields() -> None:
    used: set[str] = set()
    wrong = []
    for where, call in _raise_sites():
        codes = _codes_in(call.args[0])
        if not codes:
            continue  # another class's ``of``
        used.update(codes)
        receiver = getattr(call.func, "value", None)
        if getattr(receiver, "id", None) != "QaforgeError":
            wrong.append(f"{where}: call QaforgeError.of, the one way to make an error")
        given = {keyword.arg for keyword in call.keywords if keyword.arg is not None}
        spread = any(keyword.arg is None for keyword in call.keywords)
        for code in codes:
            if code not in ERRORS:
                wrong.append(f"{where}: {code} is not in the table")
                continue
            needed = ERRORS[code].fields
            if given - needed or (not spread and given != needed):
                wrong.append(f"{where}: {code} needs {sorted(needed)}, gets {sorted(given)}")
    assert not wrong
    assert used == set(ERRORS), f"codes never raised: {sorted(set(ERRORS) - used)}"
