"""The truth record of a phantom: what was drawn, as JSON-ready values, and as a file holds it."""

from __future__ import annotations

import copy
from typing import Any

from qaforge.sample.cases import Region
from qaforge.sample.phantoms.anatomy import (
    DEPTH_BANDS,
    WALL_SECTORS,
    LvShape,
    level_mask,
    z_ranges,
)
from qaforge.sample.phantoms.storage import StorageOrder


def region_truth(kind: str, region: Region, n_slices: int, offset: int) -> dict[str, Any]:
    """The JSON record of a drawn lesion; its slices are shifted by the slices above the LV."""
    return {
        "kind": kind,
        "levels": list(region.levels),
        "walls": list(region.walls),
        "pattern": region.pattern,
        "z_ranges": [
            [start + offset, stop + offset]
            for start, stop in z_ranges(level_mask(region.levels, n_slices))
        ],
        "sectors_deg": [list(WALL_SECTORS[w]) for w in region.walls],
        "depth": [round(v, 4) for v in DEPTH_BANDS[region.pattern]],
    }


def geometry_truth(center_rc: tuple[float, float], shape: LvShape) -> dict[str, Any]:
    """End-diastolic myocardium geometry: centre, endo radius per slice, epi radius every 10 deg."""
    return {
        "center_rc": list(center_rc),
        "angles_deg": list(range(0, 360, 10)),
        "r_endo_px": [round(float(r), 3) for r in shape.endo[:, 0]],
        "r_epi_px": [[round(float(r), 3) for r in row[::10]] for row in shape.epi],
    }


def stored_truth(truth: dict[str, Any], storage: StorageOrder, *, n_slices: int) -> dict[str, Any]:
    """A drawing's truth re-indexed to a file stored in ``storage`` (see :func:`store`).

    Args:
        truth: The phantom's truth, indexed like the drawing (left unchanged).
        storage: The storage order of the file.
        n_slices: Slices of the drawing.

    Returns:
        A new record with the file's slice indices, shape and spacing, and ``storage``.
    """
    record = copy.deepcopy(truth)
    if storage.apex_first and record["view"] == "sax":
        record["slice_order"] = "apex_first"
        first, last = record["lv_slices"]
        record["lv_slices"] = [n_slices - 1 - last, n_slices - 1 - first]
        for lesion in record["lesions"]:
            lesion["z_ranges"] = sorted(
                [n_slices - stop, n_slices - start] for start, stop in lesion["z_ranges"]
            )
        geometry = record["myocardium"]
        geometry["r_endo_px"] = geometry["r_endo_px"][::-1]
        geometry["r_epi_px"] = geometry["r_epi_px"][::-1]
    if storage.transpose:
        for name in ("shape", "spacing"):
            record[name][0], record[name][1] = record[name][1], record[name][0]
    record["storage"] = storage.in_plane()
    return record
