"""Leakage checks over items (pure): each returns flags with a severity and the item ids involved.

- ``patient_in_two_splits`` (blocking): a patient whose studies sit in more than one split.
- ``shared_image`` (blocking across splits, warning within one): the same
  image series file (by hash) in two studies.
- ``near_duplicate`` (blocking): items of the same subtask with the same
  images and a near-identical question (rapidfuzz ratio >= 90 on the
  normalised text) in different splits. Sub-quadratic by blocking: only
  items sharing (subtask, image key) are compared, and only across splits.
- ``answer_in_question`` (blocking): the correct option's text (or 6 words
  of an open answer) inside the question.
- ``report_in_question`` (blocking): 8 consecutive words of the item's
  source report inside the question.
- ``contamination`` (blocking): 13 consecutive words of the question or
  answer inside a reference corpus the user supplies; the corpus is named.
- ``blind_baseline`` (warning, per subtask): answering without images (the
  majority answer, or the best answer per question string) scores far above chance.
- ``phi`` (blocking): a suspected identifier in anything that leaves.
- ``phi_redacted`` (warning): report text copied into the answer had
  identifiers replaced by placeholders at generation (``[NAME]``...); the
  reviewer should read the answer.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from qaforge.checks.phi import scan_phi
from qaforge.libs import fuzzy as fuzz

BLOCKING = "blocking"
WARNING = "warning"
NEAR_DUPLICATE_SCORE = 90.0
REPORT_NGRAM = 8
ANSWER_NGRAM = 6
CONTAMINATION_NGRAM = 13
BLIND_MARGIN = 0.25
_WORDS = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class CheckItem:
    """What the checks need of one item.

    Attributes:
        item_id: The item.
        study_id: Its study.
        patient_id: The study's patient.
        split: The study's split (``None`` when not assigned).
        subtask_id: The subtask.
        question: The question text.
        options: Letter -> option text.
        answer: Letters (choice items) or text (open items).
        image_key: Hashes of the images the item shows (empty when none).
        series_hashes: Hashes of the study's series files.
        report_texts: The source report texts (never exported; for the n-gram check).
        outgoing: Other strings that leave with the item, by field (evidence,
            series descriptions...), scanned for PHI.
        redacted_phi: Kinds of PHI redacted from its answer at generation.
    """

    item_id: str
    study_id: str
    patient_id: str
    split: str | None
    subtask_id: str
    question: str
    options: dict[str, str]
    answer: Any
    image_key: tuple[str, ...] = ()
    series_hashes: tuple[str, ...] = ()
    report_texts: tuple[str, ...] = ()
    outgoing: dict[str, str] = field(default_factory=dict)
    redacted_phi: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckFlag:
    """One finding of a check.

    Attributes:
        check: The check's name.
        severity: ``blocking`` or ``warning``.
        item_id: The item flagged (``None`` for a subtask-level flag).
        detail: What was found and where (never the PHI itself).
    """

    check: str
    severity: str
    item_id: str | None
    detail: dict[str, Any]


def normalise(text: str) -> str:
    """Lower case words joined by single spaces."""
    return " ".join(_WORDS.findall(text.lower()))


def ngrams(text: str, n: int) -> set[tuple[str, ...]]:
    """The word n-grams of a text (normalised)."""
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def answer_letters(item: CheckItem) -> list[str] | None:
    """The letters of a choice item's answer (a single choice is stored as one letter), else ``None``."""
    if isinstance(item.answer, list):
        return [str(letter) for letter in item.answer]
    if isinstance(item.answer, str) and item.options and item.answer in item.options:
        return [item.answer]
    return None


def open_answer(item: CheckItem) -> str | None:
    """The text of an open item's answer, else ``None``."""
    return item.answer if isinstance(item.answer, str) and answer_letters(item) is None else None


def patient_in_two_splits(items: Sequence[CheckItem]) -> list[CheckFlag]:
    splits: dict[str, set[str]] = defaultdict(set)
    for item in items:
        if item.split is not None:
            splits[item.patient_id].add(item.split)
    return [
        CheckFlag(
            "patient_in_two_splits",
            BLOCKING,
            item.item_id,
            {"patient_splits": sorted(splits[item.patient_id]), "split": item.split},
        )
        for item in items
        if len(splits[item.patient_id]) > 1
    ]


def shared_image(items: Sequence[CheckItem]) -> list[CheckFlag]:
    studies: dict[str, set[str]] = defaultdict(set)
    splits: dict[str, set[str | None]] = defaultdict(set)
    for item in items:
        for digest in item.series_hashes:
            studies[digest].add(item.study_id)
            splits[digest].add(item.split)
    flags = []
    for item in items:
        shared = [d for d in item.series_hashes if len(studies[d]) > 1]
        if not shared:
            continue
        across = any(len(splits[d]) > 1 for d in shared)
        others = sorted({s for d in shared for s in studies[d]} - {item.study_id})
        flags.append(
            CheckFlag(
                "shared_image",
                BLOCKING if across else WARNING,
                item.item_id,
                {
                    "series_sha256": sorted(shared)[:5],
                    "other_studies": others[:10],
                    "across_splits": across,
                },
            )
        )
    return flags


def near_duplicates(items: Sequence[CheckItem]) -> list[CheckFlag]:
    blocks: dict[tuple[str, tuple[str, ...]], list[CheckItem]] = defaultdict(list)
    for item in items:
        if item.split is not None:
            blocks[(item.subtask_id, item.image_key or item.series_hashes)].append(item)
    partners: dict[str, set[str]] = defaultdict(set)
    for block in blocks.values():
        if len({item.split for item in block}) < 2:
            continue
        texts = [normalise(item.question) for item in block]
        for i, left in enumerate(block):
            for j in range(i + 1, len(block)):
                right = block[j]
                if left.split == right.split:
                    continue
                if texts[i] == texts[j] or fuzz.ratio(texts[i], texts[j]) >= NEAR_DUPLICATE_SCORE:
                    partners[left.item_id].add(right.item_id)
                    partners[right.item_id].add(left.item_id)
    return [
        CheckFlag("near_duplicate", BLOCKING, item_id, {"duplicates": sorted(others)})
        for item_id, others in sorted(partners.items())
    ]


def answer_in_question(items: Sequence[CheckItem]) -> list[CheckFlag]:
    flags = []
    for item in items:
        question_words = f" {normalise(item.question)} "
        letters = answer_letters(item)
        if letters is not None:
            correct = [normalise(item.options.get(letter, "")) for letter in letters]
            wrong = [
                normalise(text) for letter, text in item.options.items() if letter not in letters
            ]
            leaked = [
                text
                for text in correct
                if len(text) >= 3
                and f" {text} " in question_words
                and not any(f" {other} " in question_words for other in wrong if other)
            ]
            if leaked:
                flags.append(
                    CheckFlag(
                        "answer_in_question", BLOCKING, item.item_id, {"option_text": leaked[0]}
                    )
                )
        elif (text := open_answer(item)) is not None:
            if ngrams(text, ANSWER_NGRAM) & ngrams(item.question, ANSWER_NGRAM):
                flags.append(
                    CheckFlag("answer_in_question", BLOCKING, item.item_id, {"open_answer": True})
                )
    return flags


def report_in_question(items: Sequence[CheckItem]) -> list[CheckFlag]:
    flags = []
    for item in items:
        question = ngrams(item.question, REPORT_NGRAM)
        if question and any(question & ngrams(text, REPORT_NGRAM) for text in item.report_texts):
            flags.append(
                CheckFlag("report_in_question", BLOCKING, item.item_id, {"ngram": REPORT_NGRAM})
            )
    return flags


def contamination(items: Sequence[CheckItem], references: dict[str, str]) -> list[CheckFlag]:
    index: dict[tuple[str, ...], str] = {}
    for name, text in references.items():
        for gram in ngrams(text, CONTAMINATION_NGRAM):
            index.setdefault(gram, name)
    if not index:
        return []
    flags = []
    for item in items:
        text = item.question + " " + (open_answer(item) or "")
        sources = sorted({index[g] for g in ngrams(text, CONTAMINATION_NGRAM) if g in index})
        if sources:
            flags.append(CheckFlag("contamination", BLOCKING, item.item_id, {"sources": sources}))
    return flags


def blind_baseline(items: Sequence[CheckItem]) -> list[CheckFlag]:
    by_subtask: dict[str, list[CheckItem]] = defaultdict(list)
    for item in items:
        if answer_letters(item) is not None:
            by_subtask[item.subtask_id].append(item)
    flags = []
    for subtask, members in sorted(by_subtask.items()):
        answers = [tuple(answer_letters(item) or ()) for item in members]
        majority = Counter(answers).most_common(1)[0][1] / len(members)
        per_question: dict[str, Counter] = defaultdict(Counter)
        for item, answer in zip(members, answers, strict=True):
            per_question[item.question][answer] += 1
        best = sum(counts.most_common(1)[0][1] for counts in per_question.values()) / len(members)
        chance = sum(1 / len(item.options) for item in members) / len(members)
        if len(members) >= 10 and max(majority, best) > chance + BLIND_MARGIN:
            flags.append(
                CheckFlag(
                    "blind_baseline",
                    WARNING,
                    None,
                    {
                        "subtask": subtask,
                        "items": len(members),
                        "majority_accuracy": round(majority, 3),
                        "best_per_question_accuracy": round(best, 3),
                        "chance": round(chance, 3),
                    },
                )
            )
    return flags


def phi(items: Sequence[CheckItem]) -> list[CheckFlag]:
    flags = []
    for item in items:
        fields = {"question": item.question, **{f"option {k}": v for k, v in item.options.items()}}
        if (text := open_answer(item)) is not None:
            fields["answer"] = text
        fields.update(item.outgoing)
        found = [
            {"field": name, "kind": hit.kind, "start": hit.start, "end": hit.end}
            for name, text in fields.items()
            for hit in scan_phi(text)
        ]
        if found:
            flags.append(CheckFlag("phi", BLOCKING, item.item_id, {"hits": found[:20]}))
    return flags


def phi_redacted(items: Sequence[CheckItem]) -> list[CheckFlag]:
    return [
        CheckFlag("phi_redacted", WARNING, item.item_id, {"kinds": list(item.redacted_phi)})
        for item in items
        if item.redacted_phi
    ]


def run_all(
    items: Sequence[CheckItem], references: dict[str, str] | None = None
) -> list[CheckFlag]:
    """Every check, in the order of the module docstring."""
    flags: list[CheckFlag] = []
    for check in (
        patient_in_two_splits,
        shared_image,
        near_duplicates,
        answer_in_question,
        report_in_question,
    ):
        flags.extend(check(items))
    flags.extend(contamination(items, references or {}))
    flags.extend(blind_baseline(items))
    flags.extend(phi(items))
    flags.extend(phi_redacted(items))
    return flags


CHECK_NAMES: tuple[str, ...] = (
    "patient_in_two_splits",
    "shared_image",
    "near_duplicate",
    "answer_in_question",
    "report_in_question",
    "contamination",
    "blind_baseline",
    "phi",
    "phi_redacted",
)


def blocked_items(flags: Iterable[CheckFlag]) -> set[str]:
    """Items with at least one blocking flag."""
    return {f.item_id for f in flags if f.severity == BLOCKING and f.item_id is not None}
