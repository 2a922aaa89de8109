"""Write the bundled sample data set: reports, phantom NIfTI series and their ground truth.

Layout under ``outdir``::

    reports.jsonl          one report record per line
    series/<study_id>/...  the NIfTI series, in one of three naming styles
    series_truth.jsonl     what each phantom file shows (frames, slices, lesions, geometry)

Each series is stored in its study's storage order (one of the 8 in-plane
orders, short-axis stacks of three studies apex first; see
:mod:`qaforge.sample.phantoms`), and its truth line is indexed like the file:
``slice_order``, ``lv_slices``, lesion ``z_ranges`` are file slice indices.

Everything is a pure function of the seed: writing twice gives byte-identical
files, so content-addressed ingest sees the same series.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict

from qaforge.sample.cases import SAMPLE_CASES, SampleCase, SeriesKey, series_kind
from qaforge.sample.phantoms import build_phantom, encode_nifti_gz, store

NamingStyle = Literal["A", "B", "C"]

STYLE_NAMES: dict[NamingStyle, dict[SeriesKey, str]] = {
    "A": {
        "cine_sax": "cine_sax.nii.gz",
        "cine_2ch": "cine_2ch.nii.gz",
        "cine_3ch": "cine_3ch.nii.gz",
        "cine_4ch": "cine_4ch.nii.gz",
        "lge_sax": "lge_sax.nii.gz",
        "t2_sax": "t2_sax.nii.gz",
        "perfusion_sax": "perfusion_sax.nii.gz",
    },
    "B": {
        "cine_sax": "SA_CINE.nii.gz",
        "cine_2ch": "LA_2CH_CINE.nii.gz",
        "cine_3ch": "LA_3CH_CINE.nii.gz",
        "cine_4ch": "LA_4CH_CINE.nii.gz",
        "lge_sax": "PSIR_LGE_SA.nii.gz",
        "t2_sax": "STIR_T2_SA.nii.gz",
        "perfusion_sax": "FPP_STRESS_SA.nii.gz",
    },
    "C": {
        "cine_sax": "cine/sax.nii.gz",
        "cine_2ch": "cine/2ch.nii.gz",
        "cine_3ch": "cine/3ch.nii.gz",
        "cine_4ch": "cine/4ch.nii.gz",
        "lge_sax": "lge/sax.nii.gz",
        "t2_sax": "t2/sax.nii.gz",
        "perfusion_sax": "perfusion/sax.nii.gz",
    },
}
SERIES_DESCRIPTIONS: dict[SeriesKey, str] = {
    "cine_sax": "SA cine bSSFP",
    "cine_2ch": "LA 2CH cine bSSFP",
    "cine_3ch": "LA 3CH cine bSSFP",
    "cine_4ch": "LA 4CH cine bSSFP",
    "lge_sax": "PSIR LGE SA stack",
    "t2_sax": "STIR T2W SA",
    "perfusion_sax": "FPP stress SA",
}
SIDECAR_STUDIES = frozenset({"STU-0002", "STU-0011"})
"""Style-B studies whose series get a JSON sidecar."""


class SampleDataSummary(BaseModel):
    """What :func:`write_sample_data` wrote.

    Attributes:
        outdir: The output folder.
        reports_path: ``reports.jsonl``.
        series_dir: Folder holding one subfolder per study.
        series_truth_path: ``series_truth.jsonl``.
        n_reports: Reports written.
        n_patients: Distinct patients.
        n_studies: Studies with series.
        n_series: NIfTI files written.
        n_sidecars: JSON sidecars written.
        n_reordered: Series stored in an in-plane order other than the drawing's.
        n_apex_first: Short-axis series stored apex first.
        total_bytes: Size of everything written.
    """

    model_config = ConfigDict(frozen=True)

    outdir: Path
    reports_path: Path
    series_dir: Path
    series_truth_path: Path
    n_reports: int
    n_patients: int
    n_studies: int
    n_series: int
    n_sidecars: int
    n_reordered: int
    n_apex_first: int
    total_bytes: int


def naming_style(case: SampleCase) -> NamingStyle:
    """The file naming style of a study: A, B and C in turn by study number.

    Args:
        case: The sample case.

    Returns:
        ``"A"``, ``"B"`` or ``"C"``.
    """
    number = int(case.study_id.rsplit("-", 1)[1])
    styles: tuple[NamingStyle, ...] = ("A", "B", "C")
    return styles[(number - 1) % 3]


def series_relpath(case: SampleCase, key: SeriesKey) -> str:
    """Path of a series file relative to ``outdir/series`` (POSIX separators).

    Args:
        case: The sample case.
        key: The series.

    Returns:
        E.g. ``"STU-0003/cine/sax.nii.gz"``.
    """
    return f"{case.study_id}/{STYLE_NAMES[naming_style(case)][key]}"


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"


def _sidecar(key: SeriesKey) -> dict[str, str]:
    sequence, view = series_kind(key)
    return {"SeriesDescription": SERIES_DESCRIPTIONS[key], "sequence": sequence, "view": view}


def _write(path: Path, content: bytes) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return len(content)


def write_sample_data(outdir: Path, *, seed: int = 0) -> SampleDataSummary:
    """Write the sample reports, phantom series and series truth.

    Existing files of the same names are overwritten; nothing else in
    ``outdir`` is touched.

    Args:
        outdir: Folder to write into (created if missing).
        seed: Seed of the phantoms (acquisition choices, ED frame, noise).

    Returns:
        Counts and paths of what was written.

    Raises:
        ValueError: If the seed is negative.
    """
    if seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed}")
    outdir = Path(outdir)
    series_dir = outdir / "series"
    reports_path = outdir / "reports.jsonl"
    truth_path = outdir / "series_truth.jsonl"
    total = _write(
        reports_path, "".join(_json_line(c.record()) for c in SAMPLE_CASES).encode("utf-8")
    )
    written = [
        _write_series(series_dir, case, key, seed=seed)
        for case in SAMPLE_CASES
        for key in case.truth.series
    ]
    total += sum(series.n_bytes for series in written)
    total += _write(truth_path, "".join(series.truth_line for series in written).encode("utf-8"))
    return SampleDataSummary(
        outdir=outdir,
        reports_path=reports_path,
        series_dir=series_dir,
        series_truth_path=truth_path,
        n_reports=len(SAMPLE_CASES),
        n_patients=len({c.patient_id for c in SAMPLE_CASES}),
        n_studies=len(SAMPLE_CASES),
        n_series=len(written),
        n_sidecars=sum(series.sidecar for series in written),
        n_reordered=sum(series.reordered for series in written),
        n_apex_first=sum(series.apex_first for series in written),
        total_bytes=total,
    )


class _WrittenSeries(NamedTuple):
    """One series file written, with its sidecar if it has one.

    Attributes:
        n_bytes: Bytes written (the NIfTI file and the sidecar).
        truth_line: Its line of ``series_truth.jsonl``.
        sidecar: Whether a JSON sidecar was written.
        reordered: Whether it is stored in an in-plane order other than the drawing's.
        apex_first: Whether it is a short-axis stack stored apex first.
    """

    n_bytes: int
    truth_line: str
    sidecar: bool
    reordered: bool
    apex_first: bool


def _write_series(
    series_dir: Path, case: SampleCase, key: SeriesKey, *, seed: int
) -> _WrittenSeries:
    """Draw one series of a case, write it (and its sidecar) under ``series_dir``."""
    phantom = build_phantom(case, key, seed=seed)
    relpath = series_relpath(case, key)
    n_bytes = _write(series_dir / relpath, encode_nifti_gz(phantom, storage=phantom.storage))
    sidecar = case.study_id in SIDECAR_STUDIES
    if sidecar:
        path = series_dir / relpath.removesuffix(".nii.gz")
        content = json.dumps(_sidecar(key), indent=2) + "\n"
        n_bytes += _write(path.with_name(path.name + ".json"), content.encode())
    record = {
        "study_id": case.study_id,
        "report_id": case.report_id,
        "path": relpath,
        **store(phantom, phantom.storage).truth,
    }
    return _WrittenSeries(
        n_bytes=n_bytes,
        truth_line=_json_line(record),
        sidecar=sidecar,
        reordered=any(phantom.storage.in_plane().values()),
        apex_first=bool(phantom.storage.apex_first),
    )
