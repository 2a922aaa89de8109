"""What a model is asked (pure): the system prompts, and one item's question as chat messages."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any, Literal

from qaforge.domain.export import ExportRecord

PromptName = Literal["plain", "reasoning"]

PROMPTS: dict[str, str] = {
    "plain": (
        "You are a cardiologist reading cardiac MRI. Answer the question about the images. "
        "For a choice question reply with the letter(s) only; for an open question reply with report text."
    ),
    "reasoning": (
        "You are a cardiologist reading cardiac MRI. Think step by step about the images, then end "
        "with a line 'Answer: <letter(s)>' for a choice question, or give the report text for an open question."
    ),
}


def question_text(record: ExportRecord) -> str:
    """The question, its lettered options one a line, and a note when several may be correct."""
    return format_question(
        record.question, record.options, multiple=record.answer_type == "multiple_choice"
    )


def format_question(question: str, options: dict[str, str], *, multiple: bool) -> str:
    """:func:`question_text` from plain values (also copied into the lmms-eval task's ``utils.py``).

    Args:
        question: The question.
        options: Letter -> option text, in letter order (empty for an open item).
        multiple: Whether several options may be correct.

    Returns:
        The question, then ``"A. text"`` lines, then the note for multiple choice.
    """
    text = question
    if options:
        text += "\n" + "\n".join(f"{letter}. {option}" for letter, option in options.items())
        if multiple:
            text += "\nSeveral options may be correct."
    return text


def chat_messages(
    record: ExportRecord, prompt: str, images: Sequence[bytes]
) -> list[dict[str, Any]]:
    """The chat messages of one item: the system prompt, then the question and its images.

    Args:
        record: The item.
        prompt: A key of :data:`PROMPTS`.
        images: The PNG bytes of the item's images, in rank order.

    Returns:
        OpenAI-style messages, the images as base64 ``data:`` URLs.
    """
    content: list[dict[str, Any]] = [{"type": "text", "text": question_text(record)}]
    for image in images:
        data = base64.b64encode(image).decode()
        content.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}})
    return [{"role": "system", "content": PROMPTS[prompt]}, {"role": "user", "content": content}]
