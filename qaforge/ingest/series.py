"""Scanning a folder of NIfTI series: find, skip what is not a series, link, classify, check.

Pure of the database: the caller passes the study ids it knows and stores
what comes back. :func:`skipped_series_files` first sets aside, by name only,
the files that are not series (segmentations, labels, single phases cut from
a cine in the same folder); every other file comes out of
:func:`scan_series_file` as exactly one :class:`ScannedSeries` or one
:class:`QuarantineEntry`; a bad file never raises. Files whose voxels look
like a label map are quarantined whatever their name.

Where the facts come from, first source wins:

- study: the manifest row, the sidecar's ``study_id``, the nearest enclosing
  folder (innermost first, the scanned folder itself last) whose name is a
  known study id;
- sequence: the manifest, the sidecar, the mapping's rules;
- view: the manifest, the sidecar, the mapping's rules, the mapping's
  ``default_view`` for the sequence.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import cast

from pydantic import BaseModel, ConfigDict

from qaforge.domain.quarantine import QuarantineEntry, excerpt
from qaforge.domain.series import SEQUENCES, VIEWS, Phase, ScannedSeries, Sequence, View
from qaforge.errors import InputFileError
from qaforge.ingest.nifti import (
    FileDigest,
    NiftiHeader,
    UnreadableSeriesError,
    VoxelSample,
    digest_and_verify,
    read_nifti_header,
)
from qaforge.ingest.series_mapping import (
    SeriesMapping,
    normalise_file_name,
    normalise_series_name,
)

STAGE = "ingest_series"
NIFTI_SUFFIXES = (".nii", ".nii.gz")
MANIFEST_REQUIRED = ("path", "study_id")
MANIFEST_OPTIONAL = ("sequence", "view")
SIDECAR_KEYS = ("SeriesDescription", "sequence", "view", "study_id")
MAX_FOLDERS_LISTED = 8
SINGLE_PHASE_REASON = "single phase of a cine in the same folder"
# Most distinct values a label map has. Public CMR segmentations use 2 to 6
# (UK Biobank, ACDC, M&Ms: background, LV, myocardium, RV; MyoPS and
# CineMyoPS add scar and oedema); 16 leaves room for richer label sets. Real
# MR series show hundreds in a sample (the flattest bundled phantom, a uint8
# T2 stack, shows 96), so an image is not mistaken for one.
LABEL_MAP_MAX_VALUES = 16
_MAPPING_HINT = "add a rule to a mapping file and pass it with --mapping"


@dataclass(frozen=True)
class _Refusal:
    """Why something is refused (one line)."""

    reason: str


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


class SkippedSeriesFile(BaseModel):
    """A file that is not a series, set aside by its name without being read.

    Attributes:
        path: Path relative to the scanned folder, POSIX separators.
        reason: What it is counted under, e.g. ``"segmentation or label file"``
            or :data:`SINGLE_PHASE_REASON`.
        detail: Why this file, e.g. ``"single phase of ukbb-1/la_2ch.nii.gz"`` or
            ``"mapping skip rule 2 (\\bgt\\b)"``.
    """

    model_config = ConfigDict(frozen=True)

    path: str
    reason: str
    detail: str


def find_series_files(root: Path) -> list[Path]:
    """List the NIfTI files under a folder.

    Searches recursively for ``.nii`` and ``.nii.gz`` files (any case),
    skipping hidden folders and hidden files (names starting with ``.``, such
    as the ``._name.nii.gz`` files macOS leaves on shared drives).

    Args:
        root: The folder to scan.

    Returns:
        The files, sorted by their path relative to ``root``.

    Raises:
        InputFileError: E205 if ``root`` does not exist, E206 if it is not a
            folder, E207 if a folder under it cannot be listed.
    """
    if not root.exists():
        raise InputFileError(
            "E205", f"series folder {root} does not exist", "check the folder path"
        )
    if not root.is_dir():
        raise InputFileError(
            "E206",
            f"{root} is not a folder",
            "give the folder that holds the .nii / .nii.gz files (it is searched recursively)",
        )

    def refuse(exc: OSError) -> None:
        raise InputFileError(
            "E207",
            f"cannot list folder {exc.filename} ({(exc.strerror or type(exc).__name__).lower()})",
            "fix the folder's permissions, or move it out of the scanned folder",
        )

    found: list[Path] = []
    for folder, subfolders, files in os.walk(root, onerror=refuse):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        found.extend(
            Path(folder, name)
            for name in files
            if not name.startswith(".") and name.lower().endswith(NIFTI_SUFFIXES)
        )
    return sorted(found, key=lambda path: path.relative_to(root).as_posix())


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
                if isinstance(row, _Refusal):
                    refused.append(_refused_row(source, line, row.reason, fields, columns))
                elif row.path in rows:
                    reason = f"duplicate path {row.path!r} (first at line {rows[row.path].line})"
                    refused.append(_refused_row(source, line, reason, fields, columns))
                else:
                    rows[row.path] = row
    except FileNotFoundError:
        raise InputFileError(
            "E208", f"manifest {path} does not exist", "check the --manifest path"
        ) from None
    except csv.Error as exc:
        raise InputFileError(
            "E208", f"manifest {path} is not readable CSV ({exc})", "save it as a UTF-8 CSV file"
        ) from None
    except OSError as exc:
        raise InputFileError(
            "E208",
            f"manifest {path} cannot be read ({(exc.strerror or type(exc).__name__).lower()})",
            "check the --manifest path and its permissions",
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
        raise InputFileError(
            "E209",
            f"manifest {path} header has {'; '.join(p for p in problems if p)} "
            f"(header: {','.join(columns) or 'empty file'})",
            "the first line must be path,study_id optionally followed by sequence,view",
        )
    return columns


def _manifest_row(fields: list[str], columns: list[str], line: int) -> ManifestRow | _Refusal:
    """A valid row, or why it is refused."""
    if len(fields) != len(columns):
        return _Refusal(f"expected {len(columns)} fields ({','.join(columns)}), got {len(fields)}")
    values = {name: value.strip() for name, value in zip(columns, fields, strict=True)}
    if any(_has_surrogates(value) for value in values.values()):
        return _Refusal("bytes are not valid UTF-8")
    relative = _normalise_relative_path(values["path"])
    if isinstance(relative, _Refusal):
        return relative
    if not values["study_id"]:
        return _Refusal("empty study_id")
    sequence = values.get("sequence", "").lower() or None
    view = values.get("view", "").lower() or None
    if sequence is not None and sequence not in SEQUENCES:
        return _Refusal(f"sequence {values['sequence']!r} is not one of {', '.join(SEQUENCES)}")
    if view is not None and view not in VIEWS:
        return _Refusal(f"view {values['view']!r} is not one of {', '.join(VIEWS)}")
    return ManifestRow(
        path=relative, study_id=values["study_id"], sequence=sequence, view=view, line=line
    )


def _normalise_relative_path(raw: str) -> str | _Refusal:
    if not raw:
        return _Refusal("empty path")
    posix = PurePosixPath(raw.replace("\\", "/"))
    if posix.is_absolute() or (posix.parts and posix.parts[0].endswith(":")):
        return _Refusal(f"path {raw!r} must be relative to the scanned folder")
    if ".." in posix.parts:
        return _Refusal(f"path {raw!r} must not contain '..'")
    return posix.as_posix()


def _has_surrogates(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _refused_row(
    source: str, line: int, reason: str, fields: list[str], columns: list[str]
) -> QuarantineEntry:
    raw = ",".join(fields).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    index = columns.index("path")
    claimed = fields[index].strip()[:200] if index < len(fields) else ""
    if _has_surrogates(claimed):
        claimed = ""
    return QuarantineEntry(
        stage=STAGE,
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
            stage=STAGE,
            source=manifest.source,
            location=f"line {row.line}",
            reason=f"no file {row.path!r} under {root} (paths are relative to the scanned folder)",
            record_key=row.path[:200],
        )
        for row in manifest.rows.values()
        if row.path not in found
    ]


def skipped_series_files(
    files: Collection[Path],
    *,
    root: Path,
    mapping: SeriesMapping,
    manifest: SeriesManifest | None = None,
) -> dict[Path, SkippedSeriesFile]:
    """Set aside, by name only, the files that are not series.

    A file is skipped if its name (see
    :func:`~qaforge.ingest.series_mapping.normalise_file_name`) matches one of
    the mapping's ``skip`` rules, or if it is a single phase (its name matches
    one of the ``phases`` rules) and the cine it was cut from is in the same
    folder: a file that has no phase token, is not skipped, and has the same
    :meth:`~qaforge.ingest.series_mapping.SeriesMapping.cine_key`. A file named
    in the manifest is never skipped: the manifest says it is a series.

    Args:
        files: The files found by :func:`find_series_files` under ``root``.
        root: The scanned folder.
        mapping: The mapping, with its skip and phase rules.
        manifest: The manifest, if one was given.

    Returns:
        The skipped files, each with why.
    """
    relatives = {file: file.relative_to(root).as_posix() for file in files}
    names = {file: normalise_file_name(relative) for file, relative in relatives.items()}
    listed = set(manifest.rows) if manifest is not None else set()
    skipped: dict[Path, SkippedSeriesFile] = {}
    for file, relative in relatives.items():
        found = mapping.match_skip(names[file]) if relative not in listed else None
        if found is not None:
            skipped[file] = SkippedSeriesFile(
                path=relative, reason=found.value, detail=found.decided_by
            )
    cines: dict[tuple[str, str], str] = {}
    for file, relative in relatives.items():
        if file not in skipped and mapping.match_phase(names[file]) is None:
            cines.setdefault(_cine_slot(relative, names[file], mapping), relative)
    for file, relative in relatives.items():
        if file in skipped or relative in listed or mapping.match_phase(names[file]) is None:
            continue
        cine = cines.get(_cine_slot(relative, names[file], mapping))
        if cine is not None:
            skipped[file] = SkippedSeriesFile(
                path=relative, reason=SINGLE_PHASE_REASON, detail=f"single phase of {cine}"
            )
    return skipped


def _cine_slot(relative: str, name: str, mapping: SeriesMapping) -> tuple[str, str]:
    """Folder and cine key: a cut phase and its cine share both."""
    return PurePosixPath(relative).parent.as_posix(), mapping.cine_key(name)


def scan_series_file(
    path: Path,
    *,
    root: Path,
    mapping: SeriesMapping,
    known_study_ids: Collection[str],
    manifest: SeriesManifest | None = None,
) -> ScannedSeries | QuarantineEntry:
    """Read, check, link and classify one NIfTI file.

    Reads the optional JSON sidecar (``<name>.json`` beside ``<name>.nii.gz``),
    the header (without the voxels), then hashes the file, checks it is
    complete and samples its voxels in one pass. A file whose sampled voxels
    are all whole numbers with at most :data:`LABEL_MAP_MAX_VALUES` distinct
    values is a label map (or blank), not an image series, whatever its name.
    Every problem found is reported, joined by ``"; "``. A name with a phase
    token (``sa_ED``) gives the series' ``phase``.

    Args:
        path: The file, as found by :func:`find_series_files` under ``root``.
        root: The scanned folder.
        mapping: The classification mapping.
        known_study_ids: Study ids in the store; a series must link to one.
        manifest: The manifest, if one was given.

    Returns:
        The scanned series, or a quarantine entry (``location`` is the path
        relative to ``root``) with a one-line reason.

    Raises:
        ValueError: If ``path`` is not under ``root`` (a caller's mistake).
    """
    relative = path.relative_to(root).as_posix()
    problems: list[str] = []
    header: NiftiHeader | None = None
    file_digest: FileDigest | None = None
    try:
        header = read_nifti_header(path)
        file_digest = digest_and_verify(path, header)
    except UnreadableSeriesError as exc:
        problems.append(exc.reason)
    content = _label_map(file_digest.voxels) if file_digest is not None else None
    if content is not None:
        problems.append(content.reason)
    sidecar = _read_sidecar(path)
    row = manifest.row_for(relative) if manifest is not None else None
    if isinstance(sidecar, _Refusal):
        problems.append(sidecar.reason)
        return _quarantine(root, relative, problems)
    study = _link_study(relative, root, row, sidecar, known_study_ids)
    kind = _classify(relative, row, sidecar, mapping)
    problems += [found.reason for found in (study, kind) if isinstance(found, _Refusal)]
    if problems:
        return _quarantine(root, relative, problems)
    assert header is not None and file_digest is not None
    assert isinstance(study, str) and isinstance(kind, _Kind)
    return ScannedSeries(
        path=relative,
        absolute_path=str(path.absolute()),
        sha256=file_digest.sha256,
        size_bytes=file_digest.size_bytes,
        study_id=study,
        sequence=kind.sequence,
        view=kind.view,
        classified_by=kind.decided_by,
        header=header.series,
        sidecar=sidecar,
        phase=_phase(relative, mapping),
    )


def _label_map(sample: VoxelSample | None) -> _Refusal | None:
    """Why sampled voxels are not an image series, or None if they may be one."""
    if sample is None or not sample.integral or sample.distinct > LABEL_MAP_MAX_VALUES:
        return None
    if sample.distinct == 1:
        return _Refusal(
            f"blank: every sampled voxel is {sample.low:g} ({sample.size} sampled); "
            "not an image series"
        )
    return _Refusal(
        f"label map: integer voxels with {sample.distinct} distinct values "
        f"({sample.low:g}\u2013{sample.high:g}); not an image series"
    )


def _phase(relative: str, mapping: SeriesMapping) -> Phase | None:
    found = mapping.match_phase(normalise_file_name(relative))
    return found.phase if found is not None else None


def sidecar_path(path: Path) -> Path:
    """The JSON sidecar of a NIfTI file: ``a/b.nii.gz`` -> ``a/b.json``."""
    name = path.name
    stem = name[: -len(".nii.gz")] if name.lower().endswith(".nii.gz") else name[: -len(".nii")]
    return path.with_name(stem + ".json")


def _read_sidecar(path: Path) -> dict[str, object] | None | _Refusal:
    """The sidecar's content, None if there is none, or why it is refused."""
    sidecar = sidecar_path(path)
    try:
        text = sidecar.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as exc:
        return _Refusal(f"sidecar {sidecar.name} is not UTF-8 (byte offset {exc.start})")
    except OSError as exc:
        return _Refusal(
            f"sidecar {sidecar.name} cannot be read ({(exc.strerror or type(exc).__name__).lower()})"
        )
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return _Refusal(
            f"sidecar {sidecar.name} is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        )
    if not isinstance(content, dict):
        return _Refusal(
            f"sidecar {sidecar.name} must be a JSON object, got {type(content).__name__}"
        )
    for key in SIDECAR_KEYS:
        value = content.get(key)
        whole_number = key == "study_id" and isinstance(value, int) and not isinstance(value, bool)
        if value is not None and not isinstance(value, str) and not whole_number:
            return _Refusal(
                f"sidecar {sidecar.name}: {key} must be a string, got {type(value).__name__}"
            )
    for key, allowed in (("sequence", SEQUENCES), ("view", VIEWS)):
        value = _sidecar_value(content, key)
        if value is not None and value.lower() not in allowed:
            return _Refusal(
                f"sidecar {sidecar.name}: {key} {value!r} is not one of {', '.join(allowed)}"
            )
    return content


def _sidecar_value(sidecar: dict[str, object] | None, key: str) -> str | None:
    value = sidecar.get(key) if sidecar else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return (value.strip() or None) if isinstance(value, str) else None


def _link_study(
    relative: str,
    root: Path,
    row: ManifestRow | None,
    sidecar: dict[str, object] | None,
    known_study_ids: Collection[str],
) -> str | _Refusal:
    """The study id, or why there is none."""
    if row is not None:
        claimed, source = row.study_id, f"manifest line {row.line}"
    else:
        claimed, source = _sidecar_value(sidecar, "study_id"), "sidecar"
    if claimed is not None:
        if claimed in known_study_ids:
            return claimed
        return _Refusal(
            f"{source} links to study {claimed!r}, which is not stored; "
            "ingest its reports first, or fix the study id"
        )
    folders = list(reversed(PurePosixPath(relative).parts[:-1]))
    if root.absolute().name:
        folders.append(root.absolute().name)
    for name in folders:
        if name in known_study_ids:
            return name
    tried = ", ".join(repr(name) for name in folders[:MAX_FOLDERS_LISTED]) or "(none)"
    if len(folders) > MAX_FOLDERS_LISTED:
        tried += f" and {len(folders) - MAX_FOLDERS_LISTED} more"
    return _Refusal(
        f"no study found: none of the folders {tried} is a stored study id; "
        "ingest the reports first, or give study_id in a sidecar or --manifest"
    )


@dataclass(frozen=True)
class _Kind:
    sequence: Sequence
    view: View
    decided_by: str


def _classify(
    relative: str,
    row: ManifestRow | None,
    sidecar: dict[str, object] | None,
    mapping: SeriesMapping,
) -> _Kind | _Refusal:
    """The sequence and view, with what decided them, or why they cannot be decided."""
    name = normalise_series_name(relative, _sidecar_value(sidecar, "SeriesDescription"))
    given_sequence, sequence_by = _given(row, sidecar, "sequence")
    sequence = cast(Sequence | None, given_sequence)
    if sequence is None:
        found = mapping.match_sequence(name)
        if found is None:
            return _Refusal(
                f"unknown sequence: no rule of the {mapping.source or 'mapping'} matches the "
                f"name {name!r}; {_MAPPING_HINT}, or give sequence in a sidecar or --manifest"
            )
        sequence, sequence_by = cast(Sequence, found.value), found.decided_by
    view, view_by = _given(row, sidecar, "view")
    if view is None:
        found = mapping.match_view(name, sequence)
        if found is None:
            return _Refusal(
                f"no view for this {sequence} series: no rule of the {mapping.source or 'mapping'} "
                f"gives a view for the name {name!r} and it has no default_view for {sequence}; "
                f"{_MAPPING_HINT}, or give view in a sidecar or --manifest"
            )
        view, view_by = found.value, found.decided_by
    decided_by = (
        sequence_by if sequence_by == view_by else f"sequence: {sequence_by}; view: {view_by}"
    )
    return _Kind(sequence=sequence, view=cast(View, view), decided_by=decided_by)


def _given(
    row: ManifestRow | None, sidecar: dict[str, object] | None, field: str
) -> tuple[str | None, str]:
    """A sequence or view set explicitly by the manifest or the sidecar."""
    if row is not None and getattr(row, field) is not None:
        return getattr(row, field), "manifest"
    value = _sidecar_value(sidecar, field)
    if value is not None:
        return value.lower(), "sidecar"
    return None, ""


def _quarantine(root: Path, relative: str, problems: list[str]) -> QuarantineEntry:
    return QuarantineEntry(
        stage=STAGE,
        source=str(root),
        location=relative,
        reason="; ".join(problems),
    )
