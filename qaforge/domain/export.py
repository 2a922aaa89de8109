"""The benchmark record (DESIGN.md's export contract); its JSON Schema ships in ``schemas/``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = "1.0"


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
    answer: list[str] | str
    answer_type: Literal["single_choice", "multiple_choice", "open_text"]
    images: list[str] = Field(description="PNG paths relative to the export folder, in rank order")
    image_provenance: list[ImageProvenance]
    verification: Literal["verified", "corrected", "unverified", "demo_verified"]
    schema_version: Literal["1.0"] = SCHEMA_VERSION


def export_record_json_schema() -> dict:
    """The JSON Schema of :class:`ExportRecord` (``schemas/export_record.schema.json``)."""
    schema = ExportRecord.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://qaforge.invalid/schemas/export_record.schema.json"
    return schema
