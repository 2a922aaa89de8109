"""Removing secrets from a server's text before it is stored, written or printed.

One function, :func:`redact`, used wherever text that came from a server (an
answer, an error body, an exception message) is kept: a server may echo the
request's ``Authorization`` header or the API key back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "[redacted]"
_BEARER = re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=\-]+")


def redact(text: str | None, secrets: Iterable[str | None] = ()) -> str | None:
    """The text with every secret and every ``Bearer …`` token replaced by ``[redacted]``.

    Args:
        text: A server's text (``None`` passes through).
        secrets: Literal secrets to remove (empty or ``None`` ones are skipped).

    Returns:
        The text without them.
    """
    if not text:
        return text
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return _BEARER.sub(f"Bearer {REDACTED}", text)
