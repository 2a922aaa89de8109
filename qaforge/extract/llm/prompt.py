"""The LLM extractor's prompt: a Jinja2 template in ``templates/prompts/``.

The report goes between ``<report>`` and ``</report>`` in the user message.
The prompt hash (template source plus the vocabulary it lists) is part of
the cache key and the extraction run's signature.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from qaforge.domain.vocabulary import load_vocabulary
from qaforge.libs.templating import template_from_string
from qaforge.resources import resource_dir

TEMPLATE_NAME = "llm_extraction.j2"


def default_template_path() -> Path:
    """The shipped prompt template."""
    return resource_dir("templates") / "prompts" / TEMPLATE_NAME


class Prompt:
    """A loaded prompt template: renders the messages of one report."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_template_path()
        self.source = self.path.read_text(encoding="utf-8")
        self._template = template_from_string(self.source, keep_trailing_newline=False)
        vocabulary = load_vocabulary()
        self._context = {
            "codes": {code: spec.model_dump() for code, spec in vocabulary.findings.items()},
            "levels": list(vocabulary.levels),
            "walls": list(vocabulary.walls),
            "certainty": list(vocabulary.certainty),
        }
        self.system = self._template.render(role="system", report="", **self._context)

    @functools.cached_property
    def hash(self) -> str:
        """SHA-256 of the template source and the rendered system message."""
        return hashlib.sha256(f"{self.source}\x1f{self.system}".encode()).hexdigest()

    def messages(self, report: str) -> list[dict[str, str]]:
        """The chat messages for one report."""
        user = self._template.render(role="user", report=report, **self._context)
        return [{"role": "system", "content": self.system}, {"role": "user", "content": user}]
