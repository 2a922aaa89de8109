"""Benchmark: a whole build at realistic series sizes, timed per stage, next to the I/O floor.

Writes N studies, each with a short-axis cine (200 x 200 x 12 x 30-50), 2-,
3- and 4-chamber cines (30-50 frames), LGE and T2 short-axis stacks (12
slices) and a 3-slice perfusion series of 55 frames, uint16 with oblique
affines, and a report per study (the sample's report texts, new ids). Then
runs ingest -> extract -> generate -> select (clinical, K = 16) -> split ->
check -> export on a fresh SQLite store, each stage in a child process of
its own so its peak memory is its own.

The floor, in the same run and with as many worker processes as select
(started inside the clock, as select's are): ``nibabel.load`` +
``np.asanyarray`` of every series file once, plus a percentile window and
Pillow PNG encoding (same level, same matrix) of every distinct slice select
wrote. It is measured twice: as nibabel reads by itself (Python's gzip), and
through ISA-L's gzip as select reads (:func:`qaforge.libs.nifti.read_voxels`).
``floor / select`` is how close select is to reading and encoding only.

Peak memory: ``ru_maxrss`` of each stage's process, and the largest of its
worker processes (select's and extract's pools), in MiB.

Extrapolation: each stage's seconds per study x the studies a
CardioLens-sized build needs (13,494 QA items at the items per study
measured here) -> hours on this machine's cores.
"""

from __future__ import annotations

import io
import logging
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

from benchmarks.phantoms import (
    FOUR_CHAMBER_AFFINE,
    SAX_AFFINE,
    THREE_CHAMBER_AFFINE,
    TWO_CHAMBER_AFFINE,
    cine,
    perfusion,
    static_stack,
    write_nifti,
)

OUT = Path(__file__).resolve().parent / "out"
MATRIX = (200, 200)
CARDIOLENS_ITEMS = 13_494
CARDIOLENS_SLICES = 473_896
STAGES = ("ingest", "extract", "generate", "select", "split", "check", "export")
INFLATES = ("gzip", "isal")


def write_dataset(folder: Path, studies: int, seed: int = 0) -> int:
    """Write the reports and series of ``studies`` studies; returns the slices (z x t) written."""
    import json

    from qaforge.sample.cases import SAMPLE_CASES

    rng = np.random.default_rng(seed)
    lines, slices = [], 0
    for index in range(studies):
        case = SAMPLE_CASES[index % len(SAMPLE_CASES)]
        study = f"STU-S{index:05d}"
        record = case.record()
        record.update(
            report_id=f"RPT-S{index:05d}",
            patient_id=f"PAT-S{index:05d}",
            study_id=study,
            accession=f"ACC-S{index:05d}",
        )
        lines.append(json.dumps(record) + "\n")
        for name, data, affine in _study_series(rng):
            write_nifti(folder / "series" / study / name, data, affine)
            slices += data.shape[2] * data.shape[3]
    (folder / "reports.jsonl").write_text("".join(lines), encoding="utf-8")
    return slices


def _study_series(rng: np.random.Generator):
    """One study's series: (file name as ingest classifies it, voxels, affine)."""

    def frames() -> int:
        return int(rng.integers(30, 51))

    yield "cine_sax.nii.gz", cine((*MATRIX, 12, frames()), rng, np.uint16), SAX_AFFINE
    for view, affine in (
        ("2ch", TWO_CHAMBER_AFFINE),
        ("3ch", THREE_CHAMBER_AFFINE),
        ("4ch", FOUR_CHAMBER_AFFINE),
    ):
        yield f"cine_{view}.nii.gz", cine((*MATRIX, 1, frames()), rng, np.uint16), affine
    yield "lge_sax.nii.gz", static_stack((*MATRIX, 12, 1), rng), SAX_AFFINE
    yield "t2_sax.nii.gz", static_stack((*MATRIX, 12, 1), rng), SAX_AFFINE
    yield "perfusion_sax.nii.gz", perfusion((*MATRIX, 3, 55), rng), SAX_AFFINE


def run_stage(
    name: str,
    url: str,
    folder: str,
    workers: int,
    scheduler: str | None = None,
    suffix: str = "",
) -> tuple[float, float, float, str]:
    """Run one stage on the store (in a child process): seconds, own and workers' peak MiB, note.

    With ``scheduler``, select runs on that Dask cluster (``--executor dask``);
    ``suffix`` names the images and export folders of that second build.
    """
    from qaforge.pipeline.check import check_database
    from qaforge.pipeline.export import export_database
    from qaforge.pipeline.extract import extract_database
    from qaforge.pipeline.generate import generate_database
    from qaforge.pipeline.ingest import ingest_reports, ingest_series
    from qaforge.pipeline.select import select_images
    from qaforge.pipeline.split import assign_database_splits
    from qaforge.store.engine import create_store_engine

    engine = create_store_engine(url)
    root = Path(folder)
    start = time.perf_counter()
    if name == "ingest":
        ingest_reports(engine, root / "reports.jsonl")
        ingest_series(engine, root / "series")
        note = ""
    elif name == "extract":
        extract_database(engine, workers=workers)
        note = ""
    elif name == "generate":
        generate_database(engine)
        note = ""
    elif name == "select":
        summary = select_images(
            engine,
            protocols=["clinical"],
            budgets=[16],
            images_dir=root / f"images{suffix}",
            workers=workers,
            executor="dask" if scheduler else "process",
            scheduler=scheduler,
        )
        note = (
            f"items {summary.items}, written {summary.written}, analysed {summary.series_analysed}"
        )
    elif name == "split":
        assign_database_splits(engine, stratify=True)
        note = ""
    elif name == "check":
        check_database(engine, json_path=root / "checks.json")
        note = ""
    else:
        exported = export_database(engine, root / f"export{suffix}", include_unverified=True)
        note = f"manifest sha256 {exported.manifest_sha256}"
    seconds = time.perf_counter() - start
    engine.dispose()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return seconds, own, children, note


def _in_child(function, *args):
    """Run ``function(*args)`` in a fresh spawned process and return its result."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def distinct_slices(url: str) -> dict[str, list[tuple[str, int, int]]]:
    """The distinct (file, z, t) that select wrote, by study, and every series file by study."""
    from sqlalchemy import select

    from qaforge.store.engine import create_store_engine
    from qaforge.store.models import ImageSeries, QAImage

    engine = create_store_engine(url)
    with engine.connect() as connection:
        rows = connection.execute(select(QAImage.series_id, QAImage.z, QAImage.t).distinct()).all()
        files = connection.execute(
            select(ImageSeries.id, ImageSeries.study_id, ImageSeries.absolute_path)
        ).all()
    engine.dispose()
    path_of = {series_id: (study, path) for series_id, study, path in files}
    by_study: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for _, study, path in files:
        by_study[study].append((path, -1, -1))  # -1: read, encode nothing
    for series_id, z, t in set(rows):
        study, path = path_of[series_id]
        by_study[study].append((path, z, t))
    return dict(by_study)


def floor_study(slices: list[tuple[str, int, int]], inflate: str = "gzip") -> int:
    """Read each file of a study once and PNG-encode its distinct selected slices; returns PNGs.

    ``inflate="gzip"`` reads as ``nibabel.load`` does by itself (Python's
    gzip); ``"isal"`` reads through :func:`qaforge.libs.nifti.read_voxels`,
    nibabel on an ISA-L stream, as select reads.
    """
    import nibabel as nib
    from PIL import Image

    from qaforge.images.render import PNG_COMPRESS_LEVEL
    from qaforge.libs.nifti import read_voxels

    by_path: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for path, z, t in slices:
        by_path[path].extend([] if z < 0 else [(z, t)])
    encoded = 0
    for path, planes in by_path.items():
        if inflate == "isal":
            data = read_voxels(Path(path)).data
        else:
            data = np.asanyarray(nib.load(path).dataobj)
        data = data.reshape(data.shape + (1,) * (4 - data.ndim))
        low, high = np.percentile(data[::7], (0.5, 99.5))
        for z, t in planes:
            plane = data[:, :, z, t].astype(np.float32)
            pixels = np.clip((plane - low) * (255.0 / max(high - low, 1)), 0, 255)
            buffer = io.BytesIO()
            Image.fromarray(pixels.astype(np.uint8)).save(
                buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL
            )
            encoded += 1
    return encoded


def measure_floor(
    by_study: dict[str, list[tuple[str, int, int]]], workers: int, inflate: str = "gzip"
) -> tuple[float, int]:
    """Run :func:`floor_study` over the studies with ``workers`` spawned processes.

    The clock includes starting the processes, as select's does.
    """
    context = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        studies = list(by_study.values())
        encoded = sum(pool.map(floor_study, studies, [inflate] * len(studies)))
    return time.perf_counter() - start, encoded


def _items(url: str) -> int:
    from qaforge.store.engine import create_store_engine
    from qaforge.store.images import items_to_route

    engine = create_store_engine(url)
    with engine.connect() as connection:
        count = len(items_to_route(connection))
    engine.dispose()
    return count


def run(studies: int = 24, workers: int | None = None, executor: str = "process") -> None:
    """Write the studies, time every stage and the floor, print figures and the extrapolation.

    With ``executor="dask"`` the store is copied after generate and select ->
    split -> check -> export run again on the copy with select on a local
    Dask cluster of ``workers`` worker processes; the two exports' manifest
    hashes are printed side by side (the copy keeps the database's salt, so
    they must be equal).
    """
    from qaforge.store.engine import create_store_engine
    from qaforge.store.schema import upgrade_database

    workers = workers or os.cpu_count() or 1
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="scale-", dir=OUT) as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        slices = write_dataset(folder, studies)
        print(
            f"\nscale: {studies} studies ({slices:,} slices z x t) written in "
            f"{time.perf_counter() - start:.0f} s; {workers} workers"
        )
        url = f"sqlite:///{folder / 'qaforge.db'}"
        engine = create_store_engine(url)
        upgrade_database(engine)
        engine.dispose()
        times = {}
        print(f"  {'stage':<10} {'seconds':>8} {'s/study':>8} {'peak MiB':>9} {'workers MiB':>12}")
        notes = {}
        for stage in STAGES:
            seconds, own, children, notes[stage] = _in_child(
                run_stage, stage, url, str(folder), workers
            )
            times[stage] = seconds
            print(
                f"  {stage:<10} {seconds:8.1f} {seconds / studies:8.2f} {own:9.0f} "
                f"{children:12.0f}  {notes[stage]}"
            )
            if stage == "generate" and executor == "dask":
                _copy_store(url, folder)
        by_study = distinct_slices(url)
        floors = {inflate: measure_floor(by_study, workers, inflate) for inflate in INFLATES}
        items = _items(url)
        _print_summary(times, floors, items, studies, slices, workers)
        if executor == "dask":
            dask_notes = _dask_build(folder, studies, workers)
            same = dask_notes["export"] == notes["export"]
            print(f"\n  in-process export: {notes['export']}")
            print(f"  dask export:       {dask_notes['export']}")
            print(f"  identical exports: {'yes' if same else 'NO'}")


def _copy_store(url: str, folder: Path) -> None:
    """Copy the SQLite store for the Dask build, with its provenance salt made first.

    The salt is made at a database's first export; a copy without it would
    make a salt of its own and hash every provenance line differently.
    """
    from qaforge.pipeline.export import provenance_hasher
    from qaforge.store.engine import create_store_engine

    engine = create_store_engine(url)
    provenance_hasher(engine)
    engine.dispose()
    shutil.copyfile(folder / "qaforge.db", folder / "qaforge-dask.db")


def _dask_build(folder: Path, studies: int, workers: int) -> dict[str, str]:
    """select (on a local Dask cluster) -> split -> check -> export on the copied store."""
    from distributed import LocalCluster

    url = f"sqlite:///{folder / 'qaforge-dask.db'}"
    notes = {}
    print(f"\n  the same build from generate on, select on a LocalCluster of {workers} workers")
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,  # shutdown chatter of the workers, not our errors
    ) as cluster:
        for stage in STAGES[STAGES.index("select") :]:
            seconds, own, _, notes[stage] = _in_child(
                run_stage, stage, url, str(folder), workers, cluster.scheduler_address, "-dask"
            )
            print(
                f"  {stage:<10} {seconds:8.1f} {seconds / studies:8.2f} {own:9.0f}  {notes[stage]}"
            )
    return notes


def _print_summary(
    times: dict[str, float],
    floors: dict[str, tuple[float, int]],
    items: int,
    studies: int,
    slices: int,
    workers: int,
) -> None:
    total = sum(times.values())
    print(f"  {'total':<10} {total:8.1f} {total / studies:8.2f}")
    encoded = floors["gzip"][1]
    print(
        f"\n  floor: every series read once + Pillow encode of {encoded:,} distinct slices, "
        f"{workers} processes, started inside the clock"
    )
    for inflate, label in (
        ("gzip", "nibabel as it reads alone (Python's gzip)"),
        ("isal", "nibabel on an ISA-L stream, as select reads"),
    ):
        floor = floors[inflate][0]
        print(f"    {label:<46} {floor:6.1f} s; floor / select = {floor / times['select']:.2f}")
    print(f"  select: {times['select']:.1f} s")
    needed = CARDIOLENS_ITEMS / max(items / studies, 1e-9)
    hours = total / studies * needed / 3600
    print(
        f"\n  extrapolation: {items / studies:.1f} items per study -> {needed:,.0f} studies "
        f"for {CARDIOLENS_ITEMS:,} items ({needed * slices / studies:,.0f} slices here vs "
        f"CardioLens {CARDIOLENS_SLICES:,})"
    )
    for stage in STAGES:
        print(f"    {stage:<10} {times[stage] / studies * needed / 3600:6.2f} h")
    print(f"    {'build':<10} {hours:6.2f} h on {workers} workers")


if __name__ == "__main__":
    run()
