"""Checks that read text can be stored and printed: lone surrogates and NUL.

Lone surrogates (U+D800-U+DFFF) reach ingest two ways: undecodable bytes of
a file or a name read with ``errors="surrogateescape"`` (always
U+DC80-U+DCFF), and JSON escapes such as ``"\\ud800"`` (any of them). UTF-8
cannot encode one, so no database can store it and no console can print it.
A NUL character (from a ``"\\u0000"`` escape) PostgreSQL refuses in text; it
is refused on every backend alike.
"""

from __future__ import annotations

import re
from typing import Literal

_SURROGATE = re.compile("[\ud800-\udfff]")
# The surrogates no undecodable byte gives under surrogateescape: a bad escape.
_NOT_UNDECODABLE = re.compile("[\ud800-\udc7f\udd00-\udfff]")

Unstorable = Literal["surrogate", "nul"]


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (an undecodable byte or a bad escape).

    Args:
        text: Any text.

    Returns:
        True if any character is in U+D800-U+DFFF.
    """
    return _SURROGATE.search(text) is not None


def unstorable_text(text: str, *, undecodable_ok: bool = False) -> Unstorable | None:
    """What in ``text`` no database can store as text, or None; each caller words the reason.

    Args:
        text: Any text.
        undecodable_ok: Pass over U+DC80-U+DCFF, the undecodable bytes of
            surrogateescape, for a caller that refuses those with a reason of its own.

    Returns:
        ``"surrogate"`` for a lone surrogate, else ``"nul"`` for a NUL
        character, else None.
    """
    surrogate = _NOT_UNDECODABLE if undecodable_ok else _SURROGATE
    if surrogate.search(text):
        return "surrogate"
    if "\x00" in text:
        return "nul"
    return None
