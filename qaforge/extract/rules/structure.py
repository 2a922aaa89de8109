"""A report's layout: sections (by their headers) and sentences, as character spans.

Pure text in, spans out; no spaCy. Headers are recognised from the wordings in
``rules/sections.yaml``; a line such as ``LGE: none.`` is a header followed by a
bare status word, and keeps its header inside the sentence so that the
statement is read whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qaforge.extract.rules.rule_files import SectionRules

# A candidate header: a short phrase at the start of a line (after an optional
# bullet or number), ending in a colon, a spaced dash, or the end of the line.
_HEADER = re.compile(
    r"^[ \t]*(?:[-•*]\s*|\d{1,2}[.)]\s+)?"
    r"(?P<header>[A-Za-z][A-Za-z0-9 /&(),'+-]{0,48}?)[ \t]*"
    r"(?P<sep>:|\s[-–]\s|$)",
    re.MULTILINE,
)

# What may follow a header on its line for the header itself to be the
# subject of the statement ("LGE: none", "Pericardial effusion: absent").
_BARE_STATUS = re.compile(
    r"\s*(?:none|nil|no|not seen|not present|not identified|not detected|absent|negative|"
    r"present|positive|normal|none seen|none identified|none detected|yes|within normal limits|"
    r"unremarkable|elevated|raised|increased|not performed)\s*(?:[.;]|$)",
    re.IGNORECASE,
)

_INLINE_HEADER = re.compile(r"(?<=[.!?])[ \t]+(?P<header>[A-Z][A-Za-z /]{2,30}?)[ \t]*(?P<sep>:)")

_ABBREVIATIONS = frozenset(
    "e.g i.e vs approx dr etc cf fig no nos incl resp est max min ca".split()
)

_SENTENCE_END = re.compile(r"[.!?](?=\s|$)|;")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence: ``text[start:end]`` and the kind of section it is in.

    ``header_start`` is set on the first sentence after a header (the header
    is ``text[header_start:...]`` before the sentence); ``header_is_subject``
    when the header is part of the sentence ("LGE: none."). ``scope`` names
    the class of a sentence about another test, an earlier study or the
    referral (``rules/scoping.yaml``); such a sentence gives no finding.
    ``mixed`` marks a sentence that names another test or time but is kept by
    a cue of this study ("unlike the echo, CMR showed ..."): its findings are doubted.
    """

    start: int
    end: int
    section: str
    content_start: int
    header_is_subject: bool = False
    header_start: int | None = None
    scope: str | None = None
    mixed: bool = False


@dataclass(frozen=True, slots=True)
class Header:
    start: int
    end: int
    content_start: int
    kind: str
    subject: bool


class SectionMatcher:
    """Maps header wordings onto section kinds with the compiled rules."""

    def __init__(self, rules: SectionRules) -> None:
        self._kinds = [
            (kind, re.compile(r"(?:" + "|".join(patterns) + r")\Z", re.IGNORECASE))
            for kind, patterns in rules.kinds.items()
            if patterns
        ]

    def kind_of(self, header: str) -> str | None:
        """The section kind a header wording names, or None if it is no header."""
        wording = " ".join(header.strip().strip("()").split())
        for kind, pattern in self._kinds:
            if pattern.match(wording):
                return kind
        return None

    def headers(self, text: str) -> list[Header]:
        """Every recognised header of the text, in order: at line starts, and
        inline after a sentence ("... No LGE. Impression: normal study.")."""
        found = []
        matches = list(_HEADER.finditer(text)) + list(_INLINE_HEADER.finditer(text))
        matches.sort(key=lambda m: m.start("header"))
        for match in matches:
            kind = self.kind_of(match.group("header"))
            if kind is None:
                continue
            line_end = text.find("\n", match.end())
            line_end = len(text) if line_end < 0 else line_end
            rest = text[match.end() : line_end]
            if match.group("sep") == "" and len(match.group("header").split()) > 6:
                continue
            subject = bool(match.group("sep")) and _BARE_STATUS.match(rest) is not None
            content_start = match.end()
            while content_start < line_end and text[content_start] in " \t":
                content_start += 1
            found.append(
                Header(match.start("header"), match.end("header"), content_start, kind, subject)
            )
        return found


def split_sentences(text: str, matcher: SectionMatcher) -> list[Sentence]:
    """The report's sentences, each with its section kind, in order.

    Text before the first header belongs to the section kind ``findings``
    (an unheaded narrative).
    """
    headers = matcher.headers(text)
    sentences: list[Sentence] = []
    bounds = [(0, None)] + [(h.start, h) for h in headers]
    for index, (block_start, header) in enumerate(bounds):
        block_end = bounds[index + 1][0] if index + 1 < len(bounds) else len(text)
        if header is None:
            kind, content_start, subject = "findings", block_start, False
        else:
            kind, content_start, subject = header.kind, header.content_start, header.subject
        first = True
        excluded_end = block_end
        if kind == "excluded":
            # An indication or history line does not run into the unheaded text after it.
            excluded_end = _paragraph_end(text, content_start, block_end)
        for start, end in _sentence_spans(text, content_start, block_end):
            if start >= excluded_end:
                kind = "findings"
            if first and header is not None:
                if subject:
                    sentences.append(
                        Sentence(header.start, end, kind, header.start, True, header.start)
                    )
                else:
                    sentences.append(Sentence(start, end, kind, start, False, header.start))
                first = False
                continue
            first = False
            sentences.append(Sentence(start, end, kind, start))
    return sentences


def _paragraph_end(text: str, start: int, end: int) -> int:
    """End of the header's own line (with wrapped continuation lines), or of the
    next paragraph when the header stands alone on its line."""
    line_end = text.find("\n", start, end)
    if line_end < 0:
        return end
    if not text[start:line_end].strip():
        blank = re.compile(r"\n[ \t]*\n").search(text, line_end + 1, end)
        return blank.start() if blank else end
    position = line_end
    while position < end:
        following = text.find("\n", position + 1, end)
        following = end if following < 0 else following
        line = text[position + 1 : following].lstrip()
        if not line or not line[0].islower():
            break
        position = following
    return position


def _sentence_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, trimmed of surrounding whitespace."""
    spans = []
    piece_start = start
    for line_start, line_end, breaks_after in _lines(text, start, end):
        position = line_start
        for match in _SENTENCE_END.finditer(text, line_start, line_end):
            stop = match.end()
            if match.group() == "." and _is_abbreviation_or_number(text, match.start()):
                continue
            spans.append((piece_start, stop))
            piece_start = stop
            position = stop
        del position
        if breaks_after:
            spans.append((piece_start, line_end))
            piece_start = line_end
    spans.append((piece_start, end))
    trimmed = []
    for a, b in spans:
        while a < b and text[a].isspace():
            a += 1
        bullet = _LEADING_BULLET.match(text, a, b)
        if bullet:
            a = bullet.end()
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a and any(ch.isalnum() for ch in text[a:b]):
            trimmed.append((a, b))
    return trimmed


_WORD_BEFORE = re.compile(r"(?<![A-Za-z.])[A-Za-z.]+\Z")
_LIST_MARKER = re.compile(r"[ \t]*\d{1,2}\.")
_LEADING_BULLET = re.compile(r"(?:[-•*]|\d{1,2}[.)])[ \t]+")
_BULLET_START = re.compile(r"[ \t]*(?:[-•*]\s|\d{1,2}[.)]\s)")


def _lines(text: str, start: int, end: int):
    """Yield (line_start, line_end, sentence_breaks_after) for the lines of the block.

    A line break ends a sentence unless the line ends without punctuation and
    the next line continues it in lower case (a wrapped line).
    """
    position = start
    while position < end:
        newline = text.find("\n", position, end)
        line_end = end if newline < 0 else newline
        next_start = line_end + 1
        breaks = False
        if newline >= 0 and next_start < end:
            stripped = text[position:line_end].rstrip()
            following = text[next_start:end]
            next_line = following.split("\n", 1)[0]
            if not next_line.strip() or _BULLET_START.match(next_line):
                breaks = True
            elif (
                stripped and stripped[-1] in ",(-/&" or stripped.endswith((" and", " or", " with"))
            ):
                breaks = False
            else:
                first_char = next_line.lstrip()[:1]
                breaks = not first_char.islower()
        yield position, line_end, breaks
        position = next_start


def _is_abbreviation_or_number(text: str, dot: int) -> bool:
    """True when the full stop at ``dot`` ends an abbreviation or sits inside a number."""
    if dot + 1 < len(text) and text[dot + 1].isdigit():
        return True
    if dot and text[dot - 1].isdigit():
        line_start = text.rfind("\n", 0, dot) + 1
        return _LIST_MARKER.fullmatch(text, line_start, dot + 1) is not None
    word = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if word is None:
        return False
    lowered = word.group().lower()
    return lowered in _ABBREVIATIONS or (len(lowered) == 1 and word.group().islower())
