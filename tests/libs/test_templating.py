"""The one Jinja2 environment: sandboxed, undefined names refused, Jinja2's errors mapped."""

from __future__ import annotations

from pathlib import Path

import pytest

from qaforge.libs.templating import TemplateRenderError, template_from_folder, template_from_string


def test_autoescape_and_trailing_newline_are_the_callers_choice() -> None:
    source = "<a>{{ x }}</a>\n"
    assert template_from_string(source).render(x="<&>") == "<a><&></a>"
    escaped = template_from_string(source, autoescape=True, keep_trailing_newline=True)
    assert escaped.render(x="<&>") == "<a>&lt;&amp;&gt;</a>\n"


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        ("{{ nope }}", "'nope' is undefined"),
        ("{{ x.__class__ }}", "unsafe"),
        ("{% if %}", "Expected an expression"),
    ],
)
def test_template_errors_become_template_render_error(source: str, reason: str) -> None:
    with pytest.raises(TemplateRenderError, match=reason):
        template_from_string(source).render(x=1)


def test_templates_load_from_a_folder(tmp_path: Path) -> None:
    (tmp_path / "part.j2").write_text("[{{ x }}]", encoding="utf-8")
    (tmp_path / "main.j2").write_text('{% include "part.j2" %}!', encoding="utf-8")
    assert template_from_folder(tmp_path, "main.j2").render(x=2) == "[2]!"
    with pytest.raises(TemplateRenderError, match="missing.j2"):
        template_from_folder(tmp_path, "missing.j2")
