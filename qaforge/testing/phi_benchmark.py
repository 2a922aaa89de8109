"""Recall and precision of the PHI scan on synthetic reports with gold spans (pure).

A planted identifier is *found* when every letter and digit of it lies inside
some hit (of any kind: redaction replaces whatever is hit, so a partial hit
would leave part of the identifier behind). A hit is *true* when it overlaps
a planted identifier. Recall is per planted kind; precision per hit kind.
Clinical-text precision also counts every hit on the clean reports (which
hold no identifier) as false.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from qaforge.checks.phi import PHIHit, scan_phi
from qaforge.testing.phi_reports import SyntheticReport


@dataclass
class PHIScores:
    """Counts behind the figures.

    Attributes:
        planted: Planted identifiers per kind.
        found: Of them, those found.
        hits: Hits per hit kind (planted reports).
        true_hits: Of them, those overlapping a planted identifier.
        clean_hits: Hits on the clean reports, per kind (all false).
        clean_reports: Clean reports scanned.
        clean_flagged: Clean reports with at least one hit.
        missed: ``(kind, report index, start, end)`` of each identifier not found.
    """

    planted: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    hits: Counter[str] = field(default_factory=Counter)
    true_hits: Counter[str] = field(default_factory=Counter)
    clean_hits: Counter[str] = field(default_factory=Counter)
    clean_reports: int = 0
    clean_flagged: int = 0
    missed: list[tuple[str, int, int, int]] = field(default_factory=list)

    def recall(self, kind: str | None = None) -> float:
        """Found / planted, for one kind or overall."""
        planted = self.planted[kind] if kind else sum(self.planted.values())
        found = self.found[kind] if kind else sum(self.found.values())
        return found / planted if planted else 1.0

    def precision(self, kind: str | None = None) -> float:
        """True hits / hits on the planted reports, for one hit kind or overall."""
        hits = self.hits[kind] if kind else sum(self.hits.values())
        true = self.true_hits[kind] if kind else sum(self.true_hits.values())
        return true / hits if hits else 1.0

    def clinical_precision(self) -> float:
        """True hits / all hits, the clean reports' hits included."""
        hits = sum(self.hits.values()) + sum(self.clean_hits.values())
        return sum(self.true_hits.values()) / hits if hits else 1.0


def score_scan(
    planted: Sequence[SyntheticReport],
    clean: Sequence[SyntheticReport] = (),
    scan: Callable[[str], list[PHIHit]] = scan_phi,
) -> PHIScores:
    """Scan every report and count what was found and what was hit.

    Args:
        planted: Reports with gold spans.
        clean: Reports without identifiers.
        scan: The scan measured.

    Returns:
        The counts; see :class:`PHIScores` for the figures.
    """
    scores = PHIScores()
    for index, report in enumerate(planted):
        hits = scan(report.text)
        inside = {i for hit in hits for i in range(hit.start, hit.end)}
        for span in report.spans:
            scores.planted[span.kind] += 1
            wanted = [i for i in range(span.start, span.end) if report.text[i].isalnum()]
            if all(i in inside for i in wanted):
                scores.found[span.kind] += 1
            else:
                scores.missed.append((span.kind, index, span.start, span.end))
        for hit in hits:
            scores.hits[hit.kind] += 1
            if any(hit.start < span.end and span.start < hit.end for span in report.spans):
                scores.true_hits[hit.kind] += 1
    for report in clean:
        hits = scan(report.text)
        scores.clean_reports += 1
        scores.clean_flagged += bool(hits)
        scores.clean_hits.update(hit.kind for hit in hits)
    return scores
