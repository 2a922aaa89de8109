"""The shipped vocabulary is the shared contract, and Finding enforces it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from qaforge.domain.vocabulary import Finding, finding_json_schema, load_vocabulary
from qaforge.resources import resource_dir

SHARED = Path(__file__).resolve().parents[3] / "shared" / "design" / "vocabulary.yaml"


def evidence(text: str = "No LGE.") -> dict:
    return {"start": 0, "end": len(text), "text": text}


def test_vocabulary_has_the_contract_codes():
    vocabulary = load_vocabulary()
    assert vocabulary.findings["lge.presence"].values == ("present", "absent")
    assert vocabulary.findings["lge.presence"].localized
    assert vocabulary.findings["cine.lvef"].numeric == "percent"
    assert vocabulary.aha_segments[17] == "apex"
    assert set(vocabulary.walls) >= {"septal", "lateral", "inferolateral"}


def test_shipped_vocabulary_keeps_every_shared_code_and_value():
    if not SHARED.exists():
        reason = f"shared design folder not beside the repository ({SHARED})"
        if os.environ.get("CI"):
            pytest.fail(reason + ": CI runs with shared/ beside the clone")
        pytest.skip(reason)
    import yaml

    shared = yaml.safe_load(SHARED.read_text())
    shipped = load_vocabulary()
    for code, spec in shared["findings"].items():
        assert code in shipped.findings, code
        assert set(spec.get("values", [])) <= set(shipped.findings[code].values or ()), code


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"code": "lge.colour", "value": "red"}, "unknown finding code"),
        ({"code": "lge.presence", "value": "maybe"}, "has no value 'maybe'"),
        ({"code": "cine.lvef", "value": "low"}, "takes a number"),
        ({"code": "lge.pattern", "value": "midwall", "walls": ["septal"]}, "not localized"),
        ({"code": "lge.presence", "value": "present", "segments": [18]}, "1..17"),
    ],
)
def test_findings_outside_the_vocabulary_are_refused(fields, message):
    with pytest.raises(ValidationError) as caught:
        Finding(**fields, evidence=evidence(), extractor="rules")
    assert message in str(caught.value)


def test_valid_findings():
    located = Finding(
        code="lge.presence",
        value="present",
        levels=["basal", "mid"],
        walls=["inferior"],
        segments=[4, 10],
        certainty="probable",
        evidence=evidence("basal to mid inferior LGE"),
        extractor="rules",
    )
    assert located.walls == ("inferior",)
    assert (
        Finding(code="cine.lvef", value=55, evidence=evidence("LVEF 55%"), extractor="rules").value
        == 55
    )


def test_shipped_json_schema_is_generated_from_the_model():
    shipped = json.loads((resource_dir("schemas") / "finding.schema.json").read_text())
    assert shipped == finding_json_schema(), "regenerate schemas/finding.schema.json"
