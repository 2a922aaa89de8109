"""Our own PHI patterns beside presidio's: the identifier forms of UK/US hospital reports.

Each pattern has a kind and a regular expression; where the expression has a
``value`` group, the hit is that group (the identifier without its label:
``MRN: 00123456`` hits ``00123456``), else the whole match. Patterns for
names, which need word lists, live in :mod:`qaforge.checks.phi_names`.

Hand-written because presidio's recognizers are US-centred and know no
hospital record labels ("MRN", "Hospital No", "Acc#"), no written UK dates
("3rd of March 2021"), no ages and no street addresses; those it does know
(e-mail, phone, URL, IP, NHS number, UK postcode, numeric dates) run too,
through :mod:`qaforge.libs.deid`, and both sets of hits are kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


def _month_names() -> str:
    """Month names and abbreviations in Title case, UPPER case and lower case.

    Lower-case "may" and "mar" are left out: in running text they are words.
    """
    months = (
        "January February March April May June July August September October November December"
    ).split()
    forms: set[str] = set()
    for month in months:
        for word in {month, month[:3], "Sept"} if month == "September" else {month, month[:3]}:
            forms.update({word, word.upper(), word.lower()})
    forms -= {"may", "mar"}
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + r")\.?"


MONTH = _month_names()
_DAY = r"(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?"
_NUM_DAY = r"(?:0?[1-9]|[12]\d|3[01])"
_NUM_MONTH = r"(?:0?[1-9]|1[0-2])"
_YEAR = r"(?:19|20)\d{2}"
_DATE = (
    rf"(?:{_NUM_DAY}|{_NUM_MONTH})/(?:{_NUM_DAY}|{_NUM_MONTH})/(?:{_YEAR}|\d{{2}})"
    rf"|(?:{_NUM_DAY}|{_NUM_MONTH})\.(?:{_NUM_DAY}|{_NUM_MONTH})\.(?:{_YEAR}|\d{{2}})"
    rf"|(?:{_NUM_DAY}|{_NUM_MONTH})-(?:{_NUM_DAY}|{_NUM_MONTH})-{_YEAR}"
    rf"|\d{{2}}-\d{{2}}-\d{{2}}"
    rf"|{_YEAR}[-/.]{_NUM_MONTH}[-/.]{_NUM_DAY}"
    rf"|{_DAY}(?:\s+of)?[\s-]+{MONTH},?[\s-]+(?:{_YEAR}|'?\d{{2}})"
    rf"|{MONTH}\s+{_DAY},?\s+{_YEAR}"
    rf"|{MONTH}[\s-]+{_YEAR}"
    rf"|{_DAY}(?:\s+of)?\s+(?-i:[A-Z][a-z]+|[A-Z]+)"
)
"""A date in any form the scan knows (see :data:`PATTERNS`); the last form
is a day and a capitalised word, kept only when the word is a month
(:func:`_is_day_month`)."""

_AGE = r"(?:9\d|1[0-4]\d)"
_ID_VALUE = r"(?=(?:[A-Za-z/-]*\d){3})[A-Za-z0-9](?:[A-Za-z0-9]|[-/](?=[A-Za-z0-9]))*"
_STREET = (
    r"(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|crescent|cres|"
    r"terrace|gardens|gdns|place|pl|square|sq|grove|hill|park|row|mews|boulevard|blvd|"
    r"parade|walk|rise|highway|hwy)\b\.?"
)
_WORD = r"(?:[A-Z][a-z'’]+|[A-Z]{2,})(?:-(?:[A-Z][a-z]+|[A-Z]{2,}))?"


@dataclass(frozen=True)
class PHIPattern:
    """One of our patterns.

    Attributes:
        kind: The kind of PHI its hits are.
        regex: The expression (its ``value`` group, if any, is the hit).
    """

    kind: str
    regex: re.Pattern[str]


def _pattern(kind: str, expression: str, flags: int = 0) -> PHIPattern:
    return PHIPattern(kind, re.compile(expression, flags))


PATTERNS: tuple[PHIPattern, ...] = (
    _pattern("date", rf"(?<![\w/.-])(?P<value>{_DATE})(?![\w/]|[.-]\d)", re.IGNORECASE),
    _pattern(
        "date_of_birth",
        rf"\b(?:DOB|D\.O\.B\.?|date\s+of\s+birth|birth\s*date|born(?:\s+on)?)\s*[:#=-]?\s*"
        rf"(?P<value>{_DATE})",
        re.IGNORECASE,
    ),
    _pattern(
        "age_over_89",
        rf"(?<![\w.])(?P<value>{_AGE}\s*-?\s*(?:years?|yrs?|y/o|y\.o\.?|yo|y)(?:\s*-?\s*old)?)(?![\w])"
        rf"|\b(?P<labelled>(?:aged?|age\s*[:=]?)\s*{_AGE})\b"
        r"|\b(?:nonagenarian|centenarian)s?\b",
        re.IGNORECASE,
    ),
    _pattern(
        "phone",
        r"\b(?:tel|telephone|phone|mob|mobile|fax|bleep|pager|ext|extension)\b\.?"
        r"\s*(?:no\.?|number|#)?\s*[:#=-]?\s*(?P<value>\+?\(?\d[\d ()\-.]{2,}\d)"
        r"|(?<![\w.+-])(?P<bare>(?:\+\d{1,3}[\s.-]?(?:\(0\)\s?)?\d{2,4}|\(?0\d{2,4}\)?)[\s.-]?\d{3,4}[\s.-]?\d{3,4})(?![\w]|[.-]\d)"
        r"|(?<![\w.+-])(?P<us>\(\d{3}\)\s?\d{3}[\s.-]\d{4}|\d{3}[.-]\d{3}[.-]\d{4})(?![\w]|[.-]\d)",
        re.IGNORECASE,
    ),
    _pattern("email", r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    _pattern("url", r"\b(?:https?://|www\.)[^\s<>\"')\]]+", re.IGNORECASE),
    _pattern(
        "nhs_number",
        r"\b(?:NHS|CHI)\s*(?:no\.?|number|num|#)?\s*[:#=.-]?\s*(?P<value>\d{3}[\s-]?\d{3}[\s-]?\d{4}|\d{10})\b",
        re.IGNORECASE,
    ),
    _pattern(
        "accession_number",
        rf"\b(?i:acc(?:ession)?|accn)\b\.?\s*(?i:no\.?|number|num|#)?\s*[:#=.-]?\s*(?P<value>{_ID_VALUE})",
    ),
    _pattern(
        "record_number",
        r"\b(?i:MRN|M\.R\.N\.?|UR(?:N| ?no\.?)|RXR|(?:medical|health)\s+record(?:\s+(?:no\.?|number|num|#))?"
        r"|record\s+(?:no\.?|number|#)|hospital\s+(?:no\.?|number|num|#|id)|hosp\.?\s*(?:no\.?|#)"
        r"|unit\s+(?:no\.?|number|#)|patient\s+(?:id|no\.?|number|#)|pt\.?\s+(?:id|no\.?|#)"
        r"|case\s+(?:no\.?|number|#)|study\s+(?:id|no\.?|#)|exam\s+(?:id|no\.?|#)|ID)"
        rf"\s*[:#=.-]?\s*(?P<value>{_ID_VALUE})"
        r"|\b(?P<dashed>[A-Z]{1,4}[-/]?\d{2,}(?:[-/]\d{2,}){1,3})\b"
        r"|\b(?P<letters>[A-Z]{1,3}\d{6,}[A-Z]?)\b"
        r"|(?<![\w.,])(?P<digits>\d{7,})(?!\w|[.,]\d)",
    ),
    _pattern(
        "address",
        rf"\b(?:(?i:flat|apt|apartment|unit|suite)\s+\d+[A-Z]?,?\s+)?\d{{1,5}}[A-Z]?,?\s+(?:{_WORD}\s+){{1,3}}{_STREET}"
        r"|\b(?i:flat|apartment|apt)\.?\s+\d+[A-Z]?\b",
    ),
    _pattern(
        "postcode",
        r"\b(?P<value>[A-Z]{1,2}\d[A-Z\d]?\s*\d[ABD-HJLNP-UW-Z]{2})\b"
        r"|\b(?:[A-Z]{2}|(?i:zip(?:\s*code)?:?))\s+(?P<zip>\d{5}(?:-\d{4})?)\b",
    ),
)


def pattern_spans(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every hit of :data:`PATTERNS` in a text."""
    spans = []
    for pattern in PATTERNS:
        for found in pattern.regex.finditer(text):
            start, end = _hit_bounds(found)
            if pattern.kind == "date" and not _is_date(text[start:end]):
                continue
            if pattern.kind == "record_number" and _is_measurement_range(text[start:end]):
                continue
            spans.append((pattern.kind, start, end))
    return spans


def _hit_bounds(found: re.Match[str]) -> tuple[int, int]:
    """The hit of a match: its first named group that matched, else the whole match."""
    for name, value in found.groupdict().items():
        if value is not None and name:
            return found.start(name), found.end(name)
    return found.start(), found.end()


_MONTH_WORD = re.compile(MONTH, re.IGNORECASE)
_ORDINALS = {"st", "nd", "rd", "th", "of"}


def _is_date(text: str) -> bool:
    """Whether a date candidate is a date: any word in it other than an ordinal is a
    month, and a date of three numbers has a month (1-12) among its first two."""
    words = [word for word in re.findall(r"[A-Za-z]+", text) if word.lower() not in _ORDINALS]
    numbers = [int(n) for n in re.findall(r"\d+", text)]
    if not words and len(numbers) == 3 and numbers[0] < 100:  # d/m/y or m/d/y, not y-m-d
        return min(numbers[:2]) <= 12 and max(numbers[:2]) <= 31
    return all(_MONTH_WORD.fullmatch(word) for word in words)


def _is_measurement_range(text: str) -> bool:
    """A dashed number run that is a range of AHA segments or frames, not an identifier."""
    return bool(re.fullmatch(r"\d{1,2}-\d{1,2}", text))
