"""A pushed task as a radiologist sees it: rendered by Label Studio in headless Chromium."""

from __future__ import annotations

import shutil
import uuid

from sqlalchemy import select

from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.tasks import option_value
from qaforge.pipeline.annotate import push_items
from qaforge.store.models import QAItem
from qaforge.testing.screenshot import screenshot_task

from ..conftest import ARTIFACTS  # noqa: TID252
from ..pipeline.test_annotate import build  # noqa: TID252


def test_pushed_task_shows_question_options_evidence_and_slices(
    sqlite_engine, labelstudio, small_source, tmp_path
):
    workspace = labelstudio.media_root / f"render-{uuid.uuid4().hex[:10]}"
    build(sqlite_engine, small_source, workspace / "img")
    name = f"render-{workspace.name}"
    with LabelStudioClient(labelstudio.url, labelstudio.accounts["admin"].token) as admin:
        summary = push_items(
            sqlite_engine, admin, name=name, media_root=labelstudio.media_root, budget=4
        )
        project = next(p for p in summary.projects if p.title.endswith("single"))
        task = next(iter(admin.iter_tasks(project.ls_project_id, with_annotations=False)))
    with sqlite_engine.connect() as connection:
        item = dict(
            connection.execute(
                select(QAItem.__table__).where(QAItem.id == task["data"]["qaforge_item_id"])
            )
            .one()
            ._mapping
        )
    rad1 = labelstudio.accounts["rad1"]
    shot = screenshot_task(
        url=labelstudio.url,
        email=rad1.email,
        password=rad1.password,
        project_id=project.ls_project_id,
        task_id=task["id"],
        out_png=tmp_path / "review-task.png",
        expect_text=item["question"],
        viewport=(1400, 1500),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot.path, ARTIFACTS / "labelstudio-review-task.png")

    assert item["question"] in shot.text
    for letter, text in item["options"].items():
        assert option_value(letter, text) in shot.text
    for label in ("accept", "correct", "reject", "Proposed answer", "Report evidence"):
        assert label in shot.text
    first_image = labelstudio.url + task["data"]["images"][0]
    assert any(r.url == first_image and r.status == 200 for r in shot.media), shot.media
    assert any(image.in_editor and image.natural_width > 0 for image in shot.images), shot.images
