"""Split stage: patient-level splits from a seed and ratios (optionally
stratified by etiology) or from a split file.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field

from qaforge.checks.splits import (
    DEFAULT_RATIOS,
    SplitOverrides,
    assign_splits,
    split_file_rows,
    split_overrides,
)
from qaforge.errors import QaforgeError
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
            raise QaforgeError.of("E701", problem=error) from None
        overrides = SplitOverrides()
        source = f"seed {seed}, ratios {ratios}" + (", stratified by etiology" if stratify else "")
        if split_file is not None:
            source = str(split_file)
            overrides = split_overrides(
                split_file_rows(
                    _read_split_file(split_file), csv_format=split_file.suffix.lower() == ".csv"
                ),
                known_patients={p for p, _ in strata},
                known_studies=set(patients_of_studies(connection)),
            )
        patient_splits.update(overrides.patient_splits)
        set_splits(connection, patient_splits=patient_splits, study_splits=overrides.study_splits)
        sizes = split_sizes(connection)
    return SplitSummary(sizes=sizes, source=source, refused_rows=overrides.refused)


def _read_split_file(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QaforgeError.of("E702", path=path, problem=error) from None
