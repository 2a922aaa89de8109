"""Shared helpers of the image-stage tests: cached phantoms, their facts and their files.

Phantoms are built once per session (``functools.cache``); the facts the
protocols use are computed from the phantom's voxels through the real
analysis functions, never copied from the truth.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from qaforge.images.analysis import (
    peak_enhancement_frames,
    robust_window,
    thumbnails,
)
from qaforge.images.heart import cardiac_phases
from qaforge.images.protocols import SeriesFacts
from qaforge.images.routing import SeriesRef
from qaforge.sample.cases import SAMPLE_CASES, SampleCase, series_kind
from qaforge.sample.phantoms import PIXEL_MM, Phantom, build_phantom, encode_nifti_gz

CASES: dict[str, SampleCase] = {case.study_id: case for case in SAMPLE_CASES}


@functools.cache
def cached_phantom(study_id: str, key: str) -> Phantom:
    """The phantom of one series of a sample study (seed 0), built once."""
    return build_phantom(CASES[study_id], key)  # type: ignore[arg-type]


def as_4d(array: np.ndarray) -> np.ndarray:
    """A phantom array as ``(rows, cols, slices, frames)``."""
    return array.reshape(array.shape + (1,) * (4 - array.ndim))


@functools.cache
def cached_facts(study_id: str, key: str) -> SeriesFacts:
    """SeriesFacts of a phantom series, measured from its voxels by the analysis functions."""
    data = as_4d(cached_phantom(study_id, key).array)
    sequence, view = series_kind(key)  # type: ignore[arg-type]
    ed = es = 0
    peaks: tuple[int, ...] = ()
    if sequence == "cine":
        phases = cardiac_phases(data, pixel_mm=PIXEL_MM, view=view)
        ed, es = phases.ed_frame, phases.es_frame
    elif sequence == "perfusion":
        peaks = peak_enhancement_frames(data)
    return SeriesFacts(
        series_id=f"{study_id}/{key}",
        sequence=sequence,
        view=view,
        n_slices=data.shape[2],
        n_frames=data.shape[3],
        ed_frame=ed,
        es_frame=es,
        peak_frames=peaks,
        thumbnails=thumbnails(data, robust_window(data)),
    )


def write_series(study_id: str, key: str, folder: Path, *, flipped: bool = False) -> SeriesRef:
    """Write a phantom series as ``.nii.gz`` under ``folder`` and describe it for routing."""
    content = encode_nifti_gz(cached_phantom(study_id, key), flipped=flipped)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{study_id}_{key}{'_flipped' if flipped else ''}.nii.gz"
    path.write_bytes(content)
    sequence, view = series_kind(key)  # type: ignore[arg-type]
    return SeriesRef(
        series_id=f"{study_id}/{key}",
        sequence=sequence,
        view=view,
        path=str(path),
        sha256=hashlib.sha256(content).hexdigest(),
    )


@pytest.fixture(scope="session")
def phantom() -> Callable[[str, str], Phantom]:
    """``phantom(study_id, key)``: the cached phantom of a sample series."""
    return cached_phantom


@pytest.fixture(scope="session")
def facts() -> Callable[[str, str], SeriesFacts]:
    """``facts(study_id, key)``: SeriesFacts measured from the phantom's voxels."""
    return cached_facts


@pytest.fixture(scope="session")
def series_writer() -> Callable[..., SeriesRef]:
    """``series_writer(study_id, key, folder, flipped=False)``: write a phantom file."""
    return write_series
