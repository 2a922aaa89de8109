"""The one presidio-analyzer module: its pattern recognizers, run without an NLP engine.

presidio's recognizers for e-mail addresses, phone numbers (through
``phonenumbers``, validated per region), URLs, IP addresses, UK NHS numbers
(checksum-validated), UK postcodes and dates need no language model, so they
run here without spaCy's English NER (which cannot be installed from the
registries; see STACK.md). The e-mail recognizer's domain check reads
tldextract's bundled public-suffix snapshot: it never fetches the list.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import tldextract
from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import (
    DateRecognizer,
    EmailRecognizer,
    IpRecognizer,
    NhsRecognizer,
    PhoneRecognizer,
    UkPostcodeRecognizer,
    UrlRecognizer,
)

PHONE_REGIONS = ("GB", "US", "IE")
"""Regions whose numbering plans the phone recognizer validates against (each region
is one more pass over the text; our own patterns take international numbers too)."""


@dataclass(frozen=True)
class EntitySpan:
    """One entity a presidio recognizer found.

    Attributes:
        entity: presidio's entity type (``EMAIL_ADDRESS``, ``PHONE_NUMBER``...).
        start: Start offset in the text.
        end: End offset (exclusive).
        score: presidio's confidence, 0 to 1.
    """

    entity: str
    start: int
    end: int
    score: float


class _OfflineEmailRecognizer(EmailRecognizer):
    """presidio's e-mail recognizer whose domain check never goes to the network."""

    def validate_result(self, pattern_text: str) -> bool:
        return _offline_suffixes()(pattern_text).fqdn != ""


@functools.cache
def _offline_suffixes() -> tldextract.TLDExtract:
    # suffix_list_urls=() and no cache: the snapshot shipped inside tldextract, no download.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.cache
def _recognizers() -> tuple[EntityRecognizer, ...]:
    return (
        _OfflineEmailRecognizer(),
        PhoneRecognizer(supported_regions=PHONE_REGIONS),
        UrlRecognizer(),
        IpRecognizer(),
        NhsRecognizer(),
        UkPostcodeRecognizer(),
        DateRecognizer(),
    )


def presidio_entities(text: str, *, min_score: float = 0.0) -> list[EntitySpan]:
    """Every entity presidio's model-free recognizers find in a text.

    Args:
        text: Any text.
        min_score: Entities scored below it are left out.

    Returns:
        The entities, by start offset (overlaps kept: each recognizer reports its own).
    """
    found = [
        EntitySpan(result.entity_type, result.start, result.end, result.score)
        for recognizer in _recognizers()
        for result in recognizer.analyze(text, recognizer.supported_entities, None)
        if result.score >= min_score
    ]
    return sorted(found, key=lambda span: (span.start, span.end, span.entity))
