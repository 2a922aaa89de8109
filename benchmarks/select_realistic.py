"""Benchmark: select at realistic sizes, next to loading with nibabel and encoding the same slices.

Each study is a short-axis cine of 208 x 210 x 12 slices x 50 frames (int16,
the UK Biobank matrix) and a 4-chamber cine of 208 x 210 x 1 x 50, with an
oblique affine, a beating bright cavity and noise, written as ``.nii.gz``.
Two figures in the same run, on the same files, one process each:

- qaforge, timed in two parts: the series analysis that ``qaforge series``
  (or the first ``select``) makes once per file
  (:func:`qaforge.images.series_facts.analyse_stack`: load, display
  transform, cardiac phases, slice order and LV extent), then what every
  ``select`` does, :func:`qaforge.images.study_job.run_study_job` (load, window, pick
  K = 16 clinical slices of the short axis and K = 4 of the 4-chamber,
  reorient, enlarge to 256 px where smaller, encode PNG, hash, write);
- the baseline: ``nibabel.load`` + ``np.asanyarray(dataobj)`` of each file,
  a percentile window, and Pillow encoding of the very slices qaforge picked
  at the same output size, nothing else.
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np
from PIL import Image

from benchmarks.common import Measurement, print_side_by_side, timed
from benchmarks.phantoms import FOUR_CHAMBER_AFFINE, SAX_AFFINE, cine, write_nifti
from qaforge.images.render import PNG_COMPRESS_LEVEL, display_scale
from qaforge.images.routing import SeriesRef
from qaforge.images.series_facts import SeriesToAnalyse, analyse_stack, routed_ref
from qaforge.images.study_job import SelectionRequest, StudyJob, run_study_job

OUT = Path(__file__).resolve().parent / "out"
SHAPE = (208, 210, 12, 50)
SIZE = 256


def write_studies(folder: Path, studies: int) -> list[list[SeriesToAnalyse]]:
    """Write the realistic studies; one list of series per study."""
    rng = np.random.default_rng(0)
    written = []
    for index in range(studies):
        series = []
        for view, shape, affine in (
            ("sax", SHAPE, SAX_AFFINE),
            ("4ch", SHAPE[:2] + (1, SHAPE[3]), FOUR_CHAMBER_AFFINE),
        ):
            path = folder / f"study{index}-{view}.nii.gz"
            write_nifti(path, cine(shape, rng), affine)
            series.append(
                SeriesToAnalyse(
                    series_id=path.stem,
                    study_id=f"study{index}",
                    sequence="cine",
                    view=view,
                    path=str(path),
                    sha256="",
                    phase=None,
                    shape=shape,
                    affine=tuple(tuple(row) for row in affine),
                )
            )
        written.append(series)
    return written


def qaforge_analyse(studies: list[list[SeriesToAnalyse]]) -> list[list[SeriesRef]]:
    """The series analysis of every study, as ``qaforge series`` / the first select runs it."""
    routed = []
    for series in studies:
        refs = []
        for member in series:
            [facts], _ = analyse_stack([member])
            refs.append(routed_ref(member, facts))
        routed.append(refs)
    return routed


def qaforge_select(routed: list[list[SeriesRef]], images_dir: Path) -> list:
    """Select and render every study with its stored analysis; returns the picks."""
    picks = []
    for index, refs in enumerate(routed):
        requests = (
            SelectionRequest("sax", (refs[0],), "clinical", 16),
            SelectionRequest("4ch", (refs[1],), "clinical", 4),
        )
        job = StudyJob(f"study{index}", requests, 0, SIZE, str(images_dir), False)
        result = run_study_job(job)
        picks.extend(
            (image.series_id, image.z, image.t)
            for selection in result.selections
            for image in selection.images
        )
    return picks


def baseline(studies: list[list[SeriesToAnalyse]], picks: list) -> int:
    """nibabel load, a percentile window and Pillow encoding of the same slices."""
    by_series: dict[str, list[tuple[int, int]]] = {}
    for series_id, z, t in picks:
        by_series.setdefault(series_id, []).append((z, t))
    encoded = 0
    for series in studies:
        for member in series:
            data = np.asanyarray(nib.load(member.path).dataobj)
            low, high = np.percentile(data[::7], (0.5, 99.5))
            for z, t in by_series.get(member.series_id, []):
                plane = data[:, :, z, t].astype(np.float32)
                pixels = np.clip((plane - low) * (255.0 / (high - low)), 0, 255).astype(np.uint8)
                image = Image.fromarray(pixels)
                scale = display_scale(pixels.shape, SIZE)
                if scale != 1.0:
                    image = image.resize(
                        (round(image.width * scale), round(image.height * scale)),
                        Image.Resampling.BILINEAR,
                    )
                image.save(io.BytesIO(), format="PNG", compress_level=PNG_COMPRESS_LEVEL)
                encoded += 1
    return encoded


def run(studies: int = 6) -> None:
    """Print qaforge's studies/s for select at realistic sizes next to the bare baseline."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="select-", dir=OUT) as tmp:
        folder = Path(tmp)
        written = write_studies(folder, studies)
        print(
            f"\nselect (realistic): {studies} studies, each a {SHAPE} short-axis cine "
            f"and a 4-chamber cine of {SHAPE[3]} frames; K = 16 + 4, {SIZE} px"
        )
        analysis, routed = timed(
            "qaforge series analysis", studies, lambda: qaforge_analyse(written)
        )
        selection, picks = timed(
            "qaforge select", studies, lambda: qaforge_select(routed, folder / "png")
        )
        bare, encoded = timed("nibabel load + encode", studies, lambda: baseline(written, picks))
        assert encoded == len(picks) == studies * 20
        both = Measurement(
            "qaforge analysis + select", studies, analysis.seconds + selection.seconds
        )
        print_side_by_side("select, analysis stored (one process)", "studies", selection, bare)
        print_side_by_side("first select: analysis + select", "studies", both, bare)


if __name__ == "__main__":
    run()
