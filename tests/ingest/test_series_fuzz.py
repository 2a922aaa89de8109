"""No file stops a series folder: a corpus of malformed series (issue 22) and generated headers.

For every folder: no exception escapes, the command exits as documented,
each file found is stored, quarantined (with reason and location) or
skipped, on SQLite and PostgreSQL; no lone surrogate reaches the database
or the console.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.ingest.series import find_series_files, scan_series_file
from qaforge.ingest.series_mapping import load_series_mapping
from qaforge.ingest.text_checks import has_surrogates
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.store.models import ImageSeries, QuarantineRow

from .malformed_series import CASES, GOOD, STUDY, SeriesCase, nifti_bytes, write_good

FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
runner = CliRunner()
PARAMS = [pytest.param(c, id=c.name) for c in CASES]
CLI_PARAMS = PARAMS


def reports_file(folder: Path) -> Path:
    path = folder / "reports.jsonl"
    record = {"report_id": "R1", "patient_id": "P1", "study_id": STUDY, "text": "LV normal."}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")
    return path


def build(case: SeriesCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    root = tmp_path / "series"
    write_good(root / STUDY)
    case.build(root / STUDY)
    return root


@pytest.mark.parametrize("case", PARAMS)
def test_pipeline_stores_the_good_and_quarantines_the_bad(
    case: SeriesCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine
) -> None:
    root = build(case, tmp_path, monkeypatch)
    ingest_reports(engine, reports_file(tmp_path))

    summary = ingest_series(engine, root)

    assert summary.files == case.files
    assert summary.new == len(GOOD)
    assert summary.valid + summary.quarantined + summary.skipped == summary.files
    with engine.connect() as connection:
        stored = connection.execute(select(ImageSeries.path)).scalars().all()
        refused = {row.location: row.reason for row in connection.execute(select(QuarantineRow))}
    assert sorted(stored) == sorted(GOOD)
    assert len(refused) == case.files - len(GOOD)
    assert case.location in refused, refused
    assert case.reason in refused[case.location]
    assert not any(has_surrogates(text) for item in refused.items() for text in item)
    again = ingest_series(engine, root)
    assert again.unchanged == len(GOOD) and again.quarantined == summary.quarantined


@pytest.mark.parametrize("case", CLI_PARAMS)
def test_cli_exits_0_without_a_traceback(
    case: SeriesCase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    root = build(case, tmp_path, monkeypatch)
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "reports", str(reports_file(tmp_path))]).exit_code == 0

    result = runner.invoke(app, ["ingest", "series", str(root)])

    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and not has_surrogates(result.output)
    assert f"{case.files} files found" in result.output
    assert f"{len(GOOD)} new" in result.output


def test_a_folder_of_only_bad_files_exits_1(tmp_path: Path, monkeypatch, db_url) -> None:
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "series" / STUDY
    root.mkdir(parents=True)
    # the cases share one bad file name, so one of them: a 100,000-deep sidecar
    CASES[0].build(root)
    assert (
        runner.invoke(
            app, ["--db", db_url, "ingest", "reports", str(reports_file(tmp_path))]
        ).exit_code
        == 0
    )
    result = runner.invoke(app, ["--db", db_url, "ingest", "series", str(root.parent)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output


def dicom_bytes(seed: int) -> bytes:
    return bytes(128) + b"DICM" + bytes([seed]) * 64


@pytest.mark.parametrize(
    "write",
    [
        lambda root: [(root / f"IM{n:04d}").write_bytes(dicom_bytes(n)) for n in range(5)],
        lambda root: [(root / f"slice{n}.dcm").write_bytes(b"x" * 10) for n in range(3)],
    ],
    ids=["DICM preamble", ".dcm names"],
)
def test_a_folder_of_dicom_files_exits_non_zero_with_a_hint(write, tmp_path, monkeypatch, db_url):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "dicom" / STUDY
    root.mkdir(parents=True)
    write(root)
    result = runner.invoke(app, ["--db", db_url, "ingest", "series", str(root.parent)])
    assert result.exit_code == 1, result.output
    assert "DICOM" in result.output and "dcm2niix" in result.output
    assert "Traceback" not in result.output


def test_an_empty_folder_exits_non_zero(tmp_path, monkeypatch, db_url):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "empty"
    (root / "sub").mkdir(parents=True)
    (root / "notes.txt").write_text("nothing here")
    result = runner.invoke(app, ["--db", db_url, "ingest", "series", str(root)])
    assert result.exit_code == 1, result.output
    assert "no NIfTI files" in result.output and "Traceback" not in result.output


def test_limits_come_from_the_environment(monkeypatch) -> None:
    from qaforge.settings import SeriesLimits

    monkeypatch.setenv("QAFORGE_MAX_VOXELS", "77")
    monkeypatch.setenv("QAFORGE_MAX_SIDECAR_BYTES", "1000")
    monkeypatch.setenv("QAFORGE_MAX_DECOMPRESSED_BYTES", "5000")
    limits = SeriesLimits()
    assert (limits.max_voxels, limits.max_sidecar_bytes, limits.max_decompressed_bytes) == (
        77,
        1000,
        5000,
    )
    assert SeriesLimits.model_fields["max_json_depth"].default == 32


def test_over_limit_header_is_refused_before_the_voxels_are_read(tmp_path, monkeypatch) -> None:
    """A header over QAFORGE_MAX_VOXELS is refused from its 348 bytes: the data part may be junk."""
    monkeypatch.setenv("QAFORGE_MAX_VOXELS", "100")
    study = tmp_path / STUDY
    study.mkdir()
    path = study / "cine_sax.nii"
    # a header for 8x8x3x4 voxels, then a file cut inside the data part
    path.write_bytes(nifti_bytes()[:400])
    result = scan_series_file(
        path, root=tmp_path, mapping=load_series_mapping(None), known_study_ids={STUDY}
    )
    assert isinstance(result, QuarantineEntry)
    assert "QAFORGE_MAX_VOXELS" in result.reason and "truncated" not in result.reason


def test_limits_are_read_once_per_run(tmp_path, monkeypatch, engine) -> None:
    """`ingest series` reads QAFORGE_MAX_* once, not for each file (header, sidecar, voxels)."""
    from qaforge.ingest import nifti, series, sidecar
    from qaforge.pipeline import ingest
    from qaforge.settings import SeriesLimits

    reads: list[dict[str, object]] = []

    class CountedLimits(SeriesLimits):
        def __init__(self, **values: object) -> None:
            reads.append(values)
            super().__init__(**values)

    for module in (ingest, series, nifti, sidecar):
        monkeypatch.setattr(module, "SeriesLimits", CountedLimits)
    monkeypatch.setenv("QAFORGE_MAX_SIDECAR_BYTES", "10")
    root = tmp_path / "series"
    write_good(root / STUDY)
    (root / STUDY / "t2_sax.json").write_text('{"sequence": "t2", "view": "sax"}')
    ingest_reports(engine, reports_file(tmp_path))

    summary = ingest_series(engine, root)

    assert len(reads) == 1
    assert (summary.new, summary.quarantined) == (len(GOOD) - 1, 1)  # the run's limit applies
    with engine.connect() as connection:
        reason = connection.execute(select(QuarantineRow.reason)).scalar_one()
    assert "QAFORGE_MAX_SIDECAR_BYTES" in reason


def test_an_invalid_limit_stops_the_run_with_one_line(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    root = tmp_path / "series"
    write_good(root / STUDY)
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert runner.invoke(app, ["ingest", "reports", str(reports_file(tmp_path))]).exit_code == 0
    monkeypatch.setenv("QAFORGE_MAX_VOXELS", "lots")

    result = runner.invoke(app, ["ingest", "series", str(root)])

    assert result.exit_code == 2, result.output
    assert "E002" in result.output and "QAFORGE_MAX_VOXELS" in result.output
    assert "lots" not in result.output and "Traceback" not in result.output


# -- generated headers ---------------------------------------------------------------

header_edits = st.dictionaries(st.integers(0, 351), st.integers(0, 255), min_size=1, max_size=12)


@FUZZ
@given(edits=header_edits, gzipped=st.booleans())
def test_random_header_bytes_never_raise(edits, gzipped, tmp_path_factory) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    content = bytearray(nifti_bytes())
    for offset, value in edits.items():
        content[offset] = value
    name = "cine_sax.nii.gz" if gzipped else "cine_sax.nii"
    path = root / STUDY / name
    path.parent.mkdir()
    path.write_bytes(gzip.compress(bytes(content), mtime=0) if gzipped else bytes(content))
    files = find_series_files(root)
    assert files == [path]
    result = scan_series_file(
        path, root=root, mapping=load_series_mapping(None), known_study_ids={STUDY}
    )
    assert isinstance(result, ScannedSeries | QuarantineEntry)
    if isinstance(result, QuarantineEntry):
        assert result.reason and "\n" not in result.reason


@FUZZ
@given(content=st.binary(max_size=600))
def test_random_sidecar_bytes_never_raise(content, tmp_path_factory) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    (root / STUDY).mkdir()
    path = root / STUDY / "cine_sax.nii"
    path.write_bytes(nifti_bytes())
    (root / STUDY / "cine_sax.json").write_bytes(content)
    result = scan_series_file(
        path, root=root, mapping=load_series_mapping(None), known_study_ids={STUDY}
    )
    assert isinstance(result, ScannedSeries | QuarantineEntry)
    if isinstance(result, ScannedSeries):
        assert not has_surrogates(json.dumps(result.sidecar, ensure_ascii=False))


def test_generated_headers_through_the_store(tmp_path, engine) -> None:
    """Every kind of case at once in one folder, into the store: the counts add up."""
    root = tmp_path / "series"
    study = root / STUDY
    write_good(study)
    # a case's "outside" is its parent's parent, inside this shared root
    inside = [c for c in CASES if not c.env and "outside" not in c.name]
    for number, case in enumerate(inside):
        sub = study / f"case{number:02d}"
        sub.mkdir()
        case.build(sub)
    ingest_reports(engine, reports_file(tmp_path))
    summary = ingest_series(engine, root, batch_size=7)
    assert summary.new == len(GOOD)
    assert summary.valid + summary.quarantined + summary.skipped == summary.files
    with engine.connect() as connection:
        assert len(connection.execute(select(QuarantineRow)).all()) == summary.quarantined
