"""An export of nothing, or of a selection that is not stored, is refused and replaces nothing."""

from __future__ import annotations

import hashlib
import shutil

import pytest
from typer.testing import CliRunner

from qaforge.cli.app import app
from qaforge.store.engine import create_store_engine
from qaforge.store.exports import stored_exports


@pytest.fixture
def db_copy(small_export, tmp_path) -> str:
    """A copy of the small export's database (no item verified; selection clinical/4)."""
    db = tmp_path / "q.db"
    shutil.copyfile(small_export.db_url.removeprefix("sqlite:///"), db)
    return f"sqlite:///{db}"


def run(db_url: str, *args: str):
    return CliRunner().invoke(app, ["--db", db_url, *args])


def exported(db_url: str, outdir, *extra: str) -> bytes:
    args = ("--protocol", "clinical", "--budget", "4", "--include-unverified", *extra)
    result = run(db_url, "export", str(outdir), *args)
    assert result.exit_code == 0, result.output
    return (outdir / "manifest.json").read_bytes()


@pytest.mark.parametrize("export_format", ["benchmark", "vlmevalkit", "lmms-eval"])
def test_an_export_of_zero_records_fails_and_keeps_the_earlier_one(
    db_copy, tmp_path, export_format
):
    outdir = tmp_path / "export"
    manifest = exported(db_copy, outdir)
    before = sorted(p.relative_to(outdir) for p in outdir.rglob("*"))
    recorded = exports(db_copy)
    result = run(
        db_copy,
        *("export", str(outdir), "--protocol", "clinical", "--budget", "4"),
        *("--format", export_format),
    )
    assert result.exit_code == 2, result.output
    assert "E705" in result.output and "unverified" in result.output
    assert (outdir / "manifest.json").read_bytes() == manifest
    assert sorted(p.relative_to(outdir) for p in outdir.rglob("*")) == before
    assert exports(db_copy) == recorded


def exports(db_url: str) -> list:
    engine = create_store_engine(db_url)
    try:
        with engine.connect() as connection:
            return stored_exports(connection)
    finally:
        engine.dispose()


@pytest.mark.parametrize("export_format", ["benchmark", "vlmevalkit", "lmms-eval"])
def test_each_export_is_recorded_with_its_hash_and_counts(db_copy, tmp_path, export_format):
    outdir = tmp_path / export_format
    args = ("--protocol", "clinical", "--budget", "4", "--include-unverified")
    result = run(db_copy, "export", str(outdir), *args, "--format", export_format)
    assert result.exit_code == 0, result.output
    row = exports(db_copy)[-1]
    assert row.outdir == str(outdir) and row.export_format == export_format
    assert row.n_items > 0 and row.counts["images"] > 0
    assert sum(n for k, n in row.counts.items() if k.startswith("records_")) == row.n_items
    if export_format == "benchmark":
        manifest = (outdir / "manifest.json").read_bytes()
        assert row.manifest_sha256 == hashlib.sha256(manifest).hexdigest()
    again = run(db_copy, "export", str(outdir), *args, "--format", export_format)
    assert again.exit_code == 0, again.output
    first, second = exports(db_copy)[-2:]
    assert second.manifest_sha256 == first.manifest_sha256 and second.id > first.id


def test_a_protocol_typo_names_the_stored_selections(db_copy, tmp_path):
    outdir = tmp_path / "export"
    manifest = exported(db_copy, outdir)
    for args in (
        ("export", str(outdir), "--protocol", "clinicl", "--budget", "4", "--include-unverified"),
        ("export", str(outdir), "--protocol", "clinical", "--budget", "5", "--include-unverified"),
        ("check", "--protocol", "clinicl", "--budget", "4", "--json", str(tmp_path / "c.json")),
    ):
        result = run(db_copy, *args)
        assert result.exit_code == 2, result.output
        assert "E706" in result.output and "stored: clinical/4" in result.output, result.output
    assert (outdir / "manifest.json").read_bytes() == manifest
    assert not (tmp_path / "c.json").exists()
    good = run(
        db_copy,
        "check",
        "--protocol",
        "clinical",
        "--budget",
        "4",
        "--json",
        str(tmp_path / "c.json"),
    )
    assert good.exit_code == 0, good.output
