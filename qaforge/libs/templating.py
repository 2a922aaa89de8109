"""The one Jinja2 module: templates rendered in the sandbox, undefined names as errors.

Question paraphrases, the LLM prompt and the Label Studio labeling configs
are all Jinja2 templates. They render in Jinja2's :class:`SandboxedEnvironment`
with :class:`StrictUndefined`, so a template sees only the names it is given,
cannot reach Python internals, and a misspelt name fails instead of
rendering empty. Each caller picks autoescaping (on for XML, off for plain
text) and whether a final newline is kept.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, TemplateError
from jinja2 import Template as _JinjaTemplate
from jinja2.sandbox import SandboxedEnvironment


class TemplateRenderError(Exception):
    """A template does not parse, is not found, uses an undefined name, or leaves the sandbox.

    The message is Jinja2's own one-line reason (e.g. ``'nope' is undefined``).
    """


class Template:
    """A compiled template.

    Args:
        compiled: The Jinja2 template (made by the functions of this module).
    """

    def __init__(self, compiled: _JinjaTemplate) -> None:
        self._compiled = compiled

    def render(self, **context: object) -> str:
        """Render with these names.

        Args:
            **context: The names the template may use.

        Returns:
            The rendered text.

        Raises:
            TemplateRenderError: A name is undefined or the sandbox refused an access.
        """
        try:
            return self._compiled.render(**context)
        except TemplateError as error:
            raise TemplateRenderError(str(error)) from None


def template_from_string(
    source: str, *, autoescape: bool = False, keep_trailing_newline: bool = False
) -> Template:
    """Compile template text.

    Args:
        source: The Jinja2 source.
        autoescape: Escape HTML/XML special characters in substituted values.
        keep_trailing_newline: Keep the source's final newline in the output.

    Returns:
        The compiled template.

    Raises:
        TemplateRenderError: The source does not parse.
    """
    environment = _environment(autoescape, keep_trailing_newline, None)
    try:
        return Template(environment.from_string(source))
    except TemplateError as error:
        raise TemplateRenderError(str(error)) from None


def template_from_folder(
    folder: Path, name: str, *, autoescape: bool = False, keep_trailing_newline: bool = False
) -> Template:
    """Load and compile a template file (which may include others from the same folder).

    Args:
        folder: The folder holding the templates.
        name: The template's file name inside it.
        autoescape: Escape HTML/XML special characters in substituted values.
        keep_trailing_newline: Keep the file's final newline in the output.

    Returns:
        The compiled template (Jinja2 caches it; a changed file is reloaded).

    Raises:
        TemplateRenderError: The file is missing or does not parse.
    """
    environment = _environment(autoescape, keep_trailing_newline, folder)
    try:
        return Template(environment.get_template(name))
    except TemplateError as error:
        raise TemplateRenderError(str(error)) from None


@cache
def _environment(
    autoescape: bool, keep_trailing_newline: bool, folder: Path | None
) -> SandboxedEnvironment:
    # One environment per choice of options: making one per template would
    # throw away Jinja2's compiled-template cache.
    return SandboxedEnvironment(
        loader=FileSystemLoader(folder) if folder is not None else None,
        undefined=StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=keep_trailing_newline,
    )
