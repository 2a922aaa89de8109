"""Fuzz: `extract` then `generate` on random report wording never raise and account for every record.

The readers' fuzz suites (tests/ingest) stop at the database; this one goes on
through the two stages that read report text and findings. Reports are drawn
from clinical phrase pieces mixed with arbitrary numbers, locations,
negations and stray Unicode, so the rule extractor meets odd but plausible
wording and generation meets whatever findings come out of it.
"""

from __future__ import annotations

import itertools
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from qaforge.domain.qa import GenerationConfig
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports
from qaforge.store.models import Finding, QAItem, QAItemFinding, Report, ReportVersion

OPEN = GenerationConfig(require_series=False, majority_cap=1.0)
_BATCH = itertools.count()

SUBJECTS = [
    "the left ventricle",
    "LV",
    "RV",
    "right ventricle",
    "LVEF",
    "ejection fraction",
    "late gadolinium enhancement",
    "LGE",
    "first-pass perfusion",
    "T2-weighted signal",
    "myocardial oedema",
    "pericardial effusion",
    "wall motion",
    "maximal wall thickness",
    "LV thrombus",
    "mitral regurgitation",
]
QUALIFIERS = [
    "normal",
    "dilated",
    "mildly impaired",
    "severely reduced",
    "hypokinetic",
    "akinetic",
    "thickened",
    "thinned",
    "subendocardial",
    "transmural",
    "mid-wall",
    "patchy",
    "small",
    "present",
    "absent",
    "not seen",
    "no evidence of",
    "cannot be excluded",
    "possible",
]
PLACES = [
    "basal",
    "mid",
    "apical",
    "inferior",
    "inferolateral",
    "anteroseptal",
    "septal",
    "lateral wall",
    "segments",
    "segment",
    "and",
    "to",
    "-",
]
NUMBER_FORMS = [
    "{:d}",
    "{:d}%",
    "{:d} %",
    "{:d} mm",
    "{:d}-{:d}%",
    "{:d}.{:d}",
    "{:d} ml/m2",
]


@st.composite
def numbers(draw) -> str:
    form = draw(st.sampled_from(NUMBER_FORMS))
    values = [draw(st.integers(-(10**6), 10**25)) for _ in range(form.count("{"))]
    return form.format(*values)


PIECE = st.one_of(
    st.sampled_from(SUBJECTS),
    st.sampled_from(QUALIFIERS),
    st.sampled_from(PLACES),
    numbers(),
    st.sampled_from([".", ",", ";", ":", "(", ")", "\n", "  "]),
    st.text(max_size=6),
)


@st.composite
def report_text(draw) -> str:
    pieces = draw(st.lists(PIECE, min_size=1, max_size=40))
    return " ".join(pieces).replace("\x00", " ")


def linked_to_other_studies(connection) -> int:
    """Item-finding links whose finding comes from a report of another study."""
    return connection.execute(
        select(func.count())
        .select_from(QAItemFinding)
        .join(QAItem, QAItem.id == QAItemFinding.item_id)
        .join(Finding, Finding.id == QAItemFinding.finding_id)
        .join(ReportVersion, ReportVersion.id == Finding.report_version_id)
        .join(Report, Report.id == ReportVersion.report_id)
        .where(Report.study_id != QAItem.study_id)
    ).scalar_one()


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(report_text(), min_size=1, max_size=12))
def test_extract_and_generate_account_for_every_report_whatever_the_wording(
    engine, tmp_path, texts
):
    batch = next(_BATCH)
    source = tmp_path / f"reports{batch}.jsonl"
    records = [
        {"report_id": f"F{batch}-{n}", "patient_id": f"P{batch}-{n}", "study_id": f"S{batch}-{n}"}
        | {"text": text}
        for n, text in enumerate(texts)
    ]
    source.write_text("".join(json.dumps(record) + "\n" for record in records))
    ingested = ingest_reports(engine, source)
    assert ingested.new_reports + ingested.quarantined == len(records)

    extracted = extract_database(engine)
    assert extracted.extracted == ingested.new_reports  # quarantined ones are counted in it too
    generated = generate_database(engine, config=OPEN)
    assert (
        generated.studies_generated
        + generated.studies_not_extracted
        + generated.studies_quarantined
        == generated.studies
    )
    with engine.connect() as connection:
        assert linked_to_other_studies(connection) == 0

    again = generate_database(engine, config=OPEN)
    assert (again.items_new, again.items_retired, again.items_reactivated) == (0, 0, 0)
    assert again.items_active == generated.items_active
