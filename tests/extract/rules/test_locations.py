"""Location chunks: ranges, segment numbers, a single named segment."""

from __future__ import annotations

import pytest

from qaforge.extract.rules.extractor import build_pipeline
from qaforge.extract.rules.locations import AHA_SEGMENTS, location_chunks

NLP = build_pipeline()


def chunks(text: str):
    doc = NLP(text)
    words = [
        (m.start, m.end, m.family, m.kind)
        for m in doc._.qaforge_mentions
        if m.family in ("level", "wall")
    ]
    return [
        (sorted(c.location.levels), sorted(c.location.walls), sorted(c.location.segments))
        for c in location_chunks(text, words, 0, len(text))
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("basal to mid inferolateral", [(["basal", "mid"], ["inferolateral"], [])]),
        ("basal to apical anterior", [(["apical", "basal", "mid"], ["anterior"], [])]),
        ("apical septal", [(["apical"], ["septal"], [])]),
        ("the mid anterolateral segment", [(["mid"], ["anterolateral"], [12])]),
        ("the apical lateral segment", [(["apical"], ["lateral"], [16])]),
        (
            "inferior and inferolateral walls",
            [([], ["inferior", "inferolateral"], [])],
        ),
        ("interventricular septum", [([], ["septal"], [])]),
        ("basal-mid anteroseptum", [(["basal", "mid"], ["anteroseptal"], [])]),
    ],
)
def test_level_and_wall_phrases(text, expected):
    assert chunks(text) == expected


def test_segment_numbers_fill_levels_and_walls():
    [(levels, walls, segments)] = chunks("in segments 4, 5, 10 and 11")
    assert segments == [4, 5, 10, 11]
    assert levels == ["basal", "mid"]
    assert walls == ["inferior", "inferolateral"]


def test_segment_ranges_expand():
    [(_, walls, segments)] = chunks("(segments 1-3)")
    assert segments == [1, 2, 3]
    assert walls == sorted(AHA_SEGMENTS[n][1] for n in (1, 2, 3))


def test_numbers_outside_the_model_are_not_segments():
    assert chunks("segments 18 and 19") == []


def test_two_places_joined_by_a_verb_are_two_chunks():
    assert len(chunks("basal inferior wall is thin and the apex is akinetic")) == 2
