"""The series manifest: a CSV that names each file's study (and optionally its sequence and view).

Rows are read one by one; a bad row is refused with its line number and the
rest are kept. A row that names no file found under the scanned folder can
be quarantined too (:func:`unmatched_manifest_rows`), so a path written
relative to the wrong folder is not silent.
"""

from __future__ import annotations

import csv
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from qaforge.domain.quarantine import QuarantineEntry, excerpt
from qaforge.domain.series import SEQUENCES, VIEWS, Sequence, View
from qaforge.errors import QaforgeError
from qaforge.ingest.refusal import SERIES_STAGE, Refusal
from qaforge.ingest.text_checks import has_surrogates

MANIFEST_REQUIRED = ("path", "study_id")
MANIFEST_OPTIONAL = ("sequence", "view")


class ManifestRow(BaseModel):
    """One valid manifest row.

    Attributes:
        path: Path relative to the scanned folder, POSIX separators, normalised.
        study_id: The study the file belongs to.
        sequence: Its sequence, if the manifest says.
        view: Its view, if the manifest says.
        line: Line number in the manifest (the header is line 1).
    """

    model_config = ConfigDict(frozen=True)

    path: str
    study_id: str
    sequence: Sequence | None = None
    view: View | None = None
    line: int


class SeriesManifest(BaseModel):
    """The valid rows of a manifest, by path.

    Attributes:
        source: The manifest file.
        rows: Valid rows keyed by their normalised relative path.
    """

    model_config = ConfigDict(frozen=True)

    source: str
    rows: dict[str, ManifestRow]

    def row_for(self, relative_path: str) -> ManifestRow | None:
        """The row for a file's path relative to the scanned folder, if any."""
        return self.rows.get(relative_path)


def read_series_manifest(path: Path) -> tuple[SeriesManifest, list[QuarantineEntry]]:
    """Read a series manifest CSV: ``path,study_id[,sequence,view]``.

    Paths are relative to the scanned folder (``\\`` and a leading ``./`` are
    accepted). A row is refused if it has the wrong number of fields, an
    empty or absolute path, a ``..`` in its path, an empty study id, a
    sequence or view outside the vocabulary, or a path seen on an earlier row.
    Blank lines are skipped.

    Args:
        path: The manifest file.

    Returns:
        The manifest of valid rows, and one quarantine entry per refused row
        (``location`` is ``line N``, the header being line 1).

    Raises:
        InputFileError: E208 if the file cannot be read, E209 if its header
            lacks ``path`` or ``study_id`` or has unknown columns.
    """
    source = str(path)
    rows: dict[str, ManifestRow] = {}
    refused: list[QuarantineEntry] = []
    try:
        # surrogateescape keeps undecodable bytes, so one bad row is refused on
        # its own instead of failing the whole file.
        with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
            reader = csv.reader(handle)
            columns = _manifest_columns(path, next(reader, None))
            for fields in reader:
                line = reader.line_num
                if not any(field.strip() for field in fields):
                    continue
                row = _manifest_row(fields, columns, line)
                if isinstance(row, Refusal):
                    refused.append(_refused_row(source, line, row.reason, fields, columns))
                elif row.path in rows:
                    reason = f"duplicate path {row.path!r} (first at line {rows[row.path].line})"
                    refused.append(_refused_row(source, line, reason, fields, columns))
                else:
                    rows[row.path] = row
    except FileNotFoundError:
        raise QaforgeError.of("E208", path=path, problem="does not exist") from None
    except csv.Error as exc:
        raise QaforgeError.of("E208", path=path, problem=f"is not readable CSV ({exc})") from None
    except OSError as exc:
        raise QaforgeError.of(
            "E208",
            path=path,
            problem=f"cannot be read ({(exc.strerror or type(exc).__name__).lower()})",
        ) from None
    return SeriesManifest(source=source, rows=rows), refused


def _manifest_columns(path: Path, header: list[str] | None) -> list[str]:
    columns = [name.strip() for name in header or []]
    missing = [name for name in MANIFEST_REQUIRED if name not in columns]
    unknown = [name for name in columns if name not in MANIFEST_REQUIRED + MANIFEST_OPTIONAL]
    duplicated = sorted({name for name in columns if columns.count(name) > 1})
    if missing or unknown or duplicated:
        problems = [
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(repr(name) for name in unknown)}" if unknown else "",
            f"repeated {', '.join(duplicated)}" if duplicated else "",
        ]
        raise QaforgeError.of(
            "E209",
            path=path,
            problems="; ".join(p for p in problems if p),
            header=",".join(columns) or "empty file",
        )
    return columns


def _manifest_row(fields: list[str], columns: list[str], line: int) -> ManifestRow | Refusal:
    """A valid row, or why it is refused."""
    if len(fields) != len(columns):
        return Refusal(f"expected {len(columns)} fields ({','.join(columns)}), got {len(fields)}")
    values = {name: value.strip() for name, value in zip(columns, fields, strict=True)}
    if any(has_surrogates(value) for value in values.values()):
        return Refusal("bytes are not valid UTF-8")
    relative = _normalise_relative_path(values["path"])
    if isinstance(relative, Refusal):
        return relative
    if not values["study_id"]:
        return Refusal("empty study_id")
    sequence = values.get("sequence", "").lower() or None
    view = values.get("view", "").lower() or None
    if sequence is not None and sequence not in SEQUENCES:
        return Refusal(f"sequence {values['sequence']!r} is not one of {', '.join(SEQUENCES)}")
    if view is not None and view not in VIEWS:
        return Refusal(f"view {values['view']!r} is not one of {', '.join(VIEWS)}")
    return ManifestRow(
        path=relative, study_id=values["study_id"], sequence=sequence, view=view, line=line
    )


def _normalise_relative_path(raw: str) -> str | Refusal:
    if not raw:
        return Refusal("empty path")
    posix = PurePosixPath(raw.replace("\\", "/"))
    if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
        return Refusal(f"path {raw!r} must be relative to the scanned folder")
    if ".." in posix.parts:
        return Refusal(f"path {raw!r} must not contain '..'")
    return posix.as_posix()


def _refused_row(
    source: str, line: int, reason: str, fields: list[str], columns: list[str]
) -> QuarantineEntry:
    raw = ",".join(fields).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    index = columns.index("path")
    claimed = fields[index].strip()[:200] if index < len(fields) else ""
    if has_surrogates(claimed):
        claimed = ""
    return QuarantineEntry(
        stage=SERIES_STAGE,
        source=source,
        location=f"line {line}",
        reason=reason,
        record_key=claimed or None,
        raw=excerpt(raw),
    )


def unmatched_manifest_rows(
    manifest: SeriesManifest, files: Collection[Path], root: Path
) -> list[QuarantineEntry]:
    """Manifest rows that name no file found under the scanned folder.

    Such a row is most often a path written relative to the wrong folder; the
    caller may quarantine these so that the mistake is not silent.

    Args:
        manifest: The manifest.
        files: The files found by :func:`find_series_files` under ``root``.
        root: The scanned folder.

    Returns:
        One entry per unmatched row (``location`` is ``line N`` of the manifest).
    """
    found = {file.relative_to(root).as_posix() for file in files}
    return [
        QuarantineEntry(
            stage=SERIES_STAGE,
            source=manifest.source,
            location=f"line {row.line}",
            reason=f"no file {row.path!r} under {root} (paths are relative to the scanned folder)",
            record_key=row.path[:200],
        )
        for row in manifest.rows.values()
        if row.path not in found
    ]
