"""The benchmark record (DESIGN.md's export contract); its JSON Schema ships in ``schemas/``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.1"
"""1.1: ``answer`` is always a list of letters, ``answer_text`` always a string."""

ANSWER_TEXT_SEPARATOR = "; "
"""Joins the option texts of a multiple-choice answer in ``answer_text``."""


class ImageProvenance(BaseModel):
    """Which voxels one image shows."""

    model_config = ConfigDict(extra="forbid")

    series_id: str
    z: int = Field(ge=0)
    t: int = Field(ge=0)
    protocol: str
    budget: int = Field(ge=1)
    rank: int = Field(ge=0)


class ExportRecord(BaseModel):
    """One QA item as benchmark users load it (one JSON line).

    Report text and evidence are not here: they go to ``provenance.jsonl``.
    """

    model_config = ConfigDict(extra="forbid")

    id: str
    split: str
    tier: Literal["image_understanding", "report_generation", "diagnosis"]
    sequence: str
    subtask: str
    question: str
    options: dict[str, str]
    answer: list[str] = Field(
        description="Option letters of a choice item (single choice: one letter); [] for open items"
    )
    answer_text: str = Field(
        description="The answer as text: the open answer, or the answer's option texts in letter "
        "order joined by ANSWER_TEXT_SEPARATOR"
    )
    answer_type: Literal["single_choice", "multiple_choice", "open_text"]
    images: list[str] = Field(description="PNG paths relative to the export folder, in rank order")
    image_provenance: list[ImageProvenance]
    verification: Literal["verified", "corrected", "unverified", "demo_verified"]
    schema_version: Literal["1.1"] = SCHEMA_VERSION


def export_record_json_schema() -> dict:
    """The JSON Schema of :class:`ExportRecord` (``schemas/export_record.schema.json``)."""
    schema = ExportRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://qaforge.invalid/schemas/export_record.schema.json"
    return schema
