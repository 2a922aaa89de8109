"""Why an input file or row is refused: a one-line reason, quarantined under the series stage."""

from __future__ import annotations

from dataclasses import dataclass

SERIES_STAGE = "ingest_series"
"""The stage that series refusals are quarantined under."""


@dataclass(frozen=True)
class Refusal:
    """Why something is refused (one line)."""

    reason: str
