"""Question templates: Jinja2 paraphrases, compiled and rendered once per subtask.

Templates run in Jinja2's sandbox with undefined names as errors, and see
only the names of the sequence and its views, so a question cannot carry
its answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from qaforge.libs.templating import TemplateRenderError, template_from_string

_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class QuestionTemplate:
    """One paraphrase of a subtask's question.

    Attributes:
        template_id: ``<subtask>.q<n>``.
        source: The Jinja2 source as written in the catalogue.
        source_sha256: Hash of the source, kept in item provenance.
        text: The rendered question.
    """

    template_id: str
    source: str
    source_sha256: str
    text: str


def compile_question(
    source: str, *, template_id: str, context: dict[str, object]
) -> QuestionTemplate:
    """Compile and render one paraphrase.

    Args:
        source: Jinja2 template text.
        template_id: Its id, for messages and provenance.
        context: The names the template may use.

    Returns:
        The rendered question, whitespace collapsed.

    Raises:
        ValueError: The template does not parse, uses an unknown name, or renders empty.
    """
    try:
        text = template_from_string(source).render(**context)
    except TemplateRenderError as error:
        raise ValueError(f"question {template_id} does not render: {error}") from None
    text = _SPACES.sub(" ", text).strip()
    if not text:
        raise ValueError(f"question {template_id} renders empty")
    return QuestionTemplate(
        template_id=template_id,
        source=source,
        source_sha256=hashlib.sha256(source.encode()).hexdigest(),
        text=text,
    )
