"""`select` and LLM extraction on a real Dask LocalCluster (2 worker processes) with PostgreSQL.

Each run is compared with the in-process run of the same data: the stored
rows (less ids, times, folder and key, which name the images folder) and
the PNG bytes. Workers are killed on cue by a worker plugin
(:mod:`qaforge.testing.dask_faults`): once (the task is rescheduled), or
every time for one study (its task fails as KilledWorker; that study's
selections are left unreadable and redone by the next run).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from unittest.mock import patch

import dask
import pytest
from distributed import Client, LocalCluster, get_task_stream
from sqlalchemy import select

from qaforge.errors import ConfigError
from qaforge.images.study_job import study_task_label
from qaforge.libs.dask_executor import DaskCluster, LostUnit
from qaforge.pipeline import extract_llm
from qaforge.pipeline.extract_llm import extract_database_llm
from qaforge.pipeline.ingest import ingest_reports
from qaforge.pipeline.select import select_images
from qaforge.store.engine import create_store_engine
from qaforge.store.models import Finding as FindingRow
from qaforge.store.models import ImageSelection, LLMOutcomeRow, QAImage, ReportVersion
from qaforge.testing.dask_faults import KillWorkerOnTask, kills
from qaforge.testing.fake_llm_server import FakeLLMServer, answer, report_key
from tests.pipeline import test_select
from tests.pipeline.test_llm import report_text, rule_answer, settings
from tests.pipeline.test_select import STUDIES, prepared

pytestmark = pytest.mark.postgres
sample_subset = test_select.sample_subset  # the same session fixture
SELECTION_SKIP = {"id", "created_at", "images_root", "selection_key"}


@pytest.fixture(scope="module")
def cluster():
    # one retry of a task whose worker died, then KilledWorker (the default is 3); one
    # task per worker thread at a time (docs/distributed.md), so a dying worker takes
    # only its own study with it
    config = {
        "distributed.scheduler.allowed-failures": 1,
        "distributed.scheduler.worker-saturation": 1.0,
    }
    with dask.config.set(config):
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            # the scheduler's HTTP routes bind 8787 even without a dashboard: any free port
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        )
    client = Client(cluster)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


@pytest.fixture
def pg_engine(postgres_server):
    url = postgres_server.create(template=postgres_server.migrated_template())
    engine = create_store_engine(url)
    yield engine
    engine.dispose()
    postgres_server.drop(url)


class Killer:
    """Starts and stops :class:`KillWorkerOnTask` on the cluster; kills are counted in ``markers``."""

    def __init__(self, client: Client, markers: Path) -> None:
        self.client = client
        self.markers = markers
        self.active = False

    def start(self, prefix: str, times: int) -> None:
        for marker in self.markers.iterdir():
            marker.unlink()
        self.client.register_plugin(KillWorkerOnTask(prefix, str(self.markers), times))
        self.active = True

    def stop(self) -> None:
        if self.active:
            self.client.unregister_worker_plugin(KillWorkerOnTask.name)
            self.active = False


@pytest.fixture
def killer(cluster, tmp_path):
    markers = tmp_path / "kills"
    markers.mkdir()
    killer = Killer(cluster[1], markers)
    yield killer
    killer.stop()


def state(engine, images_dir: Path) -> dict:
    """The stored selections and images, and the PNG bytes under the images folder."""
    with engine.connect() as connection:
        chosen = sorted(
            json.dumps(
                {k: v for k, v in row._mapping.items() if k not in SELECTION_SKIP}, default=str
            )
            for row in connection.execute(select(ImageSelection.__table__))
        )
        shown = sorted(
            json.dumps({k: v for k, v in row._mapping.items() if k not in {"id", "created_at"}})
            for row in connection.execute(select(QAImage.__table__))
        )
    files = {
        str(path.relative_to(images_dir)): path.read_bytes()
        for path in images_dir.rglob("*")
        if path.is_file()  # PNG slices and JPEG contact sheets
    }
    return {"selections": chosen, "images": shown, "pngs": files}


def run_select(engine, images_dir: Path, scheduler: str | None = None):
    return select_images(
        engine,
        protocols=["clinical"],
        budgets=[8],
        images_dir=images_dir,
        workers=1,
        executor="dask" if scheduler else "process",
        scheduler=scheduler,
    )


def test_select_on_dask_stores_what_the_in_process_run_stores(
    pg_engine, sample_subset, tmp_path, cluster
):
    prepared(pg_engine, sample_subset, tmp_path)
    here = run_select(pg_engine, tmp_path / "here")
    expected = state(pg_engine, tmp_path / "here")
    with get_task_stream(cluster[1]) as tasks:
        remote = run_select(pg_engine, tmp_path / "dask", cluster[0].scheduler_address)
    ran = [task["key"] for task in tasks.data if task["key"].startswith("qaforge-study-")]
    assert len(ran) == len(STUDIES)  # one task per study, run on the cluster
    assert remote.selected == here.selected > 20 and remote.written == here.written > 0
    assert remote.studies == len(STUDIES)
    assert state(pg_engine, tmp_path / "dask") == expected


def test_a_worker_killed_mid_study_changes_nothing_and_a_study_that_kills_every_worker_is_redone(
    pg_engine, sample_subset, tmp_path, cluster, killer
):
    prepared(pg_engine, sample_subset, tmp_path)
    run_select(pg_engine, tmp_path / "here")
    expected = state(pg_engine, tmp_path / "here")
    address = cluster[0].scheduler_address

    killer.start("qaforge-study-", times=1)
    once = run_select(pg_engine, tmp_path / "once", address)
    assert kills(killer.markers) == 1 and once.unreadable == 0
    assert state(pg_engine, tmp_path / "once") == expected

    victim = STUDIES[1]
    killer.start(study_task_label(victim), times=1000)
    lost = run_select(pg_engine, tmp_path / "lost", address)
    assert kills(killer.markers) == 2  # the first try and its one retry
    assert lost.unreadable > 0 and lost.selected > 0
    assert {problem.reason for problem in lost.unreadable_series} == {
        "its task kept killing the Dask workers that ran it"
    }
    assert all(victim in problem.path for problem in lost.unreadable_series)
    assert state(pg_engine, tmp_path / "lost") != expected

    killer.stop()
    again = run_select(pg_engine, tmp_path / "lost", address)
    assert again.selected == lost.unreadable and again.unchanged == lost.selected
    assert state(pg_engine, tmp_path / "lost") == expected


def test_a_folder_workers_cannot_write_is_refused_before_any_work(cluster, tmp_path):
    with DaskCluster(cluster[0].scheduler_address) as connected:
        connected.check_folder(str(tmp_path))
        with pytest.raises(ConfigError) as caught:
            connected.check_folder(str(tmp_path / "not-there"))
    assert caught.value.code == "E015"
    assert "does not exist on this worker" in caught.value.message


def ingest_studies(engine, tmp_path: Path, texts: list[str]) -> None:
    """Reports three to a study, so the tasks hold several reports each."""
    source = tmp_path / "reports.jsonl"
    with source.open("w") as handle:
        for index, text in enumerate(texts):
            record = {
                "report_id": f"R{index:04d}",
                "patient_id": f"P{index // 3:04d}",
                "study_id": f"S{index // 3:04d}",
                "text": text,
            }
            handle.write(json.dumps(record) + "\n")
    ingest_reports(engine, source)


def llm_state(engine) -> dict:
    """Findings and outcomes by report id (version ids and run ids alike in both databases)."""
    with engine.connect() as connection:
        reports = {
            row.id: row.report_id
            for row in connection.execute(select(ReportVersion.id, ReportVersion.report_id))
        }
        findings = sorted(
            json.dumps(
                {
                    **{k: v for k, v in row._mapping.items() if k not in {"created_at"}},
                    "report": reports[row.report_version_id],
                },
                default=str,
            )
            for row in connection.execute(select(FindingRow.__table__))
        )
        outcomes = sorted(
            (reports[row.report_version_id], row.status, row.reason)
            for row in connection.execute(select(LLMOutcomeRow.__table__))
        )
    return {"findings": findings, "outcomes": outcomes}


def test_llm_extraction_on_dask_stores_what_the_in_process_run_stores(
    postgres_server, tmp_path, cluster
):
    texts = [report_text(i) for i in range(24)]
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    engines = []
    for _ in range(2):
        url = postgres_server.create(template=postgres_server.migrated_template())
        engines.append(create_store_engine(url))
    here_engine, dask_engine = engines
    try:
        for engine in engines:
            ingest_studies(engine, tmp_path, texts)
        with FakeLLMServer(script) as server:
            here = extract_database_llm(here_engine, settings(server))
            with get_task_stream(cluster[1]) as tasks:
                remote = extract_database_llm(
                    dask_engine,
                    settings(server),
                    executor="dask",
                    scheduler=cluster[0].scheduler_address,
                )
        ran = [task["key"] for task in tasks.data if task["key"].startswith("qaforge-llm-")]
        assert len(ran) == len(texts) // 3  # one task per study of three reports
        assert here.extracted == remote.extracted == 24 and here.findings > 24
        assert remote.findings == here.findings and remote.requests == here.requests
        assert llm_state(dask_engine) == llm_state(here_engine)
    finally:
        for engine in engines:
            url = engine.url.render_as_string(hide_password=False)
            engine.dispose()
            postgres_server.drop(url)


class LosingCluster:
    """A cluster whose tasks all kept killing their workers."""

    def run_in_order(self, function, units, labels):
        return [LostUnit("its task kept killing the Dask workers that ran it") for _ in units]


def test_the_reports_of_a_lost_llm_study_fail_with_the_reason_and_stay_pending(
    sqlite_engine, tmp_path
):
    texts = [report_text(i) for i in range(6)]
    ingest_studies(sqlite_engine, tmp_path, texts)
    script = {report_key(t): [answer(rule_answer(t))] for t in texts}
    with FakeLLMServer(script) as server:
        with patch.object(extract_llm, "_cluster", lambda choice: nullcontext(LosingCluster())):
            lost = extract_database_llm(
                sqlite_engine, settings(server), executor="dask", scheduler="tcp://unused:1"
            )
        again = extract_database_llm(sqlite_engine, settings(server))
    assert lost.failed == 6 and lost.extracted == 0
    assert {reason for _, reason in lost.failures} == {
        "its task kept killing the Dask workers that ran it"
    }
    assert again.pending == 6 and again.extracted == 6


def test_a_study_lost_before_its_first_analysis_is_quarantined_and_redone(
    pg_engine, sample_subset, tmp_path, cluster, killer
):
    """The first select after ingest analyses in the worker: a lost task must not stop the run."""
    prepared(pg_engine, sample_subset, tmp_path)
    victim = STUDIES[1]
    killer.start(study_task_label(victim), times=1000)
    lost = run_select(pg_engine, tmp_path / "dask", cluster[0].scheduler_address)
    assert lost.selected > 0 and lost.unreadable > 0
    assert lost.selected + lost.unreadable + lost.no_series == lost.items
    assert lost.unreadable_series and all(
        victim in problem.path for problem in lost.unreadable_series
    )

    killer.stop()
    again = run_select(pg_engine, tmp_path / "dask", cluster[0].scheduler_address)
    assert again.selected == lost.unreadable and again.unchanged == lost.selected
    in_process = tmp_path / "here"
    run_select(pg_engine, in_process)  # everything stored already: same rows, PNGs written here
    assert (
        state(pg_engine, tmp_path / "dask")["selections"]
        == state(pg_engine, in_process)["selections"]
    )
