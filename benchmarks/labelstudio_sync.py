"""Benchmark: push 2,000 tasks with images to a real Label Studio and pull 2,000 annotations.

A local Label Studio (``.venv-labelstudio``) is started on loopback with a
fresh data dir. The store is the bundled sample through ``select``
(clinical, K=16, images under the server's media root); its items are
copied under new ids until there are N of them (same slices, same
evidence), since the sample has about 440.

Push is timed end to end (reading the store, building tasks, the PHI scan,
creating the project and storage, listing, importing in batches of 200
and recording task ids) beside a bare baseline: the same task payloads,
built beforehand, POSTed in the same batches by plain HTTP (no SDK) to a
second project. Pull is timed end to end (the project exports through the
SDK, parsing verdicts, storing them, outcomes) beside bare exports of the
same projects by plain GETs. The time spent inside the client's SDK calls
is printed, to show where the rest goes.
"""

from __future__ import annotations

import shutil
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert, select

from benchmarks.common import Measurement, print_side_by_side, timed
from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.config import labeling_config
from qaforge.annotate.tasks import option_value
from qaforge.domain.qa import GenerationConfig
from qaforge.libs.http import HttpClient
from qaforge.pipeline.annotate import pull_verdicts, push_items, review_item_under
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.sample import write_sample_data
from qaforge.store.engine import create_store_engine
from qaforge.store.item_views import item_views
from qaforge.store.models import ImageSelection, QAImage, QAItem, QAItemFinding
from qaforge.store.schema import upgrade_database
from qaforge.testing.labelstudio import start_labelstudio_instance

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
BATCH = 200


class TimedClient(LabelStudioClient):
    """A client that adds up the wall time spent inside its SDK calls (HTTP and the SDK's parsing)."""

    http_seconds = 0.0
    requests = 0

    @contextmanager
    def _answers(self, call):
        began = time.perf_counter()
        try:
            with super()._answers(call):
                yield
        finally:
            self.http_seconds += time.perf_counter() - began
            self.requests += 1


def run(tasks: int = 2000) -> None:
    """Print push and pull rates next to bare HTTP baselines."""
    root = OUT / f"labelstudio-{int(time.time())}"
    root.mkdir(parents=True)
    began = time.perf_counter()
    instance = start_labelstudio_instance(REPO / ".venv-labelstudio", root, annotators=("rad1",))
    print(f"\nlabelstudio: server up with an annotator in {time.perf_counter() - began:.1f} s")
    try:
        engine = _store(root / "media" / "work", tasks)
        admin_token = instance.accounts["admin"].token
        with TimedClient(instance.url, admin_token) as client:
            push_m, summary = timed(
                "qaforge push",
                tasks,
                lambda: push_items(
                    engine,
                    client,
                    name="bench",
                    media_root=instance.media_root,
                    batch_size=BATCH,
                ),
            )
            push_http = client.http_seconds
            assert summary.imported == tasks, summary
            client.http_seconds = 0.0
            again, _ = timed(
                "second push",
                tasks,
                lambda: push_items(engine, client, name="bench", media_root=instance.media_root),
            )
            again_http = client.http_seconds
            bare = HttpClient(
                instance.url, headers={"Authorization": f"Token {admin_token}"}, timeout=600
            )
            bare_push = _bare_push(client, bare, engine, instance.media_root, tasks)
            project_ids = [p.ls_project_id for p in summary.projects]
            annotate_m = _annotate(instance, client, engine, project_ids)
            client.http_seconds = 0.0
            pull_m, pulled = timed(
                "qaforge pull", tasks, lambda: pull_verdicts(engine, client, name="bench")
            )
            pull_http = client.http_seconds
            assert pulled.new == tasks, pulled
            client.http_seconds = 0.0
            pull_again, _ = timed(
                "second pull", tasks, lambda: pull_verdicts(engine, client, name="bench")
            )
            bare_pull, _ = timed(
                "bare listing",
                tasks,
                lambda: [t for p in project_ids for t in _bare_export(bare, p)],
            )
            bare.close()
        engine.dispose()
    finally:
        instance.stop()
    print_side_by_side(
        f"labelstudio push: {tasks:,} tasks with 16 images each, batches of {BATCH}",
        "tasks",
        push_m,
        bare_push,
    )
    print(
        f"  qaforge push: {push_http:.2f} s of {push_m.seconds:.2f} s inside HTTP requests; "
        f"second push (nothing to send) {again.seconds:.2f} s ({again_http:.2f} s HTTP)"
    )
    print(f"  annotating through the API as a user: {annotate_m.rate:,.0f} annotations/s (setup)")
    print_side_by_side(f"labelstudio pull: {tasks:,} annotations", "annotations", pull_m, bare_pull)
    print(
        f"  qaforge pull: {pull_http:.2f} s of {pull_m.seconds:.2f} s inside HTTP requests; "
        f"second pull (nothing new) {pull_again.seconds:.2f} s"
    )
    shutil.rmtree(root, ignore_errors=True)


def _store(work: Path, tasks: int):
    """The sample through select in a SQLite file, items copied up to ``tasks``."""
    work.mkdir(parents=True)
    write_sample_data(work / "sample")
    url = f"sqlite:///{work / 'bench.db'}"
    engine = create_store_engine(url)
    upgrade_database(engine)
    ingest_reports(engine, work / "sample" / "reports.jsonl")
    ingest_series(engine, work / "sample" / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    select_images(engine, protocols=["clinical"], budgets=[16], images_dir=work / "img")
    with engine.begin() as connection:
        items = [dict(r._mapping) for r in connection.execute(select(QAItem.__table__))]
        selections = defaultdict(list)
        for r in connection.execute(select(ImageSelection.__table__)):
            selections[r.item_id].append(dict(r._mapping))
        images = defaultdict(list)
        for r in connection.execute(select(QAImage.__table__)):
            images[r.item_id].append(dict(r._mapping))
        links = defaultdict(list)
        for item_id, finding_id in connection.execute(
            select(QAItemFinding.item_id, QAItemFinding.finding_id)
        ):
            links[item_id].append(finding_id)
        copy = 0
        while len(items) * (copy + 1) < tasks:
            copy += 1
            missing = tasks - len(items) * copy
            for item in items[:missing]:
                new_id = f"{item['id'][:54]}-copy{copy}"
                connection.execute(insert(QAItem), [{**item, "id": new_id}])
                connection.execute(
                    insert(ImageSelection),
                    [
                        {**s, "id": f"{s['id'][:54]}-copy{copy}", "item_id": new_id}
                        for s in selections[item["id"]]
                    ],
                )
                connection.execute(
                    insert(QAImage),
                    [
                        {**i, "id": f"{i['id'][:54]}-copy{copy}", "item_id": new_id}
                        for i in images[item["id"]]
                    ],
                )
                if links[item["id"]]:
                    connection.execute(
                        insert(QAItemFinding),
                        [{"item_id": new_id, "finding_id": f} for f in links[item["id"]]],
                    )
        total = connection.execute(select(QAItem.id).where(QAItem.status == "active")).all()
    assert len(total) == tasks, (len(total), tasks)
    return engine


def _bare_export(bare: HttpClient, project_id: int) -> list[dict]:
    """A project's export by a plain GET (no SDK): the server's own time."""
    response = bare.get(
        f"/api/projects/{project_id}/export",
        params={"exportType": "JSON", "download_all_tasks": "true"},
    )
    response.raise_for_status()
    return response.json()


def _bare_push(
    client: LabelStudioClient, bare: HttpClient, engine, media_root: Path, tasks: int
) -> Measurement:
    """The same payloads, built beforehand, POSTed in batches (no SDK) to a fresh project."""
    from qaforge.annotate.tasks import prediction, task_data

    with engine.connect() as connection:
        ids = connection.execute(select(QAItem.id).where(QAItem.status == "active")).scalars().all()
        views = item_views(connection, item_ids=ids, protocol="clinical", budget=16)
    items = [review_item_under(view, media_root.resolve()) for view in views]
    by_type = defaultdict(list)
    for item in items:
        by_type[item.answer_type].append(
            {"data": task_data(item), "predictions": [prediction(item)]}
        )
    projects = {
        answer_type: client.create_project(
            title=f"bare · {answer_type}"[:50],
            label_config=labeling_config(answer_type),
            overlap=1,
            description="baseline",
        )["id"]
        for answer_type in by_type
    }

    def post_all() -> None:
        for answer_type, payloads in by_type.items():
            for start in range(0, len(payloads), BATCH):
                response = bare.post(
                    f"/api/projects/{projects[answer_type]}/import",
                    params={"return_task_ids": "true"},
                    json=payloads[start : start + BATCH],
                )
                response.raise_for_status()

    measured, _ = timed("bare import", tasks, post_all)
    return measured


def _annotate(instance, client: LabelStudioClient, engine, project_ids) -> Measurement:
    """rad1 accepts or corrects every task over the API (setup for the pull)."""
    with engine.connect() as connection:
        options = {
            r.id: (r.options, r.answer, r.answer_type)
            for r in connection.execute(
                select(QAItem.id, QAItem.options, QAItem.answer, QAItem.answer_type)
            )
        }
    tasks = [t for p in project_ids for t in client.iter_tasks(p, with_annotations=False)]
    with LabelStudioClient(instance.url, instance.accounts["rad1"].token) as rad1:

        def annotate_all() -> None:
            for n, task in enumerate(tasks):
                item_options, answer, answer_type = options[task["data"]["qaforge_item_id"]]
                result = [_choice("verdict", "accept")]
                if n % 5 == 0 and answer_type == "single_choice":
                    other = next(k for k in sorted(item_options) if k != answer)
                    result = [
                        _choice("verdict", "correct"),
                        _choice("answer", option_value(other, item_options[other])),
                    ]
                rad1.create_annotation(task["id"], result, lead_time=12.0)

        measured, _ = timed("annotate via API", len(tasks), annotate_all)
    return measured


def _choice(name: str, value: str) -> dict:
    return {
        "from_name": name,
        "to_name": "question",
        "type": "choices",
        "value": {"choices": [value]},
    }
