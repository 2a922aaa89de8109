"""Benchmark: peak memory of ``qaforge select`` on one 256 MiB volume, against the volume's size.

One sample study (STU-0001) goes through ingest, extract and generate in
this process; its short-axis cine is first replaced by a uint16
256 x 256 x 16 slices x 128 frames cine (256 MiB of voxels, a beating
bright cavity and noise, ``.nii.gz``). Then ``qaforge select`` (the first
one, so the series analysis runs too) runs in a child process, and the
child's peak resident memory is read from the kernel when it is reaped
(``os.wait4``: the child's own ``ru_maxrss``, what
``getrusage(RUSAGE_CHILDREN)`` gives for a parent with this one child).
Printed: the volume's size, the peak and their ratio; the goal is < 3.

``--select-source FOLDER`` runs the child with another checkout's
``qaforge`` package first on ``PYTHONPATH``, to measure a baseline commit
on the same files and database (``git archive COMMIT | tar -x -C FOLDER``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nibabel as nib
import numpy as np

from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.sample import write_sample_data
from qaforge.store.engine import create_store_engine
from qaforge.store.schema import upgrade_database

OUT = Path(__file__).resolve().parent / "out"
STUDY = "STU-0001"
SHAPE = (256, 256, 16, 128)
GOAL_RATIO = 3.0


def big_cine(shape: tuple[int, ...] = SHAPE) -> np.ndarray:
    """A uint16 short-axis cine: a cavity that narrows towards the apex and beats, plus noise."""
    rows, cols, slices, frames = shape
    rng = np.random.default_rng(0)
    r, c = np.indices((rows, cols))
    distance = np.hypot(r - rows / 2, c - cols / 2)
    beat = np.cos(2 * np.pi * np.arange(frames) / frames)  # end-diastole at frame 0
    data = np.empty(shape, dtype=np.uint16, order="F")
    for z in range(slices):
        radius = 30 - z
        for t in range(frames):
            cavity = distance < radius * (0.75 + 0.25 * beat[t])
            wall = (distance < radius + 9) & ~cavity
            image = 300 + 2600 * cavity + 900 * wall
            data[:, :, z, t] = image + rng.integers(0, 120, (rows, cols), dtype=np.uint16)
    return data


def prepare(folder: Path) -> tuple[str, int]:
    """The database of one sample study whose short-axis cine is the big volume.

    Returns:
        The database URL and the volume's size in bytes.
    """
    sample = folder / "sample"
    write_sample_data(sample)
    lines = (sample / "reports.jsonl").read_text().splitlines(keepends=True)
    (folder / "reports.jsonl").write_text(
        "".join(line for line in lines if json.loads(line)["study_id"] == STUDY)
    )
    series = folder / "series"
    shutil.copytree(sample / "series" / STUDY, series / STUDY)
    cine = series / STUDY / "cine_sax.nii.gz"
    affine = nib.load(cine).affine
    data = big_cine()
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units("mm", "msec")
    image.header["pixdim"][4] = 7.0
    nib.save(image, cine)
    url = f"sqlite:///{folder / 'qaforge.db'}"
    engine = create_store_engine(url)
    try:
        upgrade_database(engine)
        ingest_reports(engine, folder / "reports.jsonl")
        ingest_series(engine, series)
        extract_database(engine)
        generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    finally:
        engine.dispose()
    return url, data.nbytes


def select_peak_rss(url: str, folder: Path, source: Path | None) -> tuple[int, int]:
    """Run ``qaforge select`` in a child; its exit code and peak RSS in bytes."""
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")])
    command = [sys.executable, "-m", "qaforge", "--db", url, "select", "--workers", "1"]
    command += ["--images-dir", str(folder / "images")]
    child = subprocess.Popen(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.stderr.write(child.stderr.read().decode(errors="replace")[-2000:])
    child.stderr.close()
    return child.returncode, usage.ru_maxrss * 1024  # Linux reports KiB


def run(source: Path | None = None) -> float:
    """Print the volume size, select's peak RSS and their ratio; returns the ratio."""
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="select-memory-", dir=OUT) as tmp:
        folder = Path(tmp)
        url, volume_bytes = prepare(folder)
        code, peak = select_peak_rss(url, folder, source)
        mib = 1024 * 1024
        print(
            f"\nselect memory: one uint16 {SHAPE} cine ({volume_bytes / mib:.0f} MiB of voxels)"
            + (f", qaforge from {source}" if source else "")
        )
        print(f"  qaforge select exit code {code}")
        print(f"  volume           {volume_bytes / mib:8.0f} MiB")
        print(f"  peak RSS         {peak / mib:8.0f} MiB")
        ratio = peak / volume_bytes
        verdict = "within" if ratio < GOAL_RATIO else "over"
        print(f"  ratio peak / volume: {ratio:.2f} ({verdict} the goal of {GOAL_RATIO:g})")
        return ratio


if __name__ == "__main__":
    run(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
