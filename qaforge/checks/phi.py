"""The PHI scan and redaction: identifiers that must never leave the hospital (pure).

:func:`scan_phi` combines three detectors and keeps every hit of each:

- presidio-analyzer's model-free recognizers (:mod:`qaforge.libs.deid`):
  e-mail, phone, URL, IP address, NHS number (checksum), UK postcode, dates;
- our patterns for hospital identifiers, written dates, ages over 89,
  phones, addresses and postcodes (:mod:`qaforge.checks.phi_patterns`);
- our name detectors for people and institutions, on census name lists and
  an English dictionary (:mod:`qaforge.checks.phi_names`).

It is tuned to miss nothing a CMR report carries, at the cost of some
harmless text flagged (a flag blocks an item until someone looks).
:func:`redact_phi` replaces each hit by a placeholder such as ``[NAME]``.
docs/export.md ("PHI") lists what is found and the measured recall and precision.
"""

from __future__ import annotations

from dataclasses import dataclass

from qaforge.checks.phi_names import name_spans
from qaforge.checks.phi_patterns import pattern_spans
from qaforge.libs.deid import presidio_entities

PLACEHOLDERS: dict[str, str] = {
    "person_name": "[NAME]",
    "title_name": "[NAME]",
    "name_field": "[NAME]",
    "date": "[DATE]",
    "date_of_birth": "[DATE]",
    "age_over_89": "[AGE]",
    "phone": "[PHONE]",
    "email": "[EMAIL]",
    "url": "[URL]",
    "ip_address": "[URL]",
    "record_number": "[ID]",
    "accession_number": "[ID]",
    "nhs_number": "[ID]",
    "address": "[ADDRESS]",
    "postcode": "[ADDRESS]",
    "institution": "[INSTITUTION]",
}
"""Each kind of PHI the scan reports, and the placeholder redaction puts in its place."""

KINDS: tuple[str, ...] = tuple(PLACEHOLDERS)

_PRESIDIO_KINDS = {
    "EMAIL_ADDRESS": ("email", 0.5),
    "PHONE_NUMBER": ("phone", 0.4),
    "URL": ("url", 0.5),
    "IP_ADDRESS": ("ip_address", 0.5),
    "UK_NHS": ("nhs_number", 0.5),
    "UK_POSTCODE": ("postcode", 0.0),
    "DATE_TIME": ("date", 0.6),
}
"""presidio entity -> (our kind, the least score kept): its low-scored date
forms ("mm/yy", score 0.1-0.2) would take "55/60" for a date."""

_WEB_ENDINGS = (
    "com",
    "org",
    "net",
    "uk",
    "edu",
    "gov",
    "io",
    "info",
    "us",
    "ca",
    "au",
    "de",
    "fr",
    "nl",
    "ie",
    "eu",
)
"""presidio takes any ``word.word`` for a domain ("tiers.png"); a bare domain
counts only with one of these endings (with a scheme or ``www.`` it always counts)."""

# When hits overlap, redaction names the merged span after the most specific kind:
# a context-found kind (a title, a field, an institution word) before a bare one.
_PRECEDENCE = {
    kind: rank
    for rank, kind in enumerate(
        (
            "title_name",
            "name_field",
            "institution",
            "person_name",
            "date_of_birth",
            "date",
            "age_over_89",
            "nhs_number",
            "accession_number",
            "record_number",
            "email",
            "url",
            "ip_address",
            "address",
            "postcode",
            "phone",
        )
    )
}


@dataclass(frozen=True)
class PHIHit:
    """One suspected identifier.

    Attributes:
        kind: One of :data:`KINDS`.
        start: Start offset in the scanned text.
        end: End offset (exclusive).
    """

    kind: str
    start: int
    end: int


def scan_phi(text: str) -> list[PHIHit]:
    """All suspected identifiers in a text, by position.

    The hits carry positions, not the matched text, so a report of them can
    say where without repeating the identifier. Hits of different detectors
    may overlap; each is kept.

    Args:
        text: Any text that is to leave (a question, an answer, a file).

    Returns:
        Distinct hits sorted by start, then kind.
    """
    if not text.strip():
        return []
    spans = {*pattern_spans(text), *name_spans(text)}
    for entity in presidio_entities(text):
        kind, least = _PRESIDIO_KINDS.get(entity.entity, (None, 1.0))
        if kind is not None and entity.score >= least:
            if kind == "url" and not _is_web_address(text[entity.start : entity.end]):
                continue
            spans.add((kind, entity.start, entity.end))
    hits = {PHIHit(kind, start, end) for kind, start, end in spans if end > start}
    return sorted(hits, key=lambda hit: (hit.start, hit.kind, hit.end))


def _is_web_address(found: str) -> bool:
    if "://" in found or found.lower().startswith("www."):
        return True
    host = found.split("/", 1)[0]
    return host.rsplit(".", 1)[-1].lower() in _WEB_ENDINGS


def redact_phi(text: str) -> tuple[str, list[str]]:
    """The text with every suspected identifier replaced by its placeholder.

    Overlapping hits are merged into one span, replaced by the placeholder of
    the most specific kind among them (an institution before a bare name, an
    NHS number before a phone number...).

    Args:
        text: Any text.

    Returns:
        ``(redacted text, sorted distinct kinds redacted)``; the text is
        unchanged and the kinds empty when nothing was found.
    """
    hits = scan_phi(text)
    merged: list[tuple[int, int, str]] = []
    for hit in hits:
        if merged and hit.start < merged[-1][1]:
            start, end, kind = merged[-1]
            best = min(kind, hit.kind, key=_PRECEDENCE.__getitem__)
            merged[-1] = (start, max(end, hit.end), best)
        else:
            merged.append((hit.start, hit.end, hit.kind))
    pieces, last = [], 0
    for start, end, kind in merged:
        pieces.extend([text[last:start], PLACEHOLDERS[kind]])
        last = end
    pieces.append(text[last:])
    return "".join(pieces), sorted({hit.kind for hit in hits})


def has_placeholder(text: str) -> bool:
    """Whether a text holds one of redaction's placeholders (it was redacted)."""
    return any(placeholder in text for placeholder in set(PLACEHOLDERS.values()))
