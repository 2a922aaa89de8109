"""A piece of input that was refused, with why and where."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict

QuarantineStage = Literal[
    "ingest_reports",
    "ingest_series",
    "analyse_series",
    "series_override",
    "extract",
    "generate",
    "select",
    "annotate",
]

RAW_EXCERPT_CHARS = 2000


class QuarantineEntry(BaseModel):
    """One refused row or file.

    Attributes:
        stage: The stage that refused it.
        source: The input file (or folder) it came from.
        location: Where in the source: ``line 7``, ``row 3``, or a path.
        reason: Why, in one line; never contains report text.
        record_key: The id the row claimed, if it had one.
        raw: The raw row (truncated), kept in the private store so nothing is lost.
    """

    model_config = ConfigDict(frozen=True)

    stage: QuarantineStage
    source: str
    location: str
    reason: str
    record_key: str | None = None
    raw: str | None = None

    @property
    def key(self) -> str:
        """Content hash: the same refusal twice is one quarantine row."""
        parts = [self.stage, self.source, self.location, self.reason, self.raw or ""]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def excerpt(raw: str, limit: int = RAW_EXCERPT_CHARS) -> str:
    """Cut a raw row to ``limit`` characters, marking the cut."""
    return raw if len(raw) <= limit else raw[:limit] + f"...[{len(raw) - limit} more chars]"
