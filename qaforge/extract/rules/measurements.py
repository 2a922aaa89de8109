"""Measurements stated in a sentence: LVEF (percent) and maximal wall thickness (mm).

A value range ("LVEF 55-60 %") gives its midpoint; a reference range in
brackets after a value ("LVEF 62 % (normal 57-77)") is not a measurement;
centimetres become millimetres (ANNOTATION rule 6: 1.9 cm -> 19 mm).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NUMBER = r"\d{1,3}(?:[.,]\d{1,2})?"
_VALUE = rf"(?P<low>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high>{_NUMBER}))?"

_LVEF = re.compile(
    r"(?<![A-Za-z])(?<!RV )(?<!RV-)(?<!right ventricular )(?<!right ventricular-)"
    r"(?:LV\s*EF|LVEF|LV\s+ejection\s+fraction|left\s+ventricular\s+ejection\s+fraction|"
    r"ejection\s+fraction|EF)"
    r"(?:\s*\((?:LVEF|EF)\))?"
    r"[^\d%\n;.]{0,40}?"
    rf"{_VALUE}\s*%",
    re.IGNORECASE,
)

_WALL_THICKNESS = re.compile(
    r"(?:max(?:imal|imum)?\.?|greatest|peak|MWT|thickest)"
    r"[^\d\n;]{0,60}?"
    rf"{_VALUE}\s*(?P<unit>mm|cm)\b"
    r"|"
    r"(?:wall\s+thickness|septal\s+thickness|septum|septal\s+wall|thickness|IVS|IVSd|hypertrophy|thickened|thickening)"
    r"[^\d\n;.]{0,60}?"
    r"(?:measur(?:es|ing|ed)|of|up\s+to|reaching|reaches|to|at|=|:|\()\s*(?:up\s+to\s+)?(?:approximately\s+|approx\.?\s+|about\s+)?"
    rf"(?P<low2>{_NUMBER})(?:\s*(?:-|–|to)\s*(?P<high2>{_NUMBER}))?\s*(?P<unit2>mm|cm)\b",
    re.IGNORECASE,
)

# Words between "maximal" and a value that say it measures something else than
# the LV wall ("maximal depth 15 mm" of an effusion, "maximal diameter").
_NOT_THE_WALL = re.compile(
    r"\b(?:depth|effusion|diameter|gradient|length|width|dimensions?|LVOT|aort\w*|atri\w*|"
    r"pericardi\w*|mass|thrombus|tumou?r|RV|right\s+ventric\w*)\b",
    re.IGNORECASE,
)

# A cheap test that a sentence may hold a measurement at all.
_ANY_MEASUREMENT = re.compile(r"\d\s*(?:%|mm\b|cm\b)", re.IGNORECASE)

# Another modality or an earlier study: its numbers are not this study's (rule 1).
_OTHER_STUDY = re.compile(
    r"\b(?:echo\w*|TTE|TOE|TEE|angiogra\w*|ventriculogra\w*|SPECT|MUGA|nuclear|"
    r"previous(?:ly)?|prior|earlier|last\s+(?:year|scan|study)|in\s+(?:19|20)\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Measurement:
    code: str
    value: float
    start: int
    end: int


def measurements(text: str, start: int, end: int) -> list[Measurement]:
    """The LVEF and maximal wall thickness values stated in ``text[start:end]``."""
    found: list[Measurement] = []
    sentence = text[start:end]
    if not _ANY_MEASUREMENT.search(sentence):
        return found
    for match in _LVEF.finditer(text, start, end):
        if _refers_to_other_study(text, match.end(), end):
            continue
        value = _midpoint(match.group("low"), match.group("high"))
        if value is not None and 1 <= value <= 95:
            found.append(Measurement("cine.lvef", value, match.start(), match.end()))
    for match in _WALL_THICKNESS.finditer(text, start, end):
        low = match.group("low") or match.group("low2")
        high = match.group("high") if match.group("low") else match.group("high2")
        unit = (match.group("unit") or match.group("unit2")).lower()
        if _refers_to_other_study(text, match.end(), end):
            continue
        if _NOT_THE_WALL.search(
            text, match.start(), match.start("low" if match.group("low") else "low2")
        ):
            continue
        value = _midpoint(low, high)
        if value is None:
            continue
        if unit == "cm":
            value = round(value * 10, 1)
        if 3 <= value <= 60:
            found.append(Measurement("cine.max_wall_thickness", value, match.start(), match.end()))
    return found


def _refers_to_other_study(text: str, value_end: int, sentence_end: int) -> bool:
    """True when the words right after a value place it on another study ("35 % on echo")."""
    window = text[value_end : min(sentence_end, value_end + 30)]
    return _OTHER_STUDY.search(window) is not None


def _midpoint(low: str | None, high: str | None) -> float | None:
    if low is None:
        return None
    a = float(low.replace(",", "."))
    if high is None:
        return a
    b = float(high.replace(",", "."))
    return round((a + b) / 2, 1) if b >= a else a
