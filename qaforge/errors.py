"""The one error family of qaforge.

Every error a user can cause (bad paths, bad files, bad settings, a database
that is not initialised) is a :class:`QaforgeError` with a stable code, a
message that names the actual values, and a hint that says the next step.
The CLI prints ``code: message`` and the hint, and exits non-zero, without a
traceback. Messages must never contain report text (PHI) or secrets.

Codes, messages and hints live in one table, :data:`qaforge.error_codes.ERRORS`;
a raise site names the code and fills in the fields::

    raise QaforgeError.of("E501", path=path, problem="is not a YAML mapping")
"""

from __future__ import annotations

from typing import Self

from qaforge.error_codes import ERRORS


class QaforgeError(Exception):
    """A failure the user can act on.

    Made by :meth:`of` from the table of codes, not by calling the class.

    Args:
        code: Stable identifier such as ``"E101"``; documented in docs/errors.md.
        message: What was wrong, with the actual values (never report text).
        hint: The next step for the user.
        fields: The values the message and hint were made from.
    """

    exit_code = 2

    def __init__(
        self, code: str, message: str, hint: str = "", fields: dict[str, object] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.hint = hint
        self.fields = fields or {}

    @classmethod
    def of(cls, code: str, /, **fields: object) -> Self:
        """The error of a code, its message and hint filled in from ``fields``.

        Call it on :class:`QaforgeError` (tests/test_errors.py checks that):
        the table, not the raise site, says which class a code raises.

        Args:
            code: A code of :data:`~qaforge.error_codes.ERRORS`, e.g. ``"E501"``.
            **fields: Exactly the fields its message and hint templates name.

        Returns:
            An instance of the code's class, ready to raise.

        Raises:
            KeyError: The code is not in the table, or a field is missing.
            ValueError: A field is given that the templates do not use.
            TypeError: The code's class is not a subclass of ``cls``.
        """
        if code not in ERRORS:
            raise KeyError(f"{code!r} is not in qaforge.error_codes.ERRORS")
        entry = ERRORS[code]
        missing = sorted(entry.fields - fields.keys())
        if missing:
            raise KeyError(f"{code} needs the field(s) {', '.join(missing)}")
        unknown = sorted(fields.keys() - entry.fields)
        if unknown:
            raise ValueError(f"{code} has no field(s) {', '.join(unknown)}")
        error_class = ERROR_CLASSES[entry.error_class]
        if not issubclass(error_class, cls):
            raise TypeError(f"{code} raises {error_class.__name__}, not {cls.__name__}")
        return error_class(  # type: ignore[return-value]
            code, entry.message.format(**fields), entry.hint.format(**fields), fields
        )


class ConfigError(QaforgeError):
    """Settings, mapping files or rule files are invalid."""


class InputFileError(QaforgeError):
    """An input file or folder cannot be read at all (not a bad row: those are quarantined)."""


class StoreError(QaforgeError):
    """The database cannot be reached, or its schema is missing or out of date."""


class RulesError(ConfigError):
    """A rule file of the extractor is missing or invalid."""


class LabelStudioServerError(QaforgeError):
    """The local Label Studio server is missing, did not start, or refused a user or token."""


ERROR_CLASSES: dict[str, type[QaforgeError]] = {
    error_class.__name__: error_class
    for error_class in (
        QaforgeError,
        ConfigError,
        InputFileError,
        StoreError,
        RulesError,
        LabelStudioServerError,
    )
}
