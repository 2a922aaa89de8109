"""The JSON sidecar beside a NIfTI file: what it may say about the series, and reading it.

``<name>.json`` beside ``<name>.nii.gz`` may give ``SeriesDescription``,
``sequence``, ``view`` and ``study_id``. A sidecar that cannot be read, is not
a JSON object, or gives a value of the wrong type or outside the vocabulary
is refused with a one-line reason.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import sys
from pathlib import Path

from qaforge.domain.series import SEQUENCES, VIEWS
from qaforge.ingest.refusal import Refusal
from qaforge.ingest.series_paths import file_refusal, printable_path
from qaforge.ingest.text_checks import Unstorable, unstorable_text
from qaforge.settings import SeriesLimits

SIDECAR_KEYS = ("SeriesDescription", "sequence", "view", "study_id")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")
_UNSTORABLE: dict[Unstorable, str] = {
    "nul": "holds a NUL character (\\u0000), which cannot be stored",
    "surrogate": "is not valid UTF-8 (a lone surrogate escape), which cannot be stored",
}


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar of a NIfTI file: ``a/b.nii.gz`` -> ``a/b.json``."""
    name = path.name
    stem = name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else name[: -len(".nii")]
    return path.with_name(stem + ".json")


def read_sidecar(
    path: Path, *, root: Path | None = None, limits: SeriesLimits | None = None
) -> dict[str, object] | None | Refusal:
    """Read and check the sidecar of a NIfTI file.

    Nothing is read from a sidecar that is not a regular file inside ``root``
    or is over ``max_sidecar_bytes``; nothing is parsed that nests deeper than
    ``max_json_depth``. Any failure of one sidecar is a refusal, never an error.

    Args:
        path: The NIfTI file (its sidecar is :func:`sidecar_path`).
        root: The scanned folder (a symlinked sidecar must stay inside it);
            the NIfTI file's folder if None.
        limits: Size limits (default: from the environment).

    Returns:
        The sidecar's content, None if there is none, or why it is refused.
    """
    sidecar = sidecar_path(path)
    if not os.path.lexists(sidecar):
        return None
    limits = limits or SeriesLimits()
    what = f"sidecar {printable_path(sidecar.name)}"
    refused = file_refusal(sidecar, root if root is not None else path.parent, what=what)
    if refused is not None:
        return refused
    try:
        text = _sidecar_text(sidecar, what, limits)
        return text if isinstance(text, Refusal) else _sidecar_content(text, what, limits)
    except Exception as exc:  # one bad sidecar refuses its series, never the folder
        return Refusal(f"{what} cannot be read ({type(exc).__name__})")


def _sidecar_text(sidecar: Path, what: str, limits: SeriesLimits) -> str | Refusal:
    """The sidecar's text, read only if it is within the size limit."""
    try:
        size = sidecar.stat().st_size
        if size > limits.max_sidecar_bytes:
            return Refusal(
                f"{what} has {size} bytes, over the limit of {limits.max_sidecar_bytes} "
                "(QAFORGE_MAX_SIDECAR_BYTES)"
            )
        with sidecar.open("rb") as handle:
            raw = handle.read(limits.max_sidecar_bytes + 1)
    except OSError as exc:
        return Refusal(f"{what} cannot be read ({(exc.strerror or type(exc).__name__).lower()})")
    if len(raw) > limits.max_sidecar_bytes:  # grew after the stat
        return Refusal(
            f"{what} is over the limit of {limits.max_sidecar_bytes} (QAFORGE_MAX_SIDECAR_BYTES)"
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Refusal(f"{what} is not UTF-8 (byte offset {exc.start})")


def _sidecar_content(text: str, what: str, limits: SeriesLimits) -> dict[str, object] | Refusal:
    """The parsed and checked sidecar, or why it is refused."""
    if json_text_depth(text) > limits.max_json_depth:
        return Refusal(
            f"{what} is nested deeper than the limit of {limits.max_json_depth} "
            "(QAFORGE_MAX_JSON_DEPTH)"
        )
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return Refusal(
            f"{what} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        )
    except ValueError:
        # int() refuses more than sys.get_int_max_str_digits() digits (CVE-2020-10735)
        return Refusal(f"{what}: a number has more than {sys.get_int_max_str_digits()} digits")
    if not isinstance(content, dict):
        return Refusal(f"{what} must be a JSON object, got {type(content).__name__}")
    unstorable = _unstorable_text(content)
    if unstorable is not None:
        return Refusal(f"{what} {unstorable}")
    return _checked_fields(content, what)


def _checked_fields(content: dict[str, object], what: str) -> dict[str, object] | Refusal:
    for key in SIDECAR_KEYS:
        value = content.get(key)
        whole_number = key == "study_id" and isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not isinstance(value, str) and not whole_number:
            return Refusal(f"{what}: {key} must be a string, got {type(value).__name__}")
    for key, allowed in (("sequence", SEQUENCES), ("view", VIEWS)):
        value = sidecar_value(content, key)
        if value is not None and value.lower() not in allowed:
            return Refusal(f"{what}: {key} {value!r} is not one of {', '.join(allowed)}")
    return content


def json_text_depth(text: str) -> int:
    """Deepest nesting of arrays and objects in JSON text, counted without parsing it.

    Brackets inside strings do not count; for text that is not JSON the count
    is a bound, never an error.
    """
    outside_strings = _JSON_STRING.sub("", text)
    steps = (1 if ch in "[{" else -1 for ch in _JSON_BRACKET.findall(outside_strings))
    return max(itertools.accumulate(steps, initial=0))


def _unstorable_text(content: dict[str, object]) -> str | None:
    """Why a parsed sidecar's keys or strings cannot be stored (NUL, lone surrogate), or None."""
    stack: list[object] = [content]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str) and (problem := unstorable_text(item)) is not None:
            return _UNSTORABLE[problem]
    return None


def sidecar_value(sidecar: dict[str, object] | None, key: str) -> str | None:
    """A sidecar's value as text: stripped, a whole number as digits, None when absent or blank."""
    value = sidecar.get(key) if sidecar else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return (value.strip() or None) if isinstance(value, str) else None
