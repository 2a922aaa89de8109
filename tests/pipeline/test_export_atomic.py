"""A killed export leaves the previous export or the new one, never a mix; user files stay."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from qaforge.libs.folder_swap import temp_folders
from qaforge.pipeline.export import export_database
from qaforge.store.engine import create_store_engine

USER_FILE = "my-notes.txt"


def export_command(db_url: str, outdir: Path, license_id: str) -> list[str]:
    return [
        *(sys.executable, "-m", "qaforge", "--db", db_url, "export", str(outdir)),
        *("--protocol", "clinical", "--budget", "4", "--include-unverified"),
        *("--license", license_id),
    ]


def folder_state(outdir: Path) -> bytes:
    """The manifest's bytes, after checking the folder holds exactly what it lists."""
    manifest = (outdir / "manifest.json").read_bytes()
    listed = json.loads(manifest)["files"]
    for name, entry in listed.items():
        assert hashlib.sha256((outdir / name).read_bytes()).hexdigest() == entry["sha256"], name
    files = {p.relative_to(outdir).as_posix() for p in outdir.rglob("*") if p.is_file()}
    assert files == set(listed) | {"manifest.json", USER_FILE}
    return manifest


def test_a_killed_reexport_leaves_the_previous_or_the_new_export(small_export, tmp_path):
    db = tmp_path / "q.db"
    shutil.copyfile(small_export.db_url.removeprefix("sqlite:///"), db)
    db_url = f"sqlite:///{db}"
    outdir = tmp_path / "export"
    subprocess.run(export_command(db_url, outdir, "cc-by-4.0"), check=True, capture_output=True)
    (outdir / USER_FILE).write_text("kept by every export", encoding="utf-8")
    previous = folder_state(outdir)
    killed = 0
    for _ in range(3):
        process = subprocess.Popen(
            export_command(db_url, outdir, "mit"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        while process.poll() is None and not temp_folders(outdir):
            pass  # kill as soon as the new folder appears beside the old one
        process.send_signal(signal.SIGKILL)
        killed += process.wait() == -signal.SIGKILL
        assert folder_state(outdir) == previous
    assert killed == 3  # every kill fell while the new export was being written
    assert temp_folders(outdir)  # the killed writer's folder, removed by the next export

    engine = create_store_engine(db_url)
    try:
        summary = export_database(
            engine, outdir, protocol="clinical", budget=4, include_unverified=True, license_id="mit"
        )
    finally:
        engine.dispose()
    new = folder_state(outdir)
    assert new != previous
    assert hashlib.sha256(new).hexdigest() == summary.manifest_sha256
    assert "license: mit" in (outdir / "README.md").read_text()
    assert not temp_folders(outdir)
