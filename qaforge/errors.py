"""The one error family of qaforge.

Every error a user can cause (bad paths, bad files, bad settings, a database
that is not initialised) is a :class:`QaforgeError` with a stable code, a
message that names the actual values, and a hint that says the next step.
The CLI prints ``code: message`` and the hint, and exits non-zero, without a
traceback. Messages must never contain report text (PHI) or secrets.
"""

from __future__ import annotations


class QaforgeError(Exception):
    """A failure the user can act on.

    Args:
        code: Stable identifier such as ``"E101"``; documented in docs/errors.md.
        message: What was wrong, with the actual values (never report text).
        hint: The next step for the user.
    """

    exit_code = 2

    def __init__(self, code: str, message: str, hint: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.hint = hint


class ConfigError(QaforgeError):
    """Settings, mapping files or rule files are invalid."""


class InputFileError(QaforgeError):
    """An input file or folder cannot be read at all (not a bad row: those are quarantined)."""


class StoreError(QaforgeError):
    """The database cannot be reached, or its schema is missing or out of date."""
