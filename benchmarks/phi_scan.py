"""Benchmark: recall and precision of the PHI scan on synthetic reports with planted identifiers.

The reports come from :mod:`qaforge.testing.phi_reports` (templates and
code written for qaforge; no real text): 60 reports with 6-10 identifiers
each, of all 16 kinds, in varied positions and casings, plus 60 clean
reports of clinical text only. The figures are measured on the held-out
name set and seed, not on the development set the rules were tuned on.
Prints recall and precision per kind and overall, the clinical-text
precision (the clean reports' hits counted as false), the scan's speed, and
every identifier missed (kind and position only).

    .venv/bin/python benchmarks/run.py phi [--phi-reports 60]
"""

from __future__ import annotations

from benchmarks.common import timed
from qaforge.testing.phi_benchmark import score_scan
from qaforge.testing.phi_reports import clean_reports, synthetic_reports

HELD_OUT_SEED = 4242
"""The held-out set's seed (the development set used seeds 1, 3, 7 and 11)."""


def run(reports: int = 60) -> None:
    """Print the figures for ``reports`` planted and as many clean reports."""
    planted = synthetic_reports("held_out", seed=HELD_OUT_SEED, count=reports)
    clean = clean_reports(seed=HELD_OUT_SEED, count=reports)
    words = sum(len(r.text.split()) for r in [*planted, *clean])
    measurement, scores = timed("scan_phi", words, lambda: score_scan(planted, clean))
    print(f"\nPHI scan on {reports} held-out synthetic reports (+ {reports} clean)")
    print(f"  {'kind':<18} {'planted':>7} {'recall':>7} {'hits':>6} {'precision':>9}")
    for kind in sorted(set(scores.planted) | set(scores.hits)):
        print(
            f"  {kind:<18} {scores.planted[kind]:>7} {scores.recall(kind):>7.3f}"
            f" {scores.hits[kind]:>6} {scores.precision(kind):>9.3f}"
        )
    planted_total = sum(scores.planted.values())
    print(
        f"  overall: {planted_total} identifiers of {len(scores.planted)} kinds, "
        f"recall {scores.recall():.3f}, precision {scores.precision():.3f}"
    )
    print(
        f"  clinical text: {scores.clean_flagged} of {scores.clean_reports} clean reports flagged, "
        f"{sum(scores.clean_hits.values())} hits; precision with them {scores.clinical_precision():.3f}"
    )
    print(f"  speed: {measurement.rate:,.0f} words/s ({measurement.seconds:.2f} s)")
    for kind, index, start, end in scores.missed:
        print(f"  missed {kind} in report {index} at {start}-{end}")
