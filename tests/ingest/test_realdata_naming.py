"""`ingest series` on the real public scans as delivered (no manifest): names classify, labels stay out.

The scans are read in place (``realdata`` fixture); nothing is written into
their folder. Which files should be skipped is worked out here from the
folder listing with plain string tests, independently of the mapping's
patterns.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.pipeline.ingest import SeriesIngestSummary, ingest_reports, ingest_series
from qaforge.store.engine import Engine, create_store_engine
from qaforge.store.models import ImageSeries
from qaforge.store.schema import upgrade_database

STUDIES = ["ukbb-demo-1", "mnms2-001", "cinemyops-1002"]
SEGMENTATION = "segmentation or label file"
SINGLE_PHASE = "single phase of a cine in the same folder"
runner = CliRunner()


def stem(path: Path) -> str:
    return path.name.removesuffix(".gz").removesuffix(".nii")


def is_segmentation(path: Path) -> bool:
    """UK Biobank ``seg_*``, M&Ms ``*_gt``, CineMyoPS ``*_label``."""
    return stem(path).startswith("seg_") or stem(path).endswith("_gt") or "label" in stem(path)


def cut_from(path: Path) -> Path | None:
    """The cine a ``*_ED`` / ``*_ES`` file was cut from, if it is beside it."""
    if is_segmentation(path) or not stem(path).endswith(("_ED", "_ES")):
        return None
    base = stem(path)[: -len("_ED")]
    for cine in (f"{base}.nii.gz", f"{base}_CINE.nii.gz"):
        if (path.parent / cine).is_file():
            return path.parent / cine
    return None


@pytest.fixture(scope="module")
def listing(realdata: Path) -> list[Path]:
    return sorted(realdata.rglob("*.nii*"))


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    path = tmp_path / "reports.jsonl"
    path.write_text(
        "".join(
            json.dumps(
                {
                    "report_id": f"R-{study}",
                    "patient_id": f"P-{study}",
                    "study_id": study,
                    "text": "Cine bSSFP: biventricular size and function assessed.",
                }
            )
            + "\n"
            for study in STUDIES
        ),
        encoding="utf-8",
    )
    return path


def stored_series(engine: Engine) -> dict[str, tuple[str, str, str | None]]:
    with engine.connect() as connection:
        return {
            f"{row.study_id}/{row.path}": (row.sequence, row.view, row.phase)
            for row in connection.execute(select(ImageSeries))
        }


def check_against_truth(
    stored: dict[str, tuple[str, str, str | None]],
    truth: dict,
    listing: list[Path],
    realdata: Path,
) -> None:
    for path, facts in truth.items():
        if facts.get("label_map"):
            assert path not in stored, f"label map {path} was ingested"
        else:
            assert stored.get(path) == (facts["sequence"], facts["view"], facts.get("phase")), path
    for file in listing:
        if is_segmentation(file) or cut_from(file) is not None:
            assert file.relative_to(realdata).as_posix() not in stored


def expected_skips(listing: list[Path]) -> dict[str, int]:
    return {
        SEGMENTATION: sum(is_segmentation(file) for file in listing),
        SINGLE_PHASE: sum(cut_from(file) is not None for file in listing),
    }


def test_pipeline_ingests_the_real_scans_by_their_names(
    realdata: Path, realdata_truth: dict, listing: list[Path], reports: Path, tmp_path: Path
) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'q.db'}")
    upgrade_database(engine)
    ingest_reports(engine, reports)

    summary: SeriesIngestSummary = ingest_series(engine, realdata)

    skips = expected_skips(listing)
    assert all(skips.values())  # the folder holds both kinds, or the test proves little
    assert summary.skipped_by_reason == skips
    assert summary.quarantined == 0, summary.examples
    assert summary.files == len(listing)
    assert summary.new == len(listing) - sum(skips.values())
    stored = stored_series(engine)
    engine.dispose()
    check_against_truth(stored, realdata_truth, listing, realdata)


def test_cli_ingests_the_real_scans_by_their_names(
    realdata: Path,
    realdata_truth: dict,
    listing: list[Path],
    reports: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("QAFORGE_DATABASE_URL", raising=False)
    url = f"sqlite:///{tmp_path / 'q.db'}"
    assert runner.invoke(app, ["--db", url, "init"]).exit_code == 0
    assert runner.invoke(app, ["--db", url, "ingest", "reports", str(reports)]).exit_code == 0

    result = runner.invoke(app, ["--db", url, "ingest", "series", str(realdata)])

    assert result.exit_code == 0, result.output
    skips = expected_skips(listing)
    ingested = len(listing) - sum(skips.values())
    line = " ".join(result.output.split())
    assert (
        f"{len(listing)} files found in {realdata}: {ingested} new, 0 updated, 0 unchanged, "
        f"0 quarantined, {sum(skips.values())} skipped ({skips[SEGMENTATION]} {SEGMENTATION}, "
        f"{skips[SINGLE_PHASE]} {SINGLE_PHASE})"
    ) in line
    engine = create_store_engine(url)
    stored = stored_series(engine)
    engine.dispose()
    check_against_truth(stored, realdata_truth, listing, realdata)
