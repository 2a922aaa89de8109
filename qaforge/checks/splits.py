"""Patient-level splits (pure): deterministic from a seed and ratios, optionally stratified."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence

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
