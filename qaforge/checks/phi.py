"""A PHI scan: identifiers that must never leave the hospital (pure, regular expressions).

It looks for names after a title or a name field, dates (numeric, ISO,
written months, and dates of birth), ages over 89, phone numbers, e-mail
addresses, MRN / accession / NHS-like identifiers, and street addresses and
postcodes. It is tuned to miss nothing a CMR report template typically
carries, at the cost of flagging some harmless text (a flag blocks an item
until someone looks). It is not a de-identification tool: reports stay in
the private store; the scan guards what leaves it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NAME = r"[A-Z][a-z'\-]+(?:\s+[A-Z][a-z'\-]+){0,2}"

PATTERNS: dict[str, re.Pattern[str]] = {
    "email": re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"),
    "phone": re.compile(
        r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}[\s.-]\d{3,4}[\s.-]?\d{3,4}(?!\w)(?!\.\d)"
    ),
    "date": re.compile(
        rf"\b(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}|"
        rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTHS}\.?,?\s+\d{{4}}|{_MONTHS}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}})\b",
        re.IGNORECASE,
    ),
    "date_of_birth": re.compile(
        r"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?)\b", re.IGNORECASE
    ),
    "age_over_89": re.compile(
        r"\b(?:9\d|1[0-4]\d)(?:\s*-?\s*(?:year|yr)s?\s*-?\s*old|\s*y/?o\b|\s*yrs?\b)|\b(?:aged?|age:?)\s*(?:9\d|1[0-4]\d)\b",
        re.IGNORECASE,
    ),
    "identifier": re.compile(
        r"\b(?:MRN|medical record(?: number)?|hospital (?:no|number)|NHS(?: no| number)?|accession(?: no| number)?|patient id|unit no)\b"
        r"[\s.:#-]*[A-Z0-9][A-Z0-9-]{3,}|\b[A-Z]{1,3}\d{6,}\b|\b\d{7,}\b",
        re.IGNORECASE,
    ),
    "name": re.compile(
        rf"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+{_NAME}|\b(?i:patient name|name|patient|referred by|referring (?:physician|doctor)|reported by|signed by)\s*[:=]\s*{_NAME}"
    ),
    "address": re.compile(
        r"\b\d{1,5}\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Way|Court|Ct|Place|Pl|Boulevard|Blvd)\b\.?"
        r"|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b"
    ),
}


@dataclass(frozen=True)
class PHIHit:
    """One suspected identifier.

    Attributes:
        kind: email, phone, date, date_of_birth, age_over_89, identifier, name or address.
        start: Start offset in the scanned text.
        end: End offset.
    """

    kind: str
    start: int
    end: int


def scan_phi(text: str) -> list[PHIHit]:
    """All suspected identifiers in a text, by position.

    The hits carry positions, not the matched text, so a report of them can
    say where without repeating the identifier.
    """
    hits = [
        PHIHit(kind, found.start(), found.end())
        for kind, pattern in PATTERNS.items()
        for found in pattern.finditer(text)
    ]
    return sorted(hits, key=lambda hit: (hit.start, hit.kind))
