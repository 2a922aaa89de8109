"""Benchmark: slices rendered per second, next to a bare Pillow encoding loop.

Phantom studies (the 30 sample cases, drawn again with other seeds until
there are enough slices) are written as ``.nii.gz`` files. Two figures,
measured in the same run on the same 2D arrays:

- qaforge: :func:`qaforge.images.study_job.run_study_jobs` renders every
  (z, t) of every series, in worker processes (one per core): it loads and
  inflates the NIfTI files, finds ED/ES and perfusion peaks, windows,
  reorients, encodes PNG, hashes and writes content-addressed files;
- the baseline: one process encodes the same windowed 8-bit arrays (already
  in memory) with ``PIL.Image.fromarray(...).save(..., "PNG")``, nothing else.

A single-worker qaforge run is printed as well, for the cost per slice.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

from PIL import Image

from benchmarks.common import print_side_by_side, timed
from qaforge.images.analysis import apply_window, robust_window
from qaforge.images.render import PNG_COMPRESS_LEVEL
from qaforge.images.routing import SeriesRef
from qaforge.images.study_job import SelectionRequest, StudyJob, run_study_jobs
from qaforge.images.volume import load_volume
from qaforge.sample.cases import SAMPLE_CASES, series_kind
from qaforge.sample.phantoms import build_phantom, encode_nifti_gz

OUT = Path(__file__).resolve().parent / "out"


def write_phantoms(folder: Path, slices: int) -> list[StudyJob]:
    """Write phantom studies until they hold ``slices`` slices; one job per study renders all."""
    jobs: list[StudyJob] = []
    total = 0
    seed = 0
    while total < slices:
        for case in SAMPLE_CASES:
            if total >= slices:
                break
            refs, requests = [], []
            for key in case.truth.series:
                phantom = build_phantom(case, key, seed=seed)
                path = folder / f"{case.study_id}-{seed}-{key}.nii.gz"
                path.write_bytes(encode_nifti_gz(phantom))
                sequence, view = series_kind(key)
                ref = SeriesRef(path.stem, sequence, view, str(path), "")
                count = phantom.array.shape[2] * (
                    phantom.array.shape[3] if phantom.array.ndim == 4 else 1
                )
                refs.append(ref)
                requests.append(SelectionRequest(path.stem, (ref,), "random", count))
                total += count
            jobs.append(
                StudyJob(
                    study_id=f"{case.study_id}-{seed}",
                    requests=tuple(requests),
                    seed=0,
                    size=None,
                    images_dir="",
                    contact_sheets=False,
                )
            )
        seed += 1
    return jobs


def windowed_planes(jobs: list[StudyJob]) -> list:
    """The 8-bit arrays qaforge encodes, computed up front for the baseline."""
    planes = []
    for job in jobs:
        for request in job.requests:
            volume = load_volume(Path(request.routing[0].path), request.routing[0].view)
            window = robust_window(volume.data)
            for z in range(volume.n_slices):
                for t in range(volume.n_frames):
                    planes.append(apply_window(volume.plane(z, t), window))
    return planes


def bare_loop(planes: list) -> int:
    for plane in planes:
        Image.fromarray(plane).save(io.BytesIO(), format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return len(planes)


def render_all(jobs: list[StudyJob], images_dir: Path, workers: int) -> int:
    placed = [
        StudyJob(j.study_id, j.requests, j.seed, j.size, str(images_dir), j.contact_sheets)
        for j in jobs
    ]
    return sum(
        len(selection.images)
        for result in run_study_jobs(placed, workers)
        for selection in result.selections
    )


def run(slices: int = 20_000, workers: int | None = None) -> None:
    """Print qaforge's slices/s (all cores and one) next to the bare Pillow loop."""
    workers = workers or os.cpu_count() or 1
    # under benchmarks/out on the working disk: file creation in /tmp can be
    # many times slower on some machines, which would measure the disk instead
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="render-", dir=OUT) as tmp:
        folder = Path(tmp)
        (folder / "series").mkdir()
        jobs = write_phantoms(folder / "series", slices)
        planes = windowed_planes(jobs)
        print(f"\nrender: {len(jobs)} phantom studies, {len(planes):,} slices, {workers} workers")
        baseline, encoded = timed("bare Pillow loop", len(planes), lambda: bare_loop(planes))
        parallel, rendered = timed(
            f"qaforge ({workers} workers)",
            len(planes),
            lambda: render_all(jobs, folder / "images-parallel", workers),
        )
        single, rendered_one = timed(
            "qaforge (1 worker)", len(planes), lambda: render_all(jobs, folder / "images-one", 1)
        )
        assert rendered == rendered_one == encoded == len(planes)
        print_side_by_side("render slices (all cores)", "slices", parallel, baseline)
        print_side_by_side("render slices (one worker)", "slices", single, baseline)


if __name__ == "__main__":
    run()
