"""Locations in a sentence: levels, walls and AHA segments, grouped into chunks.

A chunk is a run of level and wall words joined by connectors ("basal to mid
inferior and inferolateral walls"), or a list of segment numbers ("segments 4,
5, 10 and 11"). Ranges of levels expand ("basal to apical" -> basal, mid,
apical); segment numbers fill in their levels and walls; one level and one
wall named as a single "segment" give its AHA number (ANNOTATION rule 5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LEVEL_ORDER = ("basal", "mid", "apical", "apex")

# AHA 17-segment model (vocabulary.yaml): number -> (level, wall or None).
AHA_SEGMENTS: dict[int, tuple[str, str | None]] = {
    1: ("basal", "anterior"),
    2: ("basal", "anteroseptal"),
    3: ("basal", "inferoseptal"),
    4: ("basal", "inferior"),
    5: ("basal", "inferolateral"),
    6: ("basal", "anterolateral"),
    7: ("mid", "anterior"),
    8: ("mid", "anteroseptal"),
    9: ("mid", "inferoseptal"),
    10: ("mid", "inferior"),
    11: ("mid", "inferolateral"),
    12: ("mid", "anterolateral"),
    13: ("apical", "anterior"),
    14: ("apical", "septal"),
    15: ("apical", "inferior"),
    16: ("apical", "lateral"),
    17: ("apex", None),
}
_SEGMENT_OF = {value: number for number, value in AHA_SEGMENTS.items()}

_CONNECTOR = re.compile(
    r"(?:\s|,|&|/|\(|\)|\band\b|\bor\b|\bthe\b|\bof\b|\bwalls?\b|\bsegments?\b|\bto\b|\bthrough\b|"
    r"\binto\b|\bextending\b|\btowards?\b|\bthru\b|\bfrom\b|[-–])*",
    re.IGNORECASE,
)
_RANGE = re.compile(r"\bto\b|\bthrough\b|\binto\b|\btowards?\b|\bthru\b|[-–]", re.IGNORECASE)
_SEGMENT_LIST = re.compile(
    r"\b(?:AHA\s+)?segments?\s*(?:#|nos?\.?\s*)?"
    r"(?P<numbers>\d{1,2}(?:\s*(?:,|and|&|or|to|through|[-–/])\s*\d{1,2})*)",
    re.IGNORECASE,
)
_SINGLE_SEGMENT_WORD = re.compile(r"[\s-]*segment\b(?!s)", re.IGNORECASE)
_SEGMENTS_WORD = re.compile(r"[\s-]*segments\b", re.IGNORECASE)

# One word for a wall and a level ("anteroapical", "infero-basal", "apicolateral").
_WALL_PREFIX = {
    "antero": "anterior",
    "infero": "inferior",
    "postero": "inferolateral",
    "septo": "septal",
    "latero": "lateral",
    "anterosepto": "anteroseptal",
    "inferosepto": "inferoseptal",
    "anterolatero": "anterolateral",
    "inferolatero": "inferolateral",
}
_WALL_SUFFIX = {
    "anterior": "anterior",
    "inferior": "inferior",
    "septal": "septal",
    "lateral": "lateral",
}
_COMPOUND = re.compile(
    rf"\b(?:(?P<wall>{'|'.join(sorted(_WALL_PREFIX, key=len, reverse=True))})-?"
    r"(?P<level>apical|basal|apex)|apico-?(?P<apical_wall>anterior|inferior|septal|lateral))\b",
    re.IGNORECASE,
)


@dataclass(slots=True)
class Location:
    """Levels, walls and segments of one chunk (or of one finding)."""

    levels: set[str] = field(default_factory=set)
    walls: set[str] = field(default_factory=set)
    segments: set[int] = field(default_factory=set)

    def is_empty(self) -> bool:
        return not (self.levels or self.walls or self.segments)

    def update(self, other: Location) -> None:
        self.levels |= other.levels
        self.walls |= other.walls
        self.segments |= other.segments

    def elements(self) -> set[str]:
        return (
            {f"level:{x}" for x in self.levels}
            | {f"wall:{x}" for x in self.walls}
            | {f"segment:{x}" for x in self.segments}
        )


@dataclass(slots=True)
class Chunk:
    """A location phrase at ``text[start:end]``."""

    start: int
    end: int
    location: Location


Word = tuple[int, int, str, str]  # (start, end, "level" or "wall", value)


def location_chunks(text: str, words: list[Word], start: int, end: int) -> list[Chunk]:
    """Group level/wall words and segment lists of ``text[start:end]`` into chunks.

    Args:
        text: The report text.
        words: The sentence's level and wall words, (start, end, kind, value)
            with kind "level" or "wall", sorted.
        start: Start of the sentence in ``text``.
        end: End of the sentence.

    Returns:
        The chunks, sorted by start; a segment list next to a word chunk
        (within 3 characters) is part of it.
    """
    chunks = [_word_chunk(text, group) for group in _word_groups(text, words)]
    for segment_chunk in _compound_chunks(text, start, end) + _segment_list_chunks(
        text, start, end
    ):
        for chunk in chunks:
            if chunk.start <= segment_chunk.end + 3 and segment_chunk.start <= chunk.end + 3:
                chunk.location.update(segment_chunk.location)
                chunk.start = min(chunk.start, segment_chunk.start)
                chunk.end = max(chunk.end, segment_chunk.end)
                break
        else:
            chunks.append(segment_chunk)
    chunks.sort(key=lambda chunk: chunk.start)
    return chunks


def _compound_chunks(text: str, start: int, end: int) -> list[Chunk]:
    """'anteroapical', 'apicolateral': one chunk with the word's level and wall."""
    chunks: list[Chunk] = []
    for match in _COMPOUND.finditer(text, start, end):
        if match.group("apical_wall"):
            level, wall = "apical", _WALL_SUFFIX[match.group("apical_wall").lower()]
        else:
            level, wall = match.group("level").lower(), _WALL_PREFIX[match.group("wall").lower()]
        chunks.append(Chunk(match.start(), match.end(), Location(levels={level}, walls={wall})))
    return chunks


def _segment_list_chunks(text: str, start: int, end: int) -> list[Chunk]:
    """'segments 4, 5 and 10': one chunk per segment list, with the segments' levels and walls."""
    chunks: list[Chunk] = []
    for match in _SEGMENT_LIST.finditer(text, start, end):
        numbers = _segment_numbers(match.group("numbers"))
        if numbers:
            location = Location(segments=set(numbers))
            for number in numbers:
                level, wall = AHA_SEGMENTS[number]
                location.levels.add(level)
                if wall:
                    location.walls.add(wall)
            chunks.append(Chunk(match.start(), match.end(), location))
    return chunks


def _word_groups(text: str, words: list[Word]) -> list[list[Word]]:
    """Runs of words with only connectors between them ("basal to mid inferior and lateral")."""
    groups: list[list[Word]] = []
    for word in words:
        if groups:
            previous = groups[-1][-1]
            gap = text[previous[1] : word[0]]
            if _CONNECTOR.fullmatch(gap):
                groups[-1].append(word)
                continue
        groups.append([word])
    return groups


def _word_chunk(text: str, group: list[Word]) -> Chunk:
    """The location of a run of words: level ranges expanded, a single "segment" numbered."""
    location = Location()
    previous_level: tuple[int, str] | None = None
    for word_start, word_end, kind, value in group:
        if kind == "level":
            if previous_level is not None and _RANGE.search(text[previous_level[0] : word_start]):
                location.levels.update(_level_range(previous_level[1], value))
            location.levels.add(value)
            previous_level = (word_end, value)
        else:
            location.walls.add(value)
    chunk_end = group[-1][1]
    single = _SINGLE_SEGMENT_WORD.match(text, chunk_end)
    if single and len(location.levels) == 1 and len(location.walls) <= 1:
        key = (next(iter(location.levels)), next(iter(location.walls), None))
        number = _SEGMENT_OF.get(key)
        if number is not None:
            location.segments.add(number)
        chunk_end = single.end()
    plural = _SEGMENTS_WORD.match(text, chunk_end)
    if (
        plural
        and location.levels
        and location.walls
        and min(len(location.levels), len(location.walls)) == 1
    ):
        # "the apical anterior, septal and inferior segments": each named AHA segment
        # (not "basal and mid inferior and septal": which pairs are meant is unsaid).
        pairs = [(level, wall) for level in location.levels for wall in location.walls]
        if all(pair in _SEGMENT_OF for pair in pairs):
            location.segments.update(_SEGMENT_OF[pair] for pair in pairs)
    return Chunk(group[0][0], chunk_end, location)


def _level_range(first: str, last: str) -> list[str]:
    a, b = LEVEL_ORDER.index(first), LEVEL_ORDER.index(last)
    if a > b:
        a, b = b, a
    return list(LEVEL_ORDER[a : b + 1])


def _segment_numbers(listing: str) -> list[int]:
    """'4, 5, 10 and 11' -> [4, 5, 10, 11]; '1-3' -> [1, 2, 3]; numbers outside 1..17 void the list."""
    numbers: list[int] = []
    tokens = re.findall(r"\d{1,2}|to|through|[-–]|/|,|and|&|or", listing, re.IGNORECASE)
    pending_range = False
    for token in tokens:
        if token.isdigit():
            value = int(token)
            if not 1 <= value <= 17:
                return []
            if pending_range and numbers and numbers[-1] < value:
                numbers.extend(range(numbers[-1] + 1, value + 1))
            else:
                numbers.append(value)
            pending_range = False
        elif token.lower() in {"to", "through", "-", "–"}:
            pending_range = True
    return sorted(set(numbers))
