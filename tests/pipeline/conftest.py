"""A small export built by the real pipeline, shared by the export-format and DataFrame tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.export import export_database
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.pipeline.split import assign_database_splits
from qaforge.store.engine import create_store_engine
from qaforge.store.schema import upgrade_database


@dataclass(frozen=True)
class BuiltExport:
    """An export folder and the database it was written from."""

    folder: Path
    db_url: str


@pytest.fixture(scope="session")
def small_export(small_source: Path, tmp_path_factory: pytest.TempPathFactory) -> BuiltExport:
    """Three sample studies through the pipeline, one patient per split, exported with
    the unverified items (no reader verifies them here)."""
    out = tmp_path_factory.mktemp("small-export")
    db_url = f"sqlite:///{out / 'q.db'}"
    engine = create_store_engine(db_url)
    try:
        upgrade_database(engine)
        ingest_reports(engine, small_source / "reports.jsonl")
        ingest_series(engine, small_source / "series")
        extract_database(engine)
        generate_database(engine, config=GenerationConfig(majority_cap=1.0))
        select_images(
            engine, protocols=["clinical"], budgets=[4], images_dir=out / "img", workers=1
        )
        assign_database_splits(engine, ratios={"train": 1, "validation": 1, "test": 1})
        export_database(
            engine, out / "export", protocol="clinical", budget=4, include_unverified=True
        )
    finally:
        engine.dispose()
    return BuiltExport(folder=out / "export", db_url=db_url)
