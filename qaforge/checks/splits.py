"""Patient-level splits (pure): deterministic from a seed and ratios, optionally
stratified; and the overrides a split file gives.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_RATIOS = {"train": 0.7, "validation": 0.1, "test": 0.2}


def assign_splits(
    patients: Sequence[tuple[str, str | None]], ratios: dict[str, float], *, seed: int = 0
) -> dict[str, str]:
    """Give every patient a split.

    Within each stratum (``None`` is one stratum of its own) patients are
    ordered by a seeded hash of their id and cut by the ratios (largest
    remainder), so every stratum is split in the same proportions and adding
    a patient moves no other patient's split... except at the cut points of
    its own stratum.

    Args:
        patients: ``(patient_id, stratum)`` pairs; stratum e.g. the diagnosis.
        ratios: Split name -> share (need not sum to 1; they are normalised).
        seed: Seed of the order.

    Returns:
        Patient id -> split name.
    """
    if not ratios or any(share < 0 for share in ratios.values()) or sum(ratios.values()) <= 0:
        raise ValueError(f"split ratios must be non-negative with a positive sum, got {ratios}")
    total = sum(ratios.values())
    names = list(ratios)
    strata: dict[str | None, list[str]] = defaultdict(list)
    for patient_id, stratum in patients:
        strata[stratum].append(patient_id)
    assigned: dict[str, str] = {}
    for members in strata.values():
        ordered = sorted(
            set(members), key=lambda p: hashlib.sha256(f"{seed}\x1f{p}".encode()).hexdigest()
        )
        counts = _largest_remainder([ratios[n] / total * len(ordered) for n in names])
        position = 0
        for name, count in zip(names, counts, strict=True):
            for patient_id in ordered[position : position + count]:
                assigned[patient_id] = name
            position += count
    return assigned


def _largest_remainder(quotas: list[float]) -> list[int]:
    counts = [int(q) for q in quotas]
    left = round(sum(quotas)) - sum(counts)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for index in order[:left]:
        counts[index] += 1
    return counts


@dataclass
class SplitOverrides:
    """What a split file's rows give.

    Attributes:
        patient_splits: Patient id -> split, for rows naming a known patient.
        study_splits: Study id -> split, for rows naming a known study (these
            override the study's patient's split).
        refused: One message per row that gives nothing, with its location.
    """

    patient_splits: dict[str, str] = field(default_factory=dict)
    study_splits: dict[str, str] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def split_file_rows(text: str, *, csv_format: bool) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """The rows of a split file's text, each with where it is.

    Args:
        text: The file's text.
        csv_format: CSV with a header row; otherwise JSONL (one object per line).

    Yields:
        ``("row <n>", row)`` for CSV (n counts the header as row 1) or
        ``("line <n>", row)`` for JSONL, blank lines skipped; a line that is
        not a JSON object gives an empty row (which :func:`split_overrides` refuses).
    """
    if csv_format:
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


def split_overrides(
    rows: Iterable[tuple[str, Mapping[str, Any]]],
    *,
    known_patients: Collection[str],
    known_studies: Collection[str],
) -> SplitOverrides:
    """The splits a split file's rows give, and the rows refused.

    A row needs a ``split`` and a ``study_id`` or ``patient_id`` (the study
    wins when both are there) that the store knows.

    Args:
        rows: ``(location, row)`` pairs, e.g. from :func:`split_file_rows`.
        known_patients: The store's patient ids.
        known_studies: The store's study ids.

    Returns:
        Patient and study splits, later rows winning, and the refusals.
    """
    overrides = SplitOverrides()
    for location, row in rows:
        split = str(row.get("split") or "").strip()
        patient, study = row.get("patient_id"), row.get("study_id")
        if not split:
            overrides.refused.append(f"{location}: no split")
        elif study:
            if study in known_studies:
                overrides.study_splits[str(study)] = split
            else:
                overrides.refused.append(f"{location}: unknown study_id {study!r}")
        elif patient:
            if patient in known_patients:
                overrides.patient_splits[str(patient)] = split
            else:
                overrides.refused.append(f"{location}: unknown patient_id {patient!r}")
        else:
            overrides.refused.append(f"{location}: neither patient_id nor study_id")
    return overrides
