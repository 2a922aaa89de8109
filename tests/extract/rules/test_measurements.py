"""LVEF and maximal wall thickness: units, ranges, reference ranges, other studies."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.measurements import measurements


def values(text: str) -> list[tuple[str, float]]:
    return [(m.code, m.value) for m in measurements(text, 0, len(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LVEF 45%", [("cine.lvef", 45.0)]),
        ("LVEF: 38 %", [("cine.lvef", 38.0)]),
        ("ejection fraction of 62%.", [("cine.lvef", 62.0)]),
        ("LV ejection fraction is estimated at 55-60%.", [("cine.lvef", 57.5)]),
        ("LVEF 62 % (normal 57-77 %)", [("cine.lvef", 62.0)]),
        ("RVEF 45%", []),
        ("RV EF 45%", []),
        ("RV-EF 45%", []),
        ("a right ventricular EF of 30 %", []),
        ("right ventricular ejection fraction 40%", []),
        ("LVEF 35% on echo", []),
        ("Maximal wall thickness 21 mm", [("cine.max_wall_thickness", 21.0)]),
        ("maximum septal thickness of 1.9 cm", [("cine.max_wall_thickness", 19.0)]),
        ("the septum measures up to 17 mm", [("cine.max_wall_thickness", 17.0)]),
        ("max LVOT gradient 50 mmHg", []),
        ("effusion with a maximal depth of 12 mm", []),
    ],
)
def test_measurements(text, expected):
    assert values(text) == expected


def test_spans_point_at_the_measurement():
    text = "Normal size. LVEF 45%."
    [found] = measurements(text, 0, len(text))
    assert text[found.start : found.end] == "LVEF 45%"
