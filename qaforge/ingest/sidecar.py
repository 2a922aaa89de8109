"""The JSON sidecar beside a NIfTI file: what it may say about the series, and reading it.

``<name>.json`` beside ``<name>.nii.gz`` may give ``SeriesDescription``,
``sequence``, ``view`` and ``study_id``. A sidecar that cannot be read, is not
a JSON object, or gives a value of the wrong type or outside the vocabulary
is refused with a one-line reason.
"""

from __future__ import annotations

import json
from pathlib import Path

from qaforge.domain.series import SEQUENCES, VIEWS
from qaforge.ingest.refusal import Refusal

SIDECAR_KEYS = ("SeriesDescription", "sequence", "view", "study_id")


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar of a NIfTI file: ``a/b.nii.gz`` -> ``a/b.json``."""
    name = path.name
    stem = name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else name[: -len(".nii")]
    return path.with_name(stem + ".json")


def read_sidecar(path: Path) -> dict[str, object] | None | Refusal:
    """Read and check the sidecar of a NIfTI file.

    Args:
        path: The NIfTI file (its sidecar is :func:`sidecar_path`).

    Returns:
        The sidecar's content, None if there is none, or why it is refused.
    """
    sidecar = sidecar_path(path)
    try:
        text = sidecar.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        return Refusal(f"sidecar {sidecar.name} is not UTF-8 (byte offset {exc.start})")
    except OSError as exc:
        return Refusal(
            f"sidecar {sidecar.name} cannot be read ({(exc.strerror or type(exc).__name__).lower()})"
        )
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return Refusal(
            f"sidecar {sidecar.name} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        )
    if not isinstance(content, dict):
        return Refusal(
            f"sidecar {sidecar.name} must be a JSON object, got {type(content).__name__}"
        )
    for key in SIDECAR_KEYS:
        value = content.get(key)
        whole_number = key == "study_id" and isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not isinstance(value, str) and not whole_number:
            return Refusal(
                f"sidecar {sidecar.name}: {key} must be a string, got {type(value).__name__}"
            )
    for key, allowed in (("sequence", SEQUENCES), ("view", VIEWS)):
        value = sidecar_value(content, key)
        if value is not None and value.lower() not in allowed:
            return Refusal(
                f"sidecar {sidecar.name}: {key} {value!r} is not one of {', '.join(allowed)}"
            )
    return content


def sidecar_value(sidecar: dict[str, object] | None, key: str) -> str | None:
    """A sidecar's value as text: stripped, a whole number as digits, None when absent or blank."""
    value = sidecar.get(key) if sidecar else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return (value.strip() or None) if isinstance(value, str) else None
