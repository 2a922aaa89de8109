"""A radiology report as it enters qaforge (DESIGN.md, report input contract)."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from typing import Annotated

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

# Lone surrogates are what undecodable bytes become under errors="surrogateescape".
UNDECODABLE = re.compile("[\udc80-\udcff]")

REPORT_FIELDS = ("report_id", "patient_id", "study_id", "text", "study_date", "accession")


def _identifier(value: object) -> object:
    """Accept strings and whole numbers as identifiers; anything else stays wrong.

    Strings are stripped and NFC-normalised here, before the length check (a
    blank id is then empty and refused), so the NFC and NFD spellings of one id
    are one id.
    """
    if isinstance(value, bool):
        return value  # rejected below: True is not an id
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # CSV/Parquet readers turn "1001" into 1001.0
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    return value


Identifier = Annotated[
    str,
    BeforeValidator(_identifier),
    StringConstraints(min_length=1, max_length=200),
]


class ReportRecord(BaseModel):
    """One report: the unit of ingest.

    Attributes:
        report_id: Stable id of the report in the source system.
        patient_id: Pseudonymous patient id; splits are made per patient.
        study_id: The imaging study the report describes; series link to it.
        text: The report text, unchanged (whitespace included).
        study_date: Optional ISO date of the study.
        accession: Optional accession number (treated as PHI downstream).
    """

    model_config = ConfigDict(extra="ignore", frozen=True, strict=False)

    report_id: Identifier
    patient_id: Identifier
    study_id: Identifier
    text: str = Field(min_length=1)
    study_date: dt.date | None = None
    accession: Identifier | None = None

    @field_validator("text", mode="before")
    @classmethod
    def _text_is_string(cls, value: object) -> object:
        if not isinstance(value, str):
            raise ValueError(f"text must be a string, got {type(value).__name__}")
        if not value.strip():
            raise ValueError("text is empty")
        if UNDECODABLE.search(value):
            raise ValueError("text has bytes that are not valid UTF-8")
        return value

    @field_validator("study_date", "accession", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, float) and value != value:  # NaN from pandas
            return None
        return value

    @property
    def text_sha256(self) -> str:
        """Hex sha256 of the UTF-8 text: the identity of a report version."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
