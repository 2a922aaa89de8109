"""Checks that read text can be stored and printed: lone surrogates.

Lone surrogates (U+D800-U+DFFF) reach ingest two ways: undecodable bytes of
a file or a name read with ``errors="surrogateescape"`` (always
U+DC80-U+DCFF), and JSON escapes such as ``"\\ud800"`` (any of them). UTF-8
cannot encode one, so no database can store it and no console can print it.
"""

from __future__ import annotations

import re

_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (an undecodable byte or a bad escape).

    Args:
        text: Any text.

    Returns:
        True if any character is in U+D800-U+DFFF.
    """
    return _SURROGATE.search(text) is not None
