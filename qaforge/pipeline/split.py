"""Split stage: patient-level splits from a seed and ratios (optionally
stratified by etiology) or from a split file.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.checks.splits import DEFAULT_RATIOS, assign_splits
from qaforge.errors import ConfigError, InputFileError
from qaforge.store.checks import (
    patient_strata,
    patients_of_studies,
    set_splits,
    split_sizes,
)
from qaforge.store.engine import Engine
from qaforge.store.schema import require_current_schema


class SplitSummary(BaseModel):
    """Split sizes after :func:`assign_database_splits`."""

    sizes: dict[str, dict[str, int]]
    source: str
    refused_rows: list[str] = Field(default_factory=list)


def assign_database_splits(
    engine: Engine,
    *,
    ratios: dict[str, float] | None = None,
    seed: int = 0,
    stratify: bool = False,
    split_file: Path | None = None,
) -> SplitSummary:
    """Give every patient (and its studies) a split and store it.

    A split file (CSV or JSONL with ``split`` and ``patient_id`` or
    ``study_id``) overrides the seeded assignment for what it names; naming
    studies can put one patient in two splits, which ``check`` blocks.

    Raises:
        ConfigError: E701 for bad ratios.
        InputFileError: E702 for a split file that cannot be read.
    """
    require_current_schema(engine)
    ratios = ratios or DEFAULT_RATIOS
    with engine.begin() as connection:
        strata = patient_strata(connection)
        try:
            patient_splits = assign_splits(
                [(p, s if stratify else None) for p, s in strata], ratios, seed=seed
            )
        except ValueError as error:
            raise ConfigError(
                "E701", str(error), "e.g. --ratio train=0.7 --ratio test=0.3"
            ) from None
        study_splits: dict[str, str] = {}
        refused: list[str] = []
        source = f"seed {seed}, ratios {ratios}" + (", stratified by etiology" if stratify else "")
        if split_file is not None:
            source = str(split_file)
            known_studies = patients_of_studies(connection)
            known_patients = {p for p, _ in strata}
            for location, row in _split_rows(split_file):
                split = str(row.get("split") or "").strip()
                patient, study = row.get("patient_id"), row.get("study_id")
                if not split:
                    refused.append(f"{location}: no split")
                elif study:
                    if study in known_studies:
                        study_splits[str(study)] = split
                    else:
                        refused.append(f"{location}: unknown study_id {study!r}")
                elif patient:
                    if patient in known_patients:
                        patient_splits[str(patient)] = split
                    else:
                        refused.append(f"{location}: unknown patient_id {patient!r}")
                else:
                    refused.append(f"{location}: neither patient_id nor study_id")
        set_splits(connection, patient_splits=patient_splits, study_splits=study_splits)
        sizes = split_sizes(connection)
    return SplitSummary(sizes=sizes, source=source, refused_rows=refused)


def _split_rows(path: Path):
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InputFileError("E702", f"cannot read the split file {path} ({error})") from None
    if path.suffix.lower() == ".csv":
        for number, row in enumerate(csv.DictReader(text.splitlines()), start=2):
            yield f"row {number}", row
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            yield f"line {number}", {}
            continue
        yield f"line {number}", row if isinstance(row, dict) else {}
