"""What the LLM must answer, as a pydantic model, and reading its raw text.

The model answers one JSON object ``{"findings": [...]}``; each finding
names a vocabulary code and value, its places, its certainty and a verbatim
``evidence`` quote from the report. The JSON Schema of :class:`LLMAnswer`
goes into the request (``json_schema`` or ``json_object`` structured
output) and every answer is validated here whatever the server claims.
Codes and values are checked against the vocabulary later, per finding, so
one bad finding does not cost the others.
"""

from __future__ import annotations

import functools
import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class LLMFinding(BaseModel):
    """One finding as the model states it (not yet grounded or checked)."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field(description="A finding code of the vocabulary, e.g. lge.presence")
    value: str | float = Field(
        description="One of the code's values, or a number for numeric codes"
    )
    levels: list[str] = Field(default_factory=list, description="basal, mid, apical, apex")
    walls: list[str] = Field(default_factory=list, description="anterior, inferoseptal, ...")
    segments: list[int] = Field(default_factory=list, description="AHA segments 1-17")
    certainty: str = Field(default="definite", description="definite, probable or possible")
    evidence: str = Field(description="The exact words of the report that state this finding")


class LLMAnswer(BaseModel):
    """The whole answer for one report."""

    model_config = ConfigDict(extra="ignore")

    findings: list[LLMFinding]


class AnswerError(Exception):
    """An answer that is not the JSON the schema asks for; ``reason`` says how, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@functools.cache
def answer_schema() -> dict:
    """The JSON Schema of :class:`LLMAnswer` sent with every request."""
    return LLMAnswer.model_json_schema()


@functools.cache
def answer_schema_hash() -> str:
    """SHA-256 of the schema (part of the cache key and the run signature)."""
    return hashlib.sha256(json.dumps(answer_schema(), sort_keys=True).encode()).hexdigest()


def parse_answer(content: str | None) -> LLMAnswer:
    """Read the model's message content as an :class:`LLMAnswer`.

    A fenced code block around the JSON (some models add one) is accepted.

    Raises:
        AnswerError: If the content is empty, not JSON, or not of the schema.
    """
    if not content or not content.strip():
        raise AnswerError("empty answer")
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").removeprefix("json").strip()
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnswerError(f"malformed JSON ({error.msg} at char {error.pos})") from None
    try:
        return LLMAnswer.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise AnswerError(
            f"answer does not fit the schema ({error.error_count()} errors; first at {where}: {first['msg']})"
        ) from None
