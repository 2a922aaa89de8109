"""The PHI benchmark's targets, on the held-out synthetic set (not the set the rules were tuned on)."""

from __future__ import annotations

from qaforge.checks.phi import KINDS, PHIHit
from qaforge.testing.phi_benchmark import score_scan
from qaforge.testing.phi_reports import NAME_SETS, clean_reports, synthetic_reports

HELD_OUT_SEED = 4242  # the seed benchmarks/phi_scan.py reports; development used 1, 3, 7, 11


def test_the_held_out_names_are_not_the_development_names():
    dev, held_out = NAME_SETS["dev"], NAME_SETS["held_out"]
    for part in ("first", "last", "places", "streets"):
        assert not set(dev[part]) & set(held_out[part]), part


def test_the_scan_meets_its_targets_on_the_held_out_set():
    planted = synthetic_reports("held_out", seed=HELD_OUT_SEED, count=60)
    scores = score_scan(planted, clean_reports(seed=HELD_OUT_SEED, count=60))
    assert sum(scores.planted.values()) >= 200
    assert set(scores.planted) == set(KINDS) and len(KINDS) >= 12
    assert scores.recall() >= 0.99
    assert {kind: scores.recall(kind) for kind in KINDS if scores.recall(kind) < 0.97} == {}
    assert scores.clinical_precision() >= 0.9


def test_the_scores_count_a_partly_hit_identifier_as_missed():
    (report,) = synthetic_reports("dev", seed=5, count=1)
    span = report.spans[0]
    half = PHIHit(span.kind, span.start, span.start + (span.end - span.start) // 2)
    scores = score_scan([report], scan=lambda _text: [half])
    assert scores.found[span.kind] == 0 and scores.missed[0][:1] == (span.kind,)
    assert scores.precision() == 1.0 and scores.recall() < 1.0
