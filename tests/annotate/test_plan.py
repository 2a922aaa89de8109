"""The plan of a push: screening, and which tasks each project holds (pure)."""

from __future__ import annotations

from qaforge.annotate.plan import (
    ANSWER_TYPES,
    plan_projects,
    prior_verdicts_html,
    project_description,
    screen_items,
)
from qaforge.annotate.tasks import prediction, task_data, withdrawn_task_data

from .test_tasks import review_item  # noqa: TID252


def items_by_id(*items):
    return {item.item_id: item for item in items}


def no_phi(item):
    return []


def test_screening_withdraws_by_flag_then_phi_then_missing_images():
    items = [
        review_item(item_id="flagged", question="Mr John Smith?"),
        review_item(item_id="phi", study_id="STU-9", question="Mr John Smith?"),
        review_item(item_id="no-images", image_paths=()),
        review_item(item_id="fine"),
        review_item(item_id="retired", image_paths=()),
    ]
    scanned = []

    def phi_kinds(item):
        scanned.append(item.item_id)
        return ["name"] if "Smith" in item.question else []

    screening = screen_items(
        items,
        active={"flagged", "phi", "no-images", "fine"},
        blocked={"flagged", "retired"},
        phi_kinds=phi_kinds,
        selection="clinical/4",
    )
    assert screening.withdrawn == {
        "flagged": "blocked by a check (qaforge check)",
        "phi": "blocked by the PHI scan",
        "no-images": "no image in the clinical/4 selection",
    }
    assert (screening.blocked_flags, screening.blocked_phi, screening.no_images) == (1, 1, 1)
    assert scanned == ["phi", "no-images", "fine"], "flagged and inactive items are not scanned"
    [entry] = screening.quarantine
    assert entry.stage == "annotate"
    assert entry.source == "item phi"
    assert entry.location == "study STU-9"
    assert entry.record_key == "phi"
    assert entry.reason == "not sent to Label Studio: the PHI scan found name"


def test_plan_shows_active_items_in_their_answer_types_review_project():
    items = items_by_id(
        review_item(item_id="a"),
        review_item(item_id="b", subtask_id="rare"),
        review_item(item_id="o", answer_type="open_text", options={}, answer="Scar."),
    )
    plans = plan_projects(
        items, active={"a", "b", "o"}, withdrawn={}, known_tasks={}, disputes={}, overlap=3
    )
    assert [(p.purpose, p.answer_type, p.overlap) for p in plans] == [
        ("review", "single_choice", 3),
        ("review", "open_text", 3),
    ]
    single, open_text = plans
    assert list(single.tasks) == ["a", "b"]
    assert single.tasks["a"] == task_data(items["a"])
    assert single.predictions == {"a": prediction(items["a"]), "b": prediction(items["b"])}
    assert list(open_text.tasks) == ["o"]


def test_plan_marks_departed_and_withdrawn_items_only_where_they_have_a_task():
    items = items_by_id(
        review_item(item_id="active"),
        review_item(item_id="retired"),
        review_item(item_id="withdrawn"),
        review_item(item_id="withdrawn-new"),
        review_item(item_id="retired-new"),
    )
    [plan] = plan_projects(
        items,
        active={"active", "withdrawn", "withdrawn-new"},
        withdrawn={"withdrawn": "blocked by the PHI scan", "withdrawn-new": "blocked"},
        known_tasks={("review", "single_choice"): {"retired", "withdrawn"}},
        disputes={},
        overlap=2,
    )
    assert set(plan.tasks) == {"active", "retired", "withdrawn"}
    assert plan.tasks["retired"] == task_data(items["retired"], retired=True)
    assert plan.tasks["withdrawn"] == withdrawn_task_data("withdrawn", "blocked by the PHI scan")
    assert set(plan.predictions) == {"active", "retired"}, "a withdrawn answer is never sent"


def test_plan_keeps_a_stored_project_that_wants_no_task_and_drops_an_unknown_one():
    plans = plan_projects(
        {},
        active=set(),
        withdrawn={},
        known_tasks={("review", "open_text"): set(), ("adjudication", "single_choice"): set()},
        disputes={},
        overlap=2,
    )
    assert [(p.purpose, p.answer_type, p.tasks) for p in plans] == [
        ("review", "open_text", {}),
        ("adjudication", "single_choice", {}),
    ]


def test_plan_sends_disputed_active_items_to_adjudication_with_their_verdicts():
    items = items_by_id(
        review_item(item_id="disputed"),
        review_item(item_id="disputed-withdrawn"),
        review_item(item_id="disputed-retired"),
        review_item(item_id="settled-retired"),
    )
    verdicts = [{"annotator": "a@x", "label": "accept"}, {"annotator": "b@x", "label": "reject"}]
    plans = plan_projects(
        items,
        active={"disputed", "disputed-withdrawn"},
        withdrawn={"disputed-withdrawn": "blocked"},
        known_tasks={("adjudication", "single_choice"): {"settled-retired", "gone"}},
        disputes={
            "disputed": verdicts,
            "disputed-withdrawn": verdicts,
            "disputed-retired": verdicts,
            "not-an-item": verdicts,
        },
        overlap=2,
    )
    adjudication = next(p for p in plans if p.purpose == "adjudication")
    assert adjudication.overlap == 1
    assert list(adjudication.tasks) == ["disputed", "settled-retired"]
    assert adjudication.tasks["disputed"] == task_data(
        items["disputed"], prior_verdicts_html=prior_verdicts_html(verdicts)
    )
    assert adjudication.tasks["settled-retired"] == task_data(
        items["settled-retired"], retired=True
    )
    assert set(adjudication.predictions) == {"disputed", "settled-retired"}


def test_prior_verdicts_are_escaped_html():
    html = prior_verdicts_html([{"annotator": "<b>@x", "label": "correct:A&B"}])
    assert html == "<ul><li><b>&lt;b&gt;@x</b>: correct:A&amp;B</li></ul>"
    assert prior_verdicts_html([]) == "<ul></ul>"


def test_project_description_names_purpose_and_answer_type():
    assert [project_description("review", t) for t in ANSWER_TYPES] == [
        "qaforge review of single choice items",
        "qaforge review of multiple choice items",
        "qaforge review of open text items",
    ]
