"""Hand-made item views for the export's pure functions."""

from __future__ import annotations

from qaforge.domain.items import (
    EvidenceSpan,
    ItemProvenance,
    ItemView,
    SelectedImage,
    StudySeries,
    TemplateRef,
)
from qaforge.domain.qa import GenerationConfig

REPORT = "LV size normal. Moderate pericardial effusion. No LGE."


def provenance(run: str = "run-0123456789abcdef") -> ItemProvenance:
    return ItemProvenance(
        template=TemplateRef(id="lge_presence.q1", version=2, source_sha256="c" * 64),
        catalogue_sha256="d" * 64,
        extraction_run=run,
        answer_keys=["no"],
        report_versions=[7],
        views=["sax", "4ch"],
        config=GenerationConfig(),
    )


def image(
    rank: int, sha256: str, *, root: str = "/data/img", series: str = "ser-1"
) -> SelectedImage:
    return SelectedImage(
        series_id=series,
        series_sha256="e" * 64,
        z=rank + 3,
        t=0,
        protocol="clinical",
        budget=16,
        rank=rank,
        images_root=root,
        path=f"clinical/k16/{sha256}.png",
        sha256=sha256,
    )


def view(item_id: str = "item-1", **changes) -> ItemView:
    """An exportable choice item on two spans of one report, with two images."""
    values = dict(
        id=item_id,
        study_id="STU-0001",
        patient_id="PAT-001",
        split="train",
        status="active",
        subtask_id="lge_presence",
        subtask_version=2,
        tier="image_understanding",
        sequence="lge",
        answer_type="single_choice",
        question="Is there late gadolinium enhancement?",
        options={"A": "Yes", "B": "No"},
        answer="B",
        template_id="lge_presence.q1",
        template_version=2,
        provenance=provenance(),
        evidence=(
            EvidenceSpan(
                finding_id="f2",
                code="lge.presence",
                report_version_id=7,
                start=REPORT.index("No LGE"),
                end=len(REPORT),
                text="No LGE.",
            ),
            EvidenceSpan(
                finding_id="f1",
                code="pericardium.effusion",
                report_version_id=7,
                start=REPORT.index("Moderate"),
                end=REPORT.index(" No LGE"),
                text="Moderate pericardial effusion.",
            ),
        ),
        reports={7: REPORT},
        images=(image(0, "a" * 64), image(1, "b" * 64)),
        study_series=(StudySeries(series_id="ser-1", sha256="e" * 64, description="LGE SAX"),),
    )
    values.update(changes)
    return ItemView(**values)
