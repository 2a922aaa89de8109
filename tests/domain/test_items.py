"""Item provenance keeps the stored JSON form generation has always written."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from qaforge.domain.items import ItemProvenance, ReferenceFinding, TemplateRef
from qaforge.domain.qa import GenerationConfig


def provenance(**changes) -> ItemProvenance:
    values = dict(
        template=TemplateRef(id="report_cine.q1", version=1, source_sha256="a" * 64),
        catalogue_sha256="b" * 64,
        extraction_run="run",
        answer_keys=[],
        report_versions=[4, 9],
        views=["sax"],
        config=GenerationConfig(seed=3),
    )
    values.update(changes)
    return ItemProvenance(**values)


def test_a_choice_item_stores_no_reference_findings_key_in_the_written_order():
    stored = provenance(answer_keys=["yes"]).stored()
    assert list(stored) == [
        "template",
        "catalogue_sha256",
        "extraction_run",
        "answer_keys",
        "report_versions",
        "views",
        "config",
    ]
    assert stored["template"] == {"id": "report_cine.q1", "version": 1, "source_sha256": "a" * 64}
    assert stored["config"] == GenerationConfig(seed=3).model_dump()


def test_an_open_item_stores_its_reference_findings_and_reads_back_equal():
    reference = ReferenceFinding(
        code="cine.lvef", value=55.0, levels=[], walls=[], segments=[], certainty="definite"
    )
    stored = provenance(reference_findings=[reference]).stored()
    assert stored["reference_findings"] == [
        {
            "code": "cine.lvef",
            "value": 55.0,
            "levels": [],
            "walls": [],
            "segments": [],
            "certainty": "definite",
        }
    ]
    again = ItemProvenance.model_validate(json.loads(json.dumps(stored)))
    assert again == provenance(reference_findings=[reference])


def test_an_unknown_provenance_key_is_refused():
    with pytest.raises(ValidationError, match="image_hashes"):
        ItemProvenance.model_validate({**provenance().stored(), "image_hashes": []})
