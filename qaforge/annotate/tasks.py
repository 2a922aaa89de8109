"""Label Studio tasks from review items, and verdicts from annotations (pure).

A task's ``data`` holds what the labeling config shows (``annotation/review.xml.j2``)
plus ``qaforge_item_id`` and ``qaforge_task_sha256``: push finds its own
tasks on the server by the first and tells a changed task by the second.
The proposed answer goes in as a prediction, so the answer field is
pre-filled when a radiologist chooses ``correct``.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from qaforge.domain.annotation import VERDICTS, ParsedAnnotation, Purpose, ReviewItem, ReviewSlice
from qaforge.domain.qa import Answer

LOCAL_FILES_URL = "/data/local-files/?d="
SENTENCE_ENDS = ".!?\n"
RETIRED_BANNER = "RETIRED: this item left the benchmark; do not annotate. "


class AnnotationFormatError(ValueError):
    """An annotation's result cannot be read as a verdict (the message says why)."""


def option_value(letter: str, text: str) -> str:
    """The choice value shown for an option: ``"B. Mildly reduced"``."""
    return f"{letter}. {text}"


def shown_answer(item: ReviewItem) -> str:
    """The proposed answer as the radiologist reads it."""
    if item.answer_type == "open_text":
        return str(item.answer)
    letters = item.answer if isinstance(item.answer, list) else [item.answer]
    return "; ".join(option_value(letter, item.options.get(letter, "?")) for letter in letters)


def evidence_sentence(report_text: str, start: int, end: int) -> tuple[int, int]:
    """The bounds of the sentence (or line) around a span of a report."""
    left = start
    while left > 0 and report_text[left - 1] not in SENTENCE_ENDS:
        left -= 1
    right = end
    while right < len(report_text) and report_text[right - 1 : right] not in SENTENCE_ENDS:
        right += 1
    while left < start and report_text[left].isspace():
        left += 1
    return left, right


def evidence_texts(item: ReviewItem) -> list[str]:
    """The plain sentences a task shows (what the PHI scan must read)."""
    texts = []
    for evidence in item.evidence:
        left, right = evidence_sentence(evidence.report_text, evidence.start, evidence.end)
        texts.append(evidence.report_text[left:right])
    return texts


def shown_texts(item: ReviewItem) -> list[str]:
    """Every text the item's task shows: question, options, answer and evidence sentences."""
    return [item.question, *item.options.values(), str(item.answer), *evidence_texts(item)]


def evidence_html(item: ReviewItem) -> str:
    """The evidence sentences as escaped HTML with each finding's span in ``<mark>``."""
    parts = []
    for evidence in item.evidence:
        text = evidence.report_text
        left, right = evidence_sentence(text, evidence.start, evidence.end)
        parts.append(
            "<p>"
            + html.escape(text[left : evidence.start])
            + "<mark>"
            + html.escape(text[evidence.start : evidence.end])
            + "</mark>"
            + html.escape(text[evidence.end : right])
            + "</p>"
        )
    unique = list(dict.fromkeys(parts))
    return "".join(unique) or "<p>(no report evidence)</p>"


def image_url(relative_path: str) -> str:
    """The URL under which Label Studio's local-files storage serves an image."""
    return LOCAL_FILES_URL + quote(relative_path)


def reading_order(slices: Sequence[ReviewSlice]) -> list[ReviewSlice]:
    """Slices in the order a reader pages through them: by series, slice, then frame.

    The benchmark keeps its rank order; the reading view shows a slice's cine
    frames side by side in time order instead.
    """
    return sorted(slices, key=lambda s: (s.series, s.z, s.t, s.rank))


def slice_caption(shown: ReviewSlice, *, series: bool) -> str:
    """The caption over a slice, as the contact sheet writes it: ``"#3 z4 t7"``, ``"#1 z4 t0 ED"``.

    Args:
        shown: The slice.
        series: Name its series (``s2``; the item shows more than one).

    Returns:
        Its rank in the item (from 1), then its slice (z) and frame (t) in the
        series file as stored (from 0), then its cardiac phase if known.
    """
    where = f"s{shown.series + 1} " if series else ""
    phase = f" {shown.phase}" if shown.phase else ""
    return f"#{shown.rank + 1} {where}z{shown.z} t{shown.t}{phase}"


def shown_slices(item: ReviewItem) -> list[dict[str, str]]:
    """What the reading view's slice grid shows: each slice's URL and caption, in reading order.

    An item made from image paths alone (no indices) shows them in rank order.
    """
    if not item.slices:
        return [
            {"url": image_url(path), "caption": f"#{rank + 1}"}
            for rank, path in enumerate(item.image_paths)
        ]
    several_series = len({s.series for s in item.slices}) > 1
    return [
        {"url": image_url(s.path), "caption": slice_caption(s, series=several_series)}
        for s in reading_order(item.slices)
    ]


def task_data(
    item: ReviewItem, *, retired: bool = False, prior_verdicts_html: str = ""
) -> dict[str, Any]:
    """The ``data`` of the item's task, hash included.

    Args:
        item: The item.
        retired: Mark the task as retired (kept with its annotations, shown as retired).
        prior_verdicts_html: For adjudication tasks, the verdicts to adjudicate.

    Returns:
        A JSON-ready dict; ``qaforge_task_sha256`` hashes all other keys.
    """
    header = f"{item.sequence} · {item.tier} · {item.subtask_id} · study {item.study_id}"
    data: dict[str, Any] = {
        "qaforge_item_id": item.item_id,
        "qaforge_state": "retired" if retired else "active",
        "header": (RETIRED_BANNER if retired else "") + header,
        "question": item.question,
        "options_text": "\n".join(option_value(k, v) for k, v in item.options.items()),
        "option_choices": [{"value": option_value(k, v)} for k, v in item.options.items()],
        "proposed_answer": shown_answer(item),
        "evidence_html": evidence_html(item),
        "images": [image_url(path) for path in item.image_paths],
        "slices": shown_slices(item),
        "subtask": item.subtask_id,
        "priority": "conflict" if item.conflict else "normal",
    }
    if prior_verdicts_html:
        data["prior_verdicts_html"] = prior_verdicts_html
    data["qaforge_task_sha256"] = task_sha256(data)
    return data


def withdrawn_task_data(item_id: str, reason: str) -> dict[str, Any]:
    """The data that replaces a task whose item may no longer be shown (blocked by a check).

    None of the item's text or images stay on the task; its annotations do.
    """
    data: dict[str, Any] = {
        "qaforge_item_id": item_id,
        "qaforge_state": "retired",
        "header": f"WITHDRAWN: {reason}; do not annotate.",
        "question": "(withdrawn)",
        "options_text": "",
        "option_choices": [],
        "proposed_answer": "",
        "evidence_html": "<p>(withdrawn)</p>",
        "images": [],
        "slices": [],
        "subtask": "",
        "priority": "normal",
    }
    data["qaforge_task_sha256"] = task_sha256(data)
    return data


def task_sha256(data: Mapping[str, Any]) -> str:
    """Hash of a task's data without its own hash key."""
    body = {k: v for k, v in data.items() if k != "qaforge_task_sha256"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prediction(item: ReviewItem) -> dict[str, Any]:
    """The proposed answer as a Label Studio prediction (pre-fills the answer field)."""
    if item.answer_type == "open_text":
        value: dict[str, Any] = {"text": [str(item.answer)]}
        kind = "textarea"
    else:
        letters = item.answer if isinstance(item.answer, list) else [item.answer]
        value = {"choices": [option_value(x, item.options.get(x, "?")) for x in letters]}
        kind = "choices"
    return {
        "model_version": item.model_version,
        "score": 1.0,
        "result": [{"from_name": "answer", "to_name": "question", "type": kind, "value": value}],
    }


def queue_order(items: Sequence[ReviewItem]) -> list[ReviewItem]:
    """Items in the order radiologists should see them.

    Items resting on a rules/LLM conflict first, then rarer subtasks
    before common ones, then by subtask, study and id.
    """
    per_subtask = Counter(item.subtask_id for item in items)
    return sorted(
        items,
        key=lambda i: (
            not i.conflict,
            per_subtask[i.subtask_id],
            i.subtask_id,
            i.study_id,
            i.item_id,
        ),
    )


def parse_annotation(
    result: Iterable[Mapping[str, Any]], *, options: Mapping[str, str], answer_type: str
) -> ParsedAnnotation:
    """Read a verdict from an annotation's ``result`` list.

    Args:
        result: The annotation's result entries (``from_name``, ``value``).
        options: The item's options (letter -> text), to map chosen values back to letters.
        answer_type: The item's answer type.

    Returns:
        The verdict, corrected answer (letters or text), reject reason and comment.

    Raises:
        AnnotationFormatError: No verdict, an unknown verdict, ``correct``
            without a usable answer, or a choice that is not an option.
    """
    fields: dict[str, dict[str, Any]] = {}
    for entry in result:
        name = entry.get("from_name")
        if isinstance(name, str) and isinstance(entry.get("value"), dict):
            fields[name] = entry["value"]
    verdict_choices = fields.get("verdict", {}).get("choices") or []
    if not verdict_choices:
        raise AnnotationFormatError("no verdict chosen")
    verdict = verdict_choices[0]
    if verdict not in VERDICTS:
        raise AnnotationFormatError(f"unknown verdict {verdict!r}")
    comment = _text(fields.get("comment")) or None
    if verdict == "reject":
        reasons = fields.get("reject_reason", {}).get("choices") or []
        return ParsedAnnotation(
            verdict="reject", reject_reason=reasons[0] if reasons else None, comment=comment
        )
    if verdict == "accept":
        return ParsedAnnotation(verdict="accept", comment=comment)
    corrected = _answer(fields.get("answer"), options, answer_type)
    return ParsedAnnotation(verdict="correct", corrected_answer=corrected, comment=comment)


def _text(value: Mapping[str, Any] | None) -> str:
    if not value:
        return ""
    text = value.get("text") or []
    if isinstance(text, str):
        return text.strip()
    return "\n".join(str(t) for t in text).strip()


def _answer(
    value: Mapping[str, Any] | None, options: Mapping[str, str], answer_type: str
) -> Answer:
    if answer_type == "open_text":
        text = _text(value)
        if not text:
            raise AnnotationFormatError("verdict 'correct' without a corrected answer")
        return text
    by_value = {option_value(k, v): k for k, v in options.items()}
    chosen = (value or {}).get("choices") or []
    if not chosen:
        raise AnnotationFormatError("verdict 'correct' without a corrected answer")
    letters = []
    for choice in chosen:
        if choice not in by_value:
            raise AnnotationFormatError(
                f"corrected answer {choice!r} is not one of the item's options"
            )
        letters.append(by_value[choice])
    if answer_type == "multiple_choice":
        return sorted(set(letters))
    if len(letters) != 1:
        raise AnnotationFormatError("a single-choice item corrected with several answers")
    return letters[0]


TITLE_PURPOSE = {"review": "review", "adjudication": "adjudicate"}
TITLE_ANSWER_TYPE = {"single_choice": "single", "multiple_choice": "multiple", "open_text": "open"}
MAX_TITLE = 50
"""Label Studio refuses longer project titles."""
MAX_NAME = MAX_TITLE - len(" · adjudicate · multiple")


def purpose_title(name: str, purpose: Purpose, answer_type: str) -> str:
    """The title of one of qaforge's projects, e.g. ``"qaforge · review · single"``."""
    return f"{name} · {TITLE_PURPOSE[purpose]} · {TITLE_ANSWER_TYPE[answer_type]}"
