"""What the check stage reads and reports (pure): check items from views, the report, split files."""

from __future__ import annotations

from qaforge.checks.check_items import check_item
from qaforge.checks.leakage import BLOCKING, CHECK_NAMES, WARNING, CheckFlag
from qaforge.checks.report import EXAMPLES, flag_rows, leakage_report
from qaforge.checks.splits import split_file_rows, split_overrides
from qaforge.domain.items import (
    EvidenceSpan,
    ItemProvenance,
    ItemView,
    SelectedImage,
    StudySeries,
    TemplateRef,
)
from qaforge.domain.qa import GenerationConfig

REPORT = "Moderate pericardial effusion. No LGE."


def view() -> ItemView:
    return ItemView(
        id="item-1",
        study_id="STU-1",
        patient_id="PAT-1",
        split="test",
        status="active",
        subtask_id="lge_presence",
        subtask_version=1,
        tier="image_understanding",
        sequence="lge",
        answer_type="single_choice",
        question="Is there LGE?",
        options={"A": "Yes", "B": "No"},
        answer="B",
        template_id="lge_presence.q1",
        template_version=1,
        provenance=ItemProvenance(
            template=TemplateRef(id="lge_presence.q1", version=1, source_sha256="0" * 64),
            catalogue_sha256="1" * 64,
            extraction_run="run",
            answer_keys=["no"],
            report_versions=[3],
            views=["sax"],
            config=GenerationConfig(),
        ),
        evidence=tuple(
            EvidenceSpan(
                finding_id=f"f{i}",
                code="lge.presence",
                report_version_id=3,
                start=REPORT.index(text),
                end=REPORT.index(text) + len(text),
                text=text,
            )
            for i, text in enumerate(["No LGE.", "Moderate pericardial effusion.", "No LGE."])
        ),
        reports={3: REPORT},
        images=tuple(
            SelectedImage(
                series_id="s2",
                series_sha256="9" * 64,
                z=0,
                t=0,
                protocol="clinical",
                budget=16,
                rank=rank,
                images_root="/img",
                path=f"{sha}.png",
                sha256=sha,
            )
            for rank, sha in enumerate(["f" * 64, "a" * 64])
        ),
        study_series=(
            StudySeries(series_id="s1-abcdefgh", sha256="8" * 64, description=""),
            StudySeries(series_id="s2-ijklmnop", sha256="7" * 64, description="LGE short axis"),
        ),
    )


def test_a_check_item_carries_hashes_reports_and_every_outgoing_string():
    item = check_item(view())
    assert (item.item_id, item.study_id, item.patient_id, item.split) == (
        "item-1",
        "STU-1",
        "PAT-1",
        "test",
    )
    assert item.image_key == ("a" * 64, "f" * 64)
    assert item.series_hashes == ("7" * 64, "8" * 64)
    assert item.report_texts == (REPORT,)
    assert item.outgoing == {
        "evidence 0": "Moderate pericardial effusion.",
        "evidence 1": "No LGE.",
        "series description s2-ijklm": "LGE short axis",
    }


def test_the_report_counts_flags_per_check_and_blocked_items():
    flags = [
        CheckFlag("phi", BLOCKING, "i1", {"hits": []}),
        CheckFlag("phi", BLOCKING, "i1", {"hits": []}),
        *(CheckFlag("shared_image", WARNING, f"i{n}", {"n": n}) for n in range(EXAMPLES + 2)),
        CheckFlag("blind_baseline", WARNING, None, {"subtask": "x"}),
    ]
    report = leakage_report(10, flags)
    assert report.items == 10 and report.blocked_items == 1
    assert list(report.checks) == list(CHECK_NAMES)
    assert report.checks["phi"] | {"examples": None} == {
        "flags": 2,
        "blocking": 2,
        "warning": 0,
        "items": ["i1"],
        "examples": None,
    }
    shared = report.checks["shared_image"]
    assert shared["warning"] == EXAMPLES + 2 and len(shared["examples"]) == EXAMPLES
    assert shared["examples"][0] == {"item_id": "i0", "n": 0}
    assert report.checks["blind_baseline"]["items"] == []
    assert report.checks["near_duplicate"]["flags"] == 0
    assert flag_rows(flags[:1]) == [
        {"item_id": "i1", "check_name": "phi", "severity": BLOCKING, "detail": {"hits": []}}
    ]


def test_split_file_rows_of_csv_and_jsonl_say_where_each_row_is():
    csv_rows = list(split_file_rows("patient_id,split\nP1,train\nP2,test\n", csv_format=True))
    assert csv_rows == [
        ("row 2", {"patient_id": "P1", "split": "train"}),
        ("row 3", {"patient_id": "P2", "split": "test"}),
    ]
    text = '{"study_id": "S1", "split": "test"}\n\nnot json\n[1, 2]\n'
    assert list(split_file_rows(text, csv_format=False)) == [
        ("line 1", {"study_id": "S1", "split": "test"}),
        ("line 3", {}),
        ("line 4", {}),
    ]


def test_split_overrides_take_known_studies_before_patients_and_refuse_the_rest():
    rows = [
        ("line 1", {"patient_id": "P1", "split": "test"}),
        ("line 2", {"patient_id": "P1", "study_id": "S2", "split": " validation "}),
        ("line 3", {"patient_id": "P9", "split": "test"}),
        ("line 4", {"study_id": "S9", "split": "test"}),
        ("line 5", {"patient_id": "P2"}),
        ("line 6", {"split": "train"}),
        ("line 7", {"patient_id": "P1", "split": "train"}),
    ]
    overrides = split_overrides(rows, known_patients={"P1", "P2"}, known_studies={"S1", "S2"})
    assert overrides.patient_splits == {"P1": "train"}
    assert overrides.study_splits == {"S2": "validation"}
    assert overrides.refused == [
        "line 3: unknown patient_id 'P9'",
        "line 4: unknown study_id 'S9'",
        "line 5: no split",
        "line 6: neither patient_id nor study_id",
    ]
