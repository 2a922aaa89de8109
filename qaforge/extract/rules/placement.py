"""Which place of a sentence is the place of which finding (ANNOTATION rule 5).

The sentence's level and wall words and segment lists form chunks
(:func:`~qaforge.extract.rules.locations.location_chunks`). A chunk right
before a term (only modifiers between) is that term's; a chunk that is the
subject of a verb ("the septum is spared") belongs to what follows; otherwise
it belongs to the closest term before it, and a chunk with no term before it
is the place of the whole sentence. A finding with no place of its own takes
the previous finding's, or the previous sentence's lesion's when the sentence
refers back to it ("which", "the same segments").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from qaforge.extract.rules.candidates import Candidate, Mention, SentenceContext
from qaforge.extract.rules.grammar import ADJACENT, ELSEWHERE, only_modifiers_between
from qaforge.extract.rules.locations import Chunk, location_chunks
from qaforge.extract.rules.presence import names_the_images

# Between a place and what it is the subject of ("the apex is thin and akinetic").
_SUBJECT_GAP = re.compile(
    r"[\s()-]*(?:(?:walls?|segments?|myocardium|region)\b[\s()-]*)*"
    r"(?:is|are|was|were|appears?|appeared|remains?|remained|looks?|seems?|shows?|showed|"
    r"demonstrates?|demonstrated)\b[\s]*(?:\w+ly\s+)?(?:(?:no|not)\s+)?",
    re.IGNORECASE,
)

# Words that refer back to the place of the previous sentence's lesion.
_REFERENCE = re.compile(
    r"\b(?:which|these|this|same|corresponding|affected|here|at this site|in this region)\b"
    # "there" refers back, "there is" does not.
    r"|\bthere\b(?!\s+(?:is|are|was|were|has|have|had|appears?|appeared|seems?)\b)",
    re.IGNORECASE,
)

# Between two findings that share one place ("thinning and akinesis of the basal anteroseptum").
_COORDINATION = re.compile(r"\s*(?:and|,|/|&)\s*")

# Between a place word and the images it names ("basal short-axis LGE images").
_VIEW_GAP = re.compile(
    r"[\s-]*(?:(?:(?:short|long)[\s-]?axis|(?:two|three|four|2|3|4)[\s-]?chamber)[\s-]*)?",
    re.IGNORECASE,
)

# A bracketed aside with a measurement in it ("(max 14 mm, inferoseptum)").
_MEASURED_ASIDE = re.compile(r"\([^()]*\d\s*(?:mm|cm)\b[^()]*\)", re.IGNORECASE)

Target = tuple[Candidate, Mention]


@dataclass(slots=True)
class ChunkOwners:
    """The chunks of a sentence by owner: a target's own, those it is the subject of, the rest."""

    own: dict[int, list[Chunk]] = field(default_factory=dict)
    subject_of: dict[int, list[Chunk]] = field(default_factory=dict)
    sentence: list[Chunk] = field(default_factory=list)

    def of(self, candidate: Candidate) -> list[Chunk]:
        """The chunks that place ``candidate``."""
        key = id(candidate)
        return self.own.get(key) or self.subject_of.get(key) or self.sentence


def attach_locations(context: SentenceContext) -> None:
    """Give each localized candidate of the sentence its levels, walls and segments.

    Args:
        context: The sentence read; its ``localized`` candidates are updated in place.
    """
    if not context.localized:
        return
    targets = sorted(context.localized, key=lambda pair: pair[1].start)
    owners = _chunk_owners(context, _sentence_chunks(context), targets)
    _place_targets(context, targets, owners)
    for (first, first_mention), (second, second_mention) in zip(targets, targets[1:], strict=False):
        if first.location.is_empty() and _COORDINATION.fullmatch(
            context.text[first_mention.end : second_mention.start]
        ):
            # "thinning and akinesis of the basal anteroseptum": one place for both.
            first.location.update(second.location)


def _sentence_chunks(context: SentenceContext) -> list[Chunk]:
    """The location chunks of the sentence.

    Left out: place words of another structure, and those of a measurement in
    brackets ("(max 14 mm, inferoseptum)": where the maximum is, rule 5).
    """
    measured = [
        match.span()
        for match in _MEASURED_ASIDE.finditer(
            context.text, context.sentence.start, context.sentence.end
        )
    ]
    words = [
        (m.start, m.end, m.family, m.kind)
        for index, m in enumerate(context.mentions)
        if m.family in ("level", "wall")
        and not _names_another_structure(context, index)
        and not any(start <= m.start < end for start, end in measured)
    ]
    return location_chunks(context.text, words, context.sentence.start, context.sentence.end)


def _chunk_owners(
    context: SentenceContext, chunks: list[Chunk], targets: list[Target]
) -> ChunkOwners:
    """Assign each chunk to the target it is the place of (or to the whole sentence)."""
    text = context.text
    owners = ChunkOwners()
    for chunk in chunks:
        following = [t for t in targets if t[1].start >= chunk.end]
        if following and only_modifiers_between(context, chunk.end, following[0][1].start):
            owners.own.setdefault(id(following[0][0]), []).append(chunk)
            continue
        if following and _SUBJECT_GAP.fullmatch(text, chunk.end, following[0][1].start):
            # "the septum is spared", "the apex is thin and akinetic": the place
            # is the subject of what follows it.
            for candidate, _ in following:
                owners.subject_of.setdefault(id(candidate), []).append(chunk)
            continue
        preceding = [t for t in targets if t[1].end <= chunk.start]
        if preceding:
            owner = preceding[-1]
            owners.own.setdefault(id(owner[0]), []).append(chunk)
            if (
                len(preceding) > 1
                and owner[1].family == "value"
                and ADJACENT.fullmatch(text[owner[1].end : chunk.start])
            ):
                # "LGE within the hypertrophied septum": the place is also the earlier term's.
                owners.own.setdefault(id(preceding[-2][0]), []).append(chunk)
            continue
        owners.sentence.append(chunk)
    return owners


def _place_targets(context: SentenceContext, targets: list[Target], owners: ChunkOwners) -> None:
    """Update each target's location from its chunks, or carry the previous place."""
    previous: Candidate | None = None
    last_location = context.state.last_location
    for candidate, mention in targets:
        chunks = owners.of(candidate)
        for chunk in chunks:
            candidate.location.update(chunk.location)
        if chunks and chunks is owners.sentence:
            candidate.doubts.add("place_of_sentence")
        positive = candidate.value not in ("absent", "normal")
        elsewhere = ELSEWHERE.match(context.text, mention.end, context.sentence.end)
        if candidate.location.is_empty() and positive and not elsewhere:
            if previous is not None and not previous.location.is_empty():
                # "akinesis of the anterior wall with wall thinning": one place.
                candidate.location.update(previous.location)
                candidate.doubts.add("place_shared")
            elif last_location is not None and _REFERENCE.search(
                context.text, context.sentence.start, context.sentence.end
            ):
                candidate.location.update(last_location)
                candidate.doubts.add("place_referred")
        if positive:
            previous = candidate


def _names_another_structure(context: SentenceContext, index: int) -> bool:
    """True when the place word names something else than the LV wall right after it.

    "inferior right ventricular insertion point" (a distribution), "the
    anterolateral papillary muscle", "mid-ventricular LGE images" (the images).
    """
    mentions = context.mentions
    edge = mentions[index].end
    for other in mentions[index + 1 :]:
        if other.family == "lge" and _VIEW_GAP.fullmatch(context.text, edge, other.start):
            return names_the_images(context, other)
        if not ADJACENT.fullmatch(context.text, edge, other.start):
            return False
        if other.concept == "distribution.rv_insertion_point" or other.family == "papillary":
            return True
        if other.family not in ("anchor", "wall", "level"):
            return False
        edge = other.end
    return False
