"""Report text copied into an open answer is redacted before the item exists, and says so."""

from __future__ import annotations

from qaforge.checks.phi import redact_phi, scan_phi
from qaforge.domain.qa import GenerationConfig, SourcedFinding
from qaforge.domain.vocabulary import Evidence, Finding
from qaforge.generate.catalogue import load_catalogue
from qaforge.generate.items import generate_study_items

from .conftest import study  # noqa: TID252

CATALOGUE = load_catalogue()
SENTENCE = "Mr Pemberton (MRN: 00123456) has subendocardial LGE in the basal inferior wall."


def lge_finding() -> SourcedFinding:
    return SourcedFinding(
        finding_id="f1",
        report_version_id=1,
        finding=Finding(
            code="lge.presence",
            value="present",
            certainty="definite",
            evidence=Evidence(start=0, end=len(SENTENCE), text=SENTENCE),
            extractor="test",
        ),
    )


def open_items(redact):
    result = generate_study_items(
        study(lge_finding()),
        CATALOGUE,
        GenerationConfig(require_series=False),
        extraction_run_id="run",
        redact=redact,
    )
    return [item for item in result.items if item.answer_type == "open_text"]


def test_an_open_answer_is_redacted_and_its_provenance_names_the_kinds():
    (item,) = open_items(redact_phi)
    assert "Pemberton" not in item.answer and "00123456" not in item.answer
    assert "[NAME]" in item.answer and "[ID]" in item.answer and "LGE" in item.answer
    assert scan_phi(item.answer) == []
    assert item.provenance["redacted_phi"] == ["record_number", "title_name"]


def test_without_a_redactor_the_answer_is_the_report_text_and_ids_differ():
    (plain,) = open_items(None)
    (redacted,) = open_items(redact_phi)
    assert plain.answer == SENTENCE and "redacted_phi" not in plain.provenance
    assert plain.id != redacted.id, "the id hashes the answer as shown"
