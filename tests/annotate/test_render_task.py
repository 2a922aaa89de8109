"""A pushed task as a radiologist sees it: rendered by Label Studio in headless Chromium.

The reading view must show everything needed for a verdict on one 1440x900
screen, nothing scrolled: every slice of the item, the question, its
options, the proposed answer, the highlighted evidence and the verdict
controls. Bounding boxes of the drawn elements say where each part is.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

from qaforge.annotate.client import LabelStudioClient
from qaforge.annotate.tasks import option_value, shown_answer
from qaforge.domain.annotation import VERDICTS, ReviewItem
from qaforge.domain.items import ItemView
from qaforge.pipeline.annotate import pull_verdicts, push_items, review_item_under
from qaforge.pipeline.select import select_images
from qaforge.pipeline.series import list_series
from qaforge.store.engine import create_store_engine
from qaforge.store.item_views import item_views
from qaforge.store.schema import upgrade_database
from qaforge.testing.screenshot import EDITOR, Box, TaskScreenshot, screenshot_task

from ..conftest import ARTIFACTS  # noqa: TID252
from ..pipeline.test_annotate import build, verdict  # noqa: TID252

VIEWPORT = (1440, 900)
BUDGET = 16  # push's default: the most slices a task shows
SLICE_TOOLS = ("brightness", "contrast", "zoom-in", "zoom-out")  # Label Studio's aria-labels
TEXT_START = 40  # characters of a long text whose place is measured


@dataclass(frozen=True)
class RenderedTask:
    """A pushed task, the stored item it shows, and what the browser drew of it."""

    task: dict
    view: ItemView
    item: ReviewItem
    shot: TaskScreenshot
    url: str
    captions: dict[int, str]


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    """A SQLite store shared by this module's tests (they only read the one push)."""
    engine = create_store_engine(f"sqlite:///{tmp_path_factory.mktemp('render') / 'q.db'}")
    upgrade_database(engine)
    yield engine
    engine.dispose()


@dataclass(frozen=True)
class Pushed:
    """The sample pushed: its images folder and each project's tasks, by purpose and type."""

    workspace: Path
    projects: dict[str, tuple[int, list[dict]]]


@pytest.fixture(scope="module")
def pushed(engine, labelstudio, small_source) -> Pushed:
    """The sample's items selected at K = 16 and pushed; one disagreement sent to adjudication.

    Projects are keyed like ``"review · single"`` and ``"adjudicate · single"``.
    """
    workspace = labelstudio.media_root / f"render-{uuid.uuid4().hex[:10]}"
    build(engine, small_source, workspace / "img")
    select_images(
        engine, protocols=["clinical"], budgets=[BUDGET], images_dir=workspace / "img", workers=1
    )
    with LabelStudioClient(labelstudio.url, labelstudio.accounts["admin"].token) as admin:
        first = push_items(
            engine, admin, name=workspace.name, media_root=labelstudio.media_root, budget=BUDGET
        )
        single = next(p for p in first.projects if p.title.endswith("review · single"))
        disagree_on(
            labelstudio, list(admin.iter_tasks(single.ls_project_id, with_annotations=False))
        )
        pull_verdicts(engine, admin, name=workspace.name)
        second = push_items(
            engine, admin, name=workspace.name, media_root=labelstudio.media_root, budget=BUDGET
        )
        assert second.queued_for_adjudication == 1
        projects = {
            p.title.split(" · ", 1)[1]: (
                p.ls_project_id,
                list(admin.iter_tasks(p.ls_project_id, with_annotations=False)),
            )
            for p in first.projects + second.projects
        }
    return Pushed(workspace, projects)


def hardest_cine_tasks(tasks: list[dict]) -> list[dict]:
    """Cine tasks, those with the most slices and then the most text beside them first."""
    cine = [t for t in tasks if t["data"]["header"].startswith("cine ")]
    return sorted(
        cine,
        key=lambda t: (
            -len(t["data"]["images"]),
            -len(t["data"]["proposed_answer"]) - len(t["data"]["evidence_html"]),
            t["id"],
        ),
    )


def disagree_on(labelstudio, tasks: list[dict]) -> None:
    """rad1 accepts the second hardest cine task, rad2 corrects it to another option.

    The hardest stays unannotated, for the review screenshots.
    """
    task = hardest_cine_tasks(tasks)[1]
    proposed = task["data"]["proposed_answer"]
    other = next(c["value"] for c in task["data"]["option_choices"] if c["value"] != proposed)
    for name, result in (("rad1", verdict("accept")), ("rad2", verdict("correct", answer=[other]))):
        with LabelStudioClient(labelstudio.url, labelstudio.accounts[name].token) as client:
            client.create_annotation(task["id"], result)


@pytest.fixture(scope="module", params=["review · single", "review · open", "adjudicate · single"])
def rendered(request, engine, labelstudio, pushed) -> RenderedTask:
    """The hardest cine task of one project, opened by an annotator at 1440x900."""
    project_id, tasks = pushed.projects[request.param]
    task = hardest_cine_tasks(tasks)[0]
    with engine.connect() as connection:
        (view,) = item_views(
            connection,
            item_ids=[task["data"]["qaforge_item_id"]],
            protocol="clinical",
            budget=BUDGET,
        )
    item = review_item_under(view, labelstudio.media_root.resolve())
    captions = expected_captions(view, cardiac_phases(engine))
    # A reader who has annotated none of these tasks (else the editor offers Update, not Submit).
    reader = labelstudio.accounts["adjudicator"]
    shot = screenshot_task(
        url=labelstudio.url,
        email=reader.email,
        password=reader.password,
        project_id=project_id,
        task_id=task["id"],
        out_png=pushed.workspace / f"{slug(request.param)}.png",
        expect_text=view.question,
        viewport=VIEWPORT,
        full_page=False,
        find_elements=elements_to_find(captions),
        find_texts=texts_to_find(item),
    )
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(shot.path, ARTIFACTS / f"labelstudio-{slug(request.param)}.png")
    return RenderedTask(task, view, item, shot, labelstudio.url, captions)


def slug(project: str) -> str:
    """``"review · single"`` -> ``"review-single"``."""
    return project.replace(" · ", "-")


def expected_captions(view: ItemView, phases: dict[str, dict[int, str]]) -> dict[int, str]:
    """Rank -> the caption its slice must have: rank, slice, frame and ED/ES (``phases``)."""
    return {
        image.rank: " ".join(
            [f"#{image.rank + 1} z{image.z} t{image.t}", phases[image.series_id].get(image.t, "")]
        ).strip()
        for image in view.images
    }


def elements_to_find(captions: dict[int, str]) -> dict[str, str]:
    """Selectors of the slices, their captions and tools, the verdict choices and Submit."""
    return {
        "slices": f"{EDITOR} img",
        "bottom bar": ".lsf-bottombar",
        **{tool: f"{EDITOR} button[aria-label={tool}]" for tool in SLICE_TOOLS},
        "submit": '.lsf-bottombar button:has-text("Submit")',
        **{v: f'{EDITOR} label:has(input[type=radio][name="{v}"])' for v in VERDICTS},
        **{f"caption {r}": f'{EDITOR} >> text="{c}"' for r, c in captions.items()},
    }


def cardiac_phases(engine) -> dict[str, dict[int, str]]:
    """Series id -> its ED and ES frames, as `qaforge series` lists them."""
    return {
        s.series_id: {f: p for f, p in ((s.es_frame, "ES"), (s.ed_frame, "ED")) if f is not None}
        for s in list_series(engine)
    }


def texts_to_find(item: ReviewItem) -> dict[str, str]:
    """The question, options, and the start of the proposed answer and of the first evidence.

    A long answer or evidence scrolls in its own box: its start must be on screen.
    """
    first = item.evidence[0]
    return {
        "question": item.question,
        "proposed answer": shown_answer(item)[:TEXT_START],
        **{f"option {k}": option_value(k, v) for k, v in item.options.items()},
        "evidence": first.report_text[first.start : first.end][:TEXT_START],
    }


def editor_area(shot: TaskScreenshot) -> Box:
    """What the editor shows of the task: the window above Label Studio's bottom bar."""
    (bar,) = shot.boxes["bottom bar"]
    return Box(0, 0, shot.viewport.width, bar.y)


def test_every_slice_of_the_item_is_on_screen(rendered):
    view, shot = rendered.view, rendered.shot
    assert len(view.images) == BUDGET, "the phantom cine gives a full selection"
    assert len(shot.boxes["slices"]) == len(view.images), shot.boxes["slices"]
    area = editor_area(shot)
    assert all(box.within(area) for box in shot.boxes["slices"]), (area, shot.boxes["slices"])
    served = {r.url for r in shot.media if r.status == 200}
    assert {rendered.url + url for url in rendered.task["data"]["images"]} <= served
    for tool in SLICE_TOOLS:
        assert len(shot.boxes[tool]) == len(view.images), f"every slice has its {tool} control"
        assert all(box.within(area) for box in shot.boxes[tool]), (tool, shot.boxes[tool])
    # A small slice is not blown up: none is drawn at more than twice its own width.
    natural = max(i.natural_width for i in shot.images if i.in_editor)
    assert max(box.width for box in shot.boxes["slices"]) <= 2 * natural


def test_question_options_answer_evidence_and_verdict_are_on_screen(rendered):
    item, shot = rendered.item, rendered.shot
    assert item.evidence, "the item rests on report evidence"
    area = editor_area(shot)
    names = ["question", "proposed answer", "evidence", *(f"option {k}" for k in item.options)]
    for name in [*names, *VERDICTS]:
        assert shot.boxes[name], f"{name} is not drawn"
        assert all(box.within(area) for box in shot.boxes[name]), (name, area, shot.boxes[name])
    if item.options:  # once among the options, once as the proposed answer
        assert len(shot.boxes["proposed answer"]) >= 2
    (submit,) = shot.boxes["submit"]
    assert submit.within(shot.viewport)


def test_slices_are_beside_the_text_not_above_it(rendered):
    shot = rendered.shot
    (question,) = shot.boxes["question"]
    assert question.x >= max(box.right for box in shot.boxes["slices"])
    assert question.y < max(box.bottom for box in shot.boxes["slices"])


def test_cine_frames_show_in_time_order_slice_by_slice(rendered):
    by_rank = sorted(rendered.view.images, key=lambda image: image.rank)
    series = list(dict.fromkeys(image.series_id for image in by_rank))
    placed = []
    for image in by_rank:
        (caption,) = rendered.shot.boxes[f"caption {image.rank}"]
        indices = (series.index(image.series_id), image.z, image.t)
        placed.append(((round(caption.y), caption.x), indices))
    in_reading_order = [indices for _, indices in sorted(placed)]
    assert in_reading_order == sorted(in_reading_order)
    assert len({t for _, _, t in in_reading_order}) > 1, "the item shows several frames"


def test_every_slice_is_captioned_and_end_diastole_and_systole_are_named(rendered):
    for rank, caption in rendered.captions.items():
        assert len(rendered.shot.boxes[f"caption {rank}"]) == 1, caption
    phases = {caption.rsplit(" ", 1)[-1] for caption in rendered.captions.values()}
    assert {"ED", "ES"} <= phases, rendered.captions
