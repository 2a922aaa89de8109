"""Items from extracted findings against items from gold findings, and what the doubts are worth.

    .venv/bin/python benchmarks/run.py confidence

Per gold set (old gold, real-style dev, real-style held-back): the choice
items generated from the rules' findings that contradict the items generated
from the gold findings, or rest on a finding the gold lacks, at several
confidence thresholds (0 holds only disputed findings); then, on each set,
the precision of the rules' findings with each doubt, which is what the
weights in ``qaforge/extract/rules/confidence.yaml`` are set from (on the
dev part only).
"""

from __future__ import annotations

from collections import Counter

from benchmarks.gold_scores import SETS, load_set
from qaforge.domain.qa import GenerationConfig
from qaforge.domain.vocabulary import Finding
from qaforge.extract.rules.confidence import DOUBTS, load_confidence_rules
from qaforge.extract.rules.extractor import RuleExtractor
from qaforge.generate.catalogue import load_catalogue
from qaforge.testing.gold_items import compare_items

THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8)


def correct_findings(gold: list[Finding], extracted: list[Finding]) -> list[bool]:
    """For each extracted finding, whether gold has its (code, value); each gold finding counts once."""
    left = Counter(_key(finding) for finding in gold)
    marks = []
    for finding in extracted:
        key = _key(finding)
        marks.append(left[key] > 0)
        if left[key] > 0:
            left[key] -= 1
    return marks


def _key(finding: Finding) -> tuple[str, str | float]:
    value = finding.value if isinstance(finding.value, str) else round(float(finding.value), 1)
    return finding.code, value


def doubt_precision(
    gold: dict[str, list[Finding]], extracted: dict[str, list[Finding]]
) -> dict[str, tuple[int, int]]:
    """Doubt (and ``none``, ``all``) -> (findings with it, of which correct)."""
    tally: dict[str, list[int]] = {name: [0, 0] for name in ("all", "none", *DOUBTS)}
    for report_id, findings in extracted.items():
        for finding, correct in zip(
            findings, correct_findings(gold[report_id], findings), strict=True
        ):
            for name in ("all", *(finding.doubts or ("none",))):
                tally[name][0] += 1
                tally[name][1] += int(correct)
    return {name: (count, right) for name, (count, right) in tally.items()}


def run() -> None:
    """Print the item comparison per threshold and the doubts' precision, per gold set."""
    extractor = RuleExtractor()
    catalogue = load_catalogue(None)
    for name, reports_name, gold_name, split in SETS:
        texts, gold = load_set(reports_name, gold_name, split)
        extracted = {report_id: extractor.extract(text) for report_id, text in texts.items()}
        print(f"\n{name}: {len(texts)} reports")
        print(
            f"  {'threshold':>9} {'items':>6} {'contradicting':>15} {'unsupported':>13} {'missed':>7} {'held':>5}"
        )
        for threshold in THRESHOLDS:
            config = GenerationConfig(
                require_series=False, majority_cap=1.0, min_confidence=threshold
            )
            result = compare_items(gold, extracted, catalogue, config)
            print(
                f"  {threshold:9.1f} {result.items:6} {result.contradicting:6} "
                f"({100 * result.contradicting_share:4.1f} %) {result.unsupported:5} "
                f"({100 * result.unsupported_share:4.1f} %) {result.missed:7} {result.held:5}"
            )
        print_doubts(doubt_precision(gold, extracted), load_confidence_rules().weights)


def print_doubts(precision: dict[str, tuple[int, int]], weights: dict[str, float]) -> None:
    """Each doubt's findings and precision, its precision over that of findings without doubts
    (what its weight should be near), and the weight in use."""
    count, right = precision["none"]
    clean = right / count if count else 1.0
    print(f"  {'doubt':20} {'findings':>8} {'precision':>9} {'ratio':>6} {'weight':>6}")
    for doubt, (count, right) in precision.items():
        if not count:
            print(f"  {doubt:20} {count:8} {'-':>9}")
            continue
        ratio = right / count / clean
        weight = f"{weights[doubt]:6.2f}" if doubt in weights else ""
        print(f"  {doubt:20} {count:8} {right / count:9.3f} {ratio:6.2f} {weight}")
