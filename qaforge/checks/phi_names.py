"""Names of people and institutions in report text (pure, word lists from registry packages).

A capitalised word (Title case or ALL CAPS) is *name-like* when it is a
census first name or surname, or in no English dictionary, and is not one
of the report words of ``phi_vocabulary.yaml`` nor a short ALL-CAPS acronym
("LGE", "RCA"). On that test, the scan finds:

- ``title_name``: a title and a name ("Dr Jane Doe", "DR JOHN SMITH",
  "Mr Smith"). After "Mr"/"MR" (also the scan's name, "cardiac MR") the
  next word must be name-like; after other titles any capitalised word
  that is not a report word is a name;
- ``name_field``: the value of a name field ("Pt: SMITH, John",
  "Referred by: A. Jones") and a name after "pt"/"patient" ("pt SMITH");
- ``person_name``: a first name followed by a name-like word anywhere
  ("the scan of Sarah Connor"), "Surname, First", and a line that holds
  nothing but one to four name-like words, one of them a census name;
- ``institution``: capitalised words before "Hospital", "Infirmary",
  "Clinic", "Trust"... ("St Mary's Hospital"), and capitalised words after
  "at"/"from"/"to"/"in" that are not dictionary words ("at Royal Brompton").

Hand-written: no NER model can be installed here (STACK.md), and presidio's
deny-list recognizer matches fixed words, not these contexts.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

import yaml

from qaforge.libs.wordlists import (
    first_names,
    is_common_name,
    is_dictionary_word,
    looks_like_name,
    surname_ranks,
)
from qaforge.resources import package_data

NAME_TOKEN = (
    r"(?:(?:Mc|Mac|O['’]|D['’])?[A-Z][a-z]+(?:['’][a-z]+)?(?:-(?:[A-Z][a-z]+|[A-Z]{2,}))?"
    r"|[A-Z]{2,}(?:['’-][A-Z]+)*)"
)
_TOKEN = re.compile(rf"\b{NAME_TOKEN}(?![\w'’])")
_INITIAL = r"[A-Z]\.?"
_TITLES = r"dr|mr|mrs|ms|miss|mx|prof|professor|sister"
# A title starts with a capital ("ms" is milliseconds); "MR" and "MS" are also
# the scan and mitral stenosis, so after them the next word must be name-like.
_STRICT_TITLES = {"mr", "ms"}
_TITLE_NAME = re.compile(
    rf"\b(?P<title>(?=[A-Z])(?i:{_TITLES}))\b\.?\s+(?P<name>(?:{_INITIAL}\s+)*{NAME_TOKEN}(?:\s+{NAME_TOKEN}){{0,2}})"
)
_FIELD_LABELS = (
    r"patient(?:'s)?\s+name|patient|pt|name|full\s+name|surname|forenames?|first\s+name|"
    r"given\s+names?|family\s+name|referred\s+by|referrer|referring\s+(?:physician|doctor|"
    r"clinician|consultant|cardiologist)|requested\s+by|reported\s+by|reporting\s+(?:radiologist|"
    r"cardiologist|clinician|doctor)|signed\s+by|verified\s+by|authori[sz]ed\s+by|dictated\s+by|"
    r"consultant|gp|next\s+of\s+kin|nok|attending(?:\s+physician)?|radiologist|cardiologist"
)
# After a field label a name may be in lower case too ("Patient: smith, john").
_FIELD_WORD = rf"{NAME_TOKEN}|[a-z][a-z'’]+(?:-[a-z]+)?|{_INITIAL}"
_NAME_FIELD = re.compile(
    rf"\b(?i:{_FIELD_LABELS})(?:\s*[:=#]|\s+-)\s*(?:(?i:{_TITLES})\.?\s+)?"
    rf"(?P<name>(?:{_FIELD_WORD})(?:(?:,[ \t]*|[ \t]+)(?:{_FIELD_WORD})){{0,4}})"
)
# A first name after a relative ("the patient's daughter, Jennifer").
_AFTER_RELATIVE = re.compile(
    r"\b(?i:daughter|son|wife|husband|mother|father|brother|sister|partner|carer|friend|"
    rf"called|named)[,:]?[ \t]+(?P<name>{NAME_TOKEN})"
)
_AFTER_PATIENT = re.compile(rf"\b(?i:pt|patient)\b\.?\s+(?P<name>{NAME_TOKEN})")
_INSTITUTION_SUFFIX = re.compile(
    rf"(?P<name>(?:(?:{NAME_TOKEN}|St\.?)\s+)(?:(?:{NAME_TOKEN}|St\.?|of|the|and|&)\s+){{0,5}}"
    r"(?i:hospitals?|infirmary|clinic|medical\s+cent(?:re|er)|health\s+cent(?:re|er)|"
    r"heart\s+cent(?:re|er)|cardiac\s+cent(?:re|er)|imaging\s+cent(?:re|er)|"
    r"(?:nhs\s+)?(?:foundation\s+)?trust|health\s+board|institute|sanatorium|hospice))\b"
)
_PLACE_AFTER = re.compile(
    rf"\b(?i:at|from|to|in)\s+(?:(?i:the)\s+)?(?P<name>{NAME_TOKEN}(?:\s+(?:{NAME_TOKEN}|St\.?)){{0,3}})"
)
_LINE = re.compile(r"^[ \t]*(?P<line>\S[^\n]*?)[ \t]*$", re.MULTILINE)


@functools.cache
def _vocabulary() -> tuple[frozenset[str], frozenset[str]]:
    """(report words never taken for names, words that start an institution's name)."""
    data = yaml.safe_load(package_data("checks/phi_vocabulary.yaml").read_text(encoding="utf-8"))
    stop = frozenset(
        word.lower()
        for word in [*data["clinical"], *data["abbreviations"], *data["common"], *data["function"]]
    )
    return stop, frozenset(word.lower() for word in data["institution_words"])


def _bare(word: str) -> str:
    """A word lower-cased, without a possessive ending."""
    return re.sub(r"['’]s$", "", word).lower()


def is_known_name(word: str) -> bool:
    """Whether a word is a census first name or surname (any frequency)."""
    bare = _bare(word)
    return bare in first_names() or bare in surname_ranks()


def is_report_word(word: str) -> bool:
    """Whether a word is a listed report word or a short ALL-CAPS acronym that is no name."""
    bare = _bare(word)
    if bare in _vocabulary()[0]:
        return True
    return word.isupper() and len(word) <= 4 and not is_known_name(word)


def is_name_like(word: str) -> bool:
    """Whether a capitalised word may be part of a name (see the module docstring)."""
    return not is_report_word(word) and looks_like_name(_bare(word))


def name_spans(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` of every name of a person or institution in a text."""
    return [
        *_title_names(text),
        *_name_fields(text),
        *_running_names(text),
        *_line_names(text),
        *_institutions(text),
    ]


def _name_prefix(
    text: str, start: int, end: int, *, first_any: bool, words: str = rf"{NAME_TOKEN}|{_INITIAL}"
) -> tuple[int, int] | None:
    """The leading run of name words in ``text[start:end]`` (initials allowed), or ``None``.

    ``first_any``: the first word need only be a capitalised non-report word;
    ``words``: what a word is (capitalised ones by default).
    """
    last = None
    for position, word in enumerate(re.finditer(words, text[start:end])):
        token = word.group()
        initial = len(token.rstrip(".")) == 1
        fits = (
            initial
            or is_name_like(token)
            or (first_any and position == 0 and not is_report_word(token))
        )
        if not fits:
            break
        last = start + word.end()
    return None if last is None else (start, last)


def _title_names(text: str) -> Iterator[tuple[str, int, int]]:
    for found in _TITLE_NAME.finditer(text):
        strict = found.group("title").lower() in _STRICT_TITLES
        span = _name_prefix(text, found.start("name"), found.end("name"), first_any=not strict)
        if span is not None and not text[span[0] : span[1]].rstrip(".").isspace():
            if any(len(t) > 1 for t in re.findall(NAME_TOKEN, text[span[0] : span[1]])):
                yield "title_name", found.start(), span[1]


def _name_fields(text: str) -> Iterator[tuple[str, int, int]]:
    for found in _NAME_FIELD.finditer(text):
        bounds = found.start("name"), found.end("name")
        span = _name_prefix(text, *bounds, first_any=False, words=_FIELD_WORD)
        if span is None:
            continue
        words = re.findall(r"[A-Za-z'’-]{2,}", text[span[0] : span[1]])
        if any(not w.islower() for w in words) or any(is_known_name(w) for w in words):
            yield "name_field", span[0], span[1]  # lower-case words: one must be a census name
    for found in _AFTER_PATIENT.finditer(text):
        if is_name_like(found.group("name")):
            yield "name_field", found.start("name"), found.end("name")
    for found in _AFTER_RELATIVE.finditer(text):
        name = found.group("name")
        if is_name_like(name) and (_bare(name) in first_names() or not is_dictionary_word(name)):
            yield "person_name", found.start("name"), found.end("name")


def _running_names(text: str) -> Iterator[tuple[str, int, int]]:
    """First name + name-like word ("Sarah Connor"), and "Surname, First"."""
    tokens = list(_TOKEN.finditer(text))
    for index, (here, after) in enumerate(zip(tokens, tokens[1:], strict=False)):
        gap = text[here.end() : after.start()]
        first, second = here.group(), after.group()
        if first.isupper() != second.isupper():
            continue
        spaced = re.fullmatch(r"[ \t]+(?:[A-Z]\.?[ \t]+)?", gap)
        if spaced and (
            _first_and_surname(first, second)
            or (
                _PERSON_BEFORE.search(text, max(0, here.start() - 16), here.start())
                and _unknown_pair(first, second)
            )
        ):
            end = after.end()
            for more in tokens[index + 2 : index + 4]:
                if not re.fullmatch(r"[ \t]+", text[end : more.start()]) or not is_name_like(
                    more.group()
                ):
                    break
                end = more.end()
            yield "person_name", here.start(), end
        elif re.fullmatch(r",[ \t]*", gap) and _surname_then_first(first, second):
            yield "person_name", here.start(), after.end()


# Words after which two unknown capitalised words are a person even in capitals
# ("Images of TOMASZ MBEKI", "discussed with ...").
_PERSON_BEFORE = re.compile(r"\b(?i:of|with|by|for|patient|pt)[ \t]+\Z")


def _unknown_pair(first: str, second: str) -> bool:
    """Two words of no dictionary and no report vocabulary; after a person word even a
    short word in capitals may be a name ("Images of KOFI ...")."""
    stop = _vocabulary()[0]
    return all(_bare(w) not in stop and not is_dictionary_word(w) for w in (first, second))


def _first_and_surname(first: str, second: str) -> bool:
    """Two name-like words that make a person's name.

    Either a census first name and a name-like word (after a first name that
    is also a word, "May", "Will", the second must be a common surname or no
    dictionary word: "May Baker", not "MAY BE"), or two words of no
    dictionary ("Kwame Castellanos", not in capitals), or one of no
    dictionary and a census name ("Aoife Harrington").
    """
    if not (is_name_like(first) and is_name_like(second)):
        return False
    bare_first, bare_second = _bare(first), _bare(second)
    first_unknown, second_unknown = not is_dictionary_word(first), not is_dictionary_word(second)
    if bare_first in first_names():
        if not first_unknown:
            return second_unknown or (
                is_common_name(bare_second) and bare_second not in first_names()
            )
        return True
    if first.isupper():  # ALL-CAPS clinical phrases ("SCLERAE ANICTERIC") need a census name
        return first_unknown and is_known_name(second)
    return first_unknown and (second_unknown or is_known_name(second))


def _surname_then_first(surname: str, first: str) -> bool:
    bare_surname, bare_first = _bare(surname), _bare(first)
    return (
        bare_surname in surname_ranks()
        and not is_dictionary_word(surname)
        and bare_first in first_names()
        and not is_report_word(surname)
        and not is_report_word(first)
    )


def _line_names(text: str) -> Iterator[tuple[str, int, int]]:
    """A line of two to four name words (initials allowed, one comma at most, no closing
    full stop) that hold a first name and another name word (:func:`_first_and_surname`
    on the first two words, or on "Surname, First")."""
    for found in _LINE.finditer(text):
        line = found.group("line")
        words = [word for word in re.split(r"[\s,]+", line) if word]
        if not 2 <= len(words) <= 4 or line.count(",") > 1 or line.endswith((":", ";")):
            continue
        if line.endswith(".") and not re.search(rf"\s{_INITIAL}$", line):
            continue
        initials = [re.fullmatch(_INITIAL, word) is not None for word in words]
        names = [w for w, i in zip(words, initials, strict=True) if not i]
        if len(names) < 2 or not all(
            re.fullmatch(NAME_TOKEN, w) and is_name_like(w) for w in names
        ):
            continue
        if _first_and_surname(names[0], names[-1]) or _first_and_surname(names[-1], names[0]):
            yield "person_name", found.start("line"), found.end("line")


def _institutions(text: str) -> Iterator[tuple[str, int, int]]:
    starts = _vocabulary()[1]
    for found in _INSTITUTION_SUFFIX.finditer(text):
        words = re.findall(rf"{NAME_TOKEN}|St\.?", found.group("name"))
        if any(_bare(w).rstrip(".") in starts or is_name_like(w) for w in words[:-1]):
            yield "institution", found.start("name"), found.end("name")
    for found in _PLACE_AFTER.finditer(text):
        if (span := _place_span(found, starts)) is not None:
            yield "institution", *span


def _place_span(found: re.Match[str], starts: frozenset[str]) -> tuple[int, int] | None:
    """The place named after "at"/"from"/"to"/"in": two or more capitalised words led by an
    institution word or holding a non-dictionary name-like word, or one such word after "at"."""
    kept: list[re.Match[str]] = []
    for word in re.finditer(rf"{NAME_TOKEN}|St\.?", found.group("name")):
        if is_report_word(word.group()):
            break
        kept.append(word)
    words = [word.group() for word in kept]
    named = any(is_name_like(w) and not is_dictionary_word(w) for w in words)
    named = named or (len(words) == 1 and is_name_like(words[0]) and is_known_name(words[0]))
    led = len(words) >= 2 and _bare(words[0]).rstrip(".") in starts
    after_at = found.group()[:2].lower() == "at"
    if not after_at and all(word.isupper() for word in words):
        return None  # ALL-CAPS clinical phrases ("TO EVALUATION ...") are not places
    single_ok = after_at
    if not words or not (led or (named and (len(words) >= 2 or single_ok))):
        return None
    base = found.start("name")
    return base, base + kept[-1].end()
