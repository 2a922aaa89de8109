"""One study's selections, end to end: load its series, select, render, write PNGs.

A study is the unit of parallel work: :func:`run_study_job` takes plain
data, reads the NIfTI files, writes PNGs under the images folder and
returns plain data (no database), so it runs the same in a worker process
or inline. Each series is loaded and analysed once per study, each distinct
image rendered once, however many items and budgets use it.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from qaforge.domain.series import UnreadableSeriesError
from qaforge.images.analysis import (
    Window,
    apply_window,
    peak_enhancement_frames,
    thumbnails,
)
from qaforge.images.heart import cardiac_phases
from qaforge.images.protocols import Pick, Protocol, SeriesFacts, select_slices
from qaforge.images.render import contact_sheet, display_scale, encode_png, store_image
from qaforge.images.routing import SeriesRef
from qaforge.images.volume import Volume, load_volume
from qaforge.libs.dask_executor import DaskCluster, ExecutorChoice, LostUnit
from qaforge.libs.processes import children_ignore_interrupts, start_worker


@dataclass(frozen=True)
class SelectionRequest:
    """One selection to make: a routing under a protocol and budget.

    Attributes:
        key: The selection key (identifies the result).
        routing: The routed series, primary first.
        protocol: The selection protocol.
        budget: K.
    """

    key: str
    routing: tuple[SeriesRef, ...]
    protocol: Protocol
    budget: int


@dataclass(frozen=True)
class StudyJob:
    """Everything one study needs.

    Attributes:
        study_id: The study.
        requests: Distinct selections to make.
        seed: Seed of the random protocol.
        size: Smallest short side of rendered images in pixels (smaller slices
            are enlarged, larger ones kept); ``None`` keeps the stored matrix.
        images_dir: The images folder (absolute).
        contact_sheets: Write a contact sheet per request.
        prepare: Called first in the worker with a loader of volumes (each file
            read once per job, shared with the selection); returns the requests
            to run in place of ``requests`` and anything the caller wants back
            (``StudyResult.prepared``). Used to analyse a study's series from
            the volumes the selection reads anyway. Must be picklable.
    """

    study_id: str
    requests: tuple[SelectionRequest, ...]
    seed: int
    size: int | None
    images_dir: str
    contact_sheets: bool = True
    prepare: Callable[[VolumeLoader], tuple[tuple[SelectionRequest, ...], Any]] | None = None


@dataclass(frozen=True)
class RenderedImage:
    """One image of a selection and the voxels it came from.

    Attributes:
        series_id: The series.
        z: Slice index in the file as stored.
        t: Frame index in the file as stored.
        rank: Position in the selection (0 first).
        path: PNG path relative to the images folder.
        sha256: Hash of the PNG bytes.
        windowing: Window, in-plane reorientation and output size used.
    """

    series_id: str
    z: int
    t: int
    rank: int
    path: str
    sha256: str
    windowing: dict[str, Any]


@dataclass(frozen=True)
class SeriesProblem:
    """A routed series that could not be read.

    Attributes:
        series_id: The series.
        path: Its file.
        reason: Why, in one line.
    """

    series_id: str
    path: str
    reason: str


@dataclass(frozen=True)
class SelectionResult:
    """What one request gave.

    Attributes:
        key: The request's key.
        images: The images in rank order (empty when no routed series was readable).
        contact_sheet: Path of the contact-sheet PNG, relative to the images folder.
        unreadable: Ids of routed series that could not be read (left out).
    """

    key: str
    images: tuple[RenderedImage, ...]
    contact_sheet: str | None
    unreadable: tuple[str, ...]


@dataclass(frozen=True)
class StudyResult:
    """What a study job did.

    Attributes:
        study_id: The study.
        selections: One result per request.
        problems: Series that could not be read.
        written: Files (PNG images and JPEG contact sheets) written now.
        reused: Files that were on disk already.
        prepared: What the job's ``prepare`` returned besides the requests (None without).
        lost: Why the job did not come back (its Dask task was given up); None if it ran.
    """

    study_id: str
    selections: tuple[SelectionResult, ...]
    problems: tuple[SeriesProblem, ...]
    written: int
    reused: int
    prepared: Any = None
    lost: str | None = None


VolumeLoader = Callable[[Path, str], Volume]
"""Loads a series' volume from its file and view (as :func:`load_volume`)."""


class _VolumeCache:
    """Loads each (file, view) once per job; failures are not kept (each use fails alike)."""

    def __init__(self) -> None:
        self._volumes: dict[tuple[Path, str], Volume] = {}

    def load(self, path: Path, view: str) -> Volume:
        key = (Path(path), view)
        if key not in self._volumes:
            self._volumes[key] = load_volume(key[0], view)
        return self._volumes[key]


@dataclass
class _LoadedSeries:
    ref: SeriesRef
    volume: Volume
    window: Window
    facts: SeriesFacts


def run_study_job(job: StudyJob) -> StudyResult:
    """Select and render every request of a study.

    Args:
        job: The study's requests and rendering settings.

    Returns:
        The images of each request and the series that could not be read;
        an unreadable series is left out of every selection that routed to
        it, and the others go on.
    """
    cache = _VolumeCache()
    requests, prepared = job.requests, None
    if job.prepare is not None:
        requests, prepared = job.prepare(cache.load)
    needs_thumbnails = any(request.protocol == "data-driven" for request in requests)
    loaded: dict[str, _LoadedSeries] = {}
    problems: dict[str, SeriesProblem] = {}
    for request in requests:
        for ref in request.routing:
            if ref.series_id not in loaded and ref.series_id not in problems:
                try:
                    loaded[ref.series_id] = _load(ref, needs_thumbnails, cache.load)
                except UnreadableSeriesError as error:
                    problems[ref.series_id] = SeriesProblem(ref.series_id, ref.path, error.reason)
                except Exception as error:  # any other failure of one series is its own
                    problems[ref.series_id] = _unexpected(ref, error)
    renderer = _Renderer(Path(job.images_dir), job.size, loaded)
    selections = [
        _selection(request, renderer, problems, job.seed, job.contact_sheets)
        for request in requests
    ]
    return StudyResult(
        study_id=job.study_id,
        selections=tuple(selections),
        problems=tuple(problems.values()),
        written=renderer.written,
        reused=renderer.reused,
        prepared=prepared,
    )


def _unexpected(ref: SeriesRef, error: Exception) -> SeriesProblem:
    """The problem of a series whose use failed unexpectedly: the error's type only
    (its message might quote file contents)."""
    return SeriesProblem(ref.series_id, ref.path, f"could not be used ({type(error).__name__})")


def _selection(
    request: SelectionRequest,
    renderer: _Renderer,
    problems: dict[str, SeriesProblem],
    seed: int,
    contact_sheets: bool,
) -> SelectionResult:
    """Pick and render one request; a series whose slices fail to render is left out."""
    loaded = renderer.loaded
    while True:
        readable = [loaded[ref.series_id] for ref in request.routing if ref.series_id in loaded]
        picks = select_slices(
            request.protocol, [series.facts for series in readable], request.budget, seed=seed
        )
        try:
            images = tuple(renderer.render(pick, rank) for rank, pick in enumerate(picks))
            break
        except _RenderError as failed:
            problems[failed.series.ref.series_id] = _unexpected(failed.series.ref, failed.error)
            del loaded[failed.series.ref.series_id]
    sheet = renderer.sheet(picks) if picks and contact_sheets else None
    unreadable = tuple(ref.series_id for ref in request.routing if ref.series_id in problems)
    return SelectionResult(request.key, images, sheet, unreadable)


class _RenderError(Exception):
    """Rendering a slice of this series failed with ``error``."""

    def __init__(self, series: _LoadedSeries, error: Exception) -> None:
        super().__init__(type(error).__name__)
        self.series = series
        self.error = error


def run_study_jobs(
    jobs: Sequence[StudyJob],
    workers: int | None = None,
    executor: ExecutorChoice | None = None,
) -> Iterator[StudyResult]:
    """Run study jobs in worker processes or on a Dask cluster, yielding results in job order.

    Args:
        jobs: The jobs.
        workers: Processes of the ``process`` executor; ``None`` uses every
            core; with 1 (or a single job) they run inline in this process.
        executor: Where to run (default: worker processes here). On Dask,
            every worker must see the series and the images folder at the
            same paths (checked first), and a study whose task kept killing
            workers comes back with every routed series unreadable.

    Yields:
        One result per job, in the order of ``jobs``.

    Raises:
        ConfigError: On Dask, E014 when the scheduler cannot be reached, E015
            when a worker cannot write into the images folder.
    """
    if executor is not None and executor.kind == "dask" and jobs:
        yield from _run_on_dask(jobs, executor.scheduler or "")
        return
    count = workers or os.cpu_count() or 1
    if count <= 1 or len(jobs) <= 1:
        yield from map(run_study_job, jobs)
        return
    # spawn, not fork: the caller may hold database connections and threads
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=min(count, len(jobs)), mp_context=context, initializer=start_worker
    ) as pool:
        with children_ignore_interrupts():  # the workers are started by the first submit
            results = pool.map(run_study_job, jobs)
        yield from results


def study_task_label(study_id: str) -> str:
    """The start of a study's Dask task key: a hash, as keys show in the dashboard."""
    return "qaforge-study-" + hashlib.sha256(study_id.encode()).hexdigest()[:16]


def _run_on_dask(jobs: Sequence[StudyJob], scheduler: str) -> Iterator[StudyResult]:
    with DaskCluster(scheduler) as cluster:
        for folder in sorted({job.images_dir for job in jobs}):
            cluster.check_folder(folder)
        labels = [study_task_label(job.study_id) for job in jobs]
        results = cluster.run_in_order(run_study_job, jobs, labels)
        try:
            for job, result in zip(jobs, results, strict=True):
                yield _lost_study(job, result.reason) if isinstance(result, LostUnit) else result
        finally:  # cancel what is left while the client is still open (a caller that stops early)
            results.close()


def _lost_study(job: StudyJob, reason: str) -> StudyResult:
    """A study that did not come back: every routed series unreadable (retried next run)."""
    problems = {
        ref.series_id: SeriesProblem(ref.series_id, ref.path, reason)
        for request in job.requests
        for ref in request.routing
    }
    selections = tuple(
        SelectionResult(request.key, (), None, tuple(ref.series_id for ref in request.routing))
        for request in job.requests
    )
    return StudyResult(
        job.study_id, selections, tuple(problems.values()), written=0, reused=0, lost=reason
    )


def _load(ref: SeriesRef, needs_thumbnails: bool, load: VolumeLoader) -> _LoadedSeries:
    volume = load(Path(ref.path), ref.view)
    window = volume.window
    ed = es = 0
    peaks: tuple[int, ...] = ()
    if ref.sequence == "cine":
        ed, es = _phases(ref, volume)
    elif ref.sequence == "perfusion":
        peaks = (
            ref.peak_frames
            if ref.analysed and ref.peak_frames
            else peak_enhancement_frames(volume.data)
        )
    facts = SeriesFacts(
        series_id=ref.series_id,
        sequence=ref.sequence,
        view=ref.view,
        n_slices=volume.n_slices,
        n_frames=volume.n_frames,
        ed_frame=ed,
        es_frame=es,
        peak_frames=peaks,
        slice_order=ref.slice_order,
        lv_slices=ref.lv_slices,
        thumbnails=(
            thumbnails(volume.orientation.apply(volume.data), window) if needs_thumbnails else None
        ),
    )
    return _LoadedSeries(ref, volume, window, facts)


def _phases(ref: SeriesRef, volume: Volume) -> tuple[int, int]:
    """ED and ES in use: the stored ones (a reader's override included), else measured now."""
    if ref.analysed:
        ed = ref.ed_frame if ref.ed_frame is not None else 0
        es = ref.es_frame if ref.es_frame is not None else ed
        # frames past the file's end are stale (stored for an earlier content of the file)
        if 0 <= ed < volume.n_frames and 0 <= es < volume.n_frames:
            return ed, es
    phases = cardiac_phases(
        volume.data,
        pixel_mm=float(np.linalg.norm(volume.affine[:3, 0])),
        view=ref.view,
        trigger_frame=0 if volume.frame_interval_ms is not None else None,
    )
    return phases.ed_frame, phases.es_frame


class _Renderer:
    """Renders each (series, z, t) once and keeps its pixels for contact sheets."""

    def __init__(self, images_dir: Path, size: int | None, loaded: dict[str, _LoadedSeries]):
        self.images_dir = images_dir
        self.size = size
        self.loaded = loaded
        self.written = 0
        self.reused = 0
        self._done: dict[Pick, tuple[str, str, np.ndarray]] = {}

    def render(self, pick: Pick, rank: int) -> RenderedImage:
        series = self.loaded[pick.series_id]
        if pick not in self._done:
            try:
                pixels = apply_window(series.volume.plane(pick.z, pick.t), series.window)
                png = encode_png(pixels, size=self.size)
            except Exception as error:  # the series' fault; writing the PNG below is not
                raise _RenderError(series, error) from None
            stored = store_image(png, self.images_dir)
            self.written += stored.created
            self.reused += not stored.created
            self._done[pick] = (stored.path, stored.sha256, pixels)
        path, sha256, _ = self._done[pick]
        volume = series.volume
        windowing = {
            **series.window.as_record(),
            "orientation": volume.orientation.describe(),
            "display": volume.orientation.as_record(tuple(volume.data.shape[:2])),
            "size": self.size,
            "scale": display_scale(volume.plane(0, 0).shape, self.size),
        }
        return RenderedImage(pick.series_id, pick.z, pick.t, rank, path, sha256, windowing)

    def sheet(self, picks: list[Pick]) -> str:
        tiles = [self._done[pick][2] for pick in picks]
        labels = []
        for rank, pick in enumerate(picks, start=1):
            ref = self.loaded[pick.series_id].ref
            labels.append(f"{rank} {ref.sequence} {ref.view} z{pick.z} t{pick.t}")
        stored = store_image(contact_sheet(tiles, labels), self.images_dir, suffix="jpg")
        self.written += stored.created
        self.reused += not stored.created
        return stored.path
