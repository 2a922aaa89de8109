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

import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import cast

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import Phase, ScannedSeries, Sequence, View
from qaforge.ingest.manifest import (
    ManifestRow,
    SeriesManifest,
    read_series_manifest,
    unmatched_manifest_rows,
)
from qaforge.ingest.nifti import (
    FileDigest,
    NiftiHeader,
    UnreadableSeriesError,
    VoxelSample,
    digest_and_verify,
    read_nifti_header,
)
from qaforge.ingest.refusal import SERIES_STAGE, Refusal
from qaforge.ingest.series_files import (
    SINGLE_PHASE_REASON,
    SkippedSeriesFile,
    count_dicom_files,
    find_series_files,
    skipped_series_files,
)
from qaforge.ingest.series_mapping import SeriesMapping
from qaforge.ingest.series_names import normalise_file_name, normalise_series_name
from qaforge.ingest.series_paths import file_refusal, printable_path
from qaforge.ingest.sidecar import read_sidecar, sidecar_value
from qaforge.settings import SeriesLimits

__all__ = [
    "LABEL_MAP_MAX_VALUES",
    "SINGLE_PHASE_REASON",
    "SeriesManifest",
    "SkippedSeriesFile",
    "count_dicom_files",
    "find_series_files",
    "read_series_manifest",
    "scan_series_file",
    "skipped_series_files",
    "unmatched_manifest_rows",
]

MAX_FOLDERS_LISTED = 8
# Most distinct values a label map has. Public CMR segmentations use 2 to 6
# (UK Biobank, ACDC, M&Ms: background, LV, myocardium, RV; MyoPS and
# CineMyoPS add scar and oedema); 16 leaves room for richer label sets. Real
# MR series show hundreds in a sample (the flattest bundled phantom, a uint8
# T2 stack, shows 96), so an image is not mistaken for one.
LABEL_MAP_MAX_VALUES = 16
_MAPPING_HINT = "add a rule to a mapping file and pass it with --mapping"


def scan_series_file(
    path: Path,
    *,
    root: Path,
    mapping: SeriesMapping,
    known_study_ids: Collection[str],
    manifest: SeriesManifest | None = None,
    limits: SeriesLimits | None = None,
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
        limits: Size limits (default: from the environment); a run over
            many files reads them once and passes them.

    Returns:
        The scanned series, or a quarantine entry (``location`` is the path
        relative to ``root``) with a one-line reason.

    Raises:
        ValueError: If ``path`` is not under ``root`` (a caller's mistake).
    """
    relative = printable_path(path.relative_to(root).as_posix())
    refused = file_refusal(path, root)
    if refused is not None:
        return _quarantine(root, relative, [refused.reason])
    try:
        return _scan_regular_file(
            path, relative, root, mapping, known_study_ids, manifest, limits or SeriesLimits()
        )
    except Exception as exc:  # one unreadable file is quarantined, never the folder stopped
        return _quarantine(root, relative, [f"file cannot be read ({type(exc).__name__})"])


def _scan_regular_file(
    path: Path,
    relative: str,
    root: Path,
    mapping: SeriesMapping,
    known_study_ids: Collection[str],
    manifest: SeriesManifest | None,
    limits: SeriesLimits,
) -> ScannedSeries | QuarantineEntry:
    """:func:`scan_series_file` once the path is known to be a regular file inside ``root``."""
    header, file_digest, problems = _read_and_check(path, limits)
    sidecar = read_sidecar(path, root=root, limits=limits)
    if isinstance(sidecar, Refusal):
        return _quarantine(root, relative, [*problems, sidecar.reason])
    row = manifest.row_for(relative) if manifest is not None else None
    study = _link_study(relative, root, row, sidecar, known_study_ids)
    kind = _classify(relative, row, sidecar, mapping)
    problems += [found.reason for found in (study, kind) if isinstance(found, Refusal)]
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


def _read_and_check(
    path: Path, limits: SeriesLimits
) -> tuple[NiftiHeader | None, FileDigest | None, list[str]]:
    """Read the header, hash and verify the file, and look at its sampled voxels.

    Returns:
        The header and the digest (None where they could not be read), and
        the problems found: an unreadable or incomplete file, a label map.
    """
    problems: list[str] = []
    header: NiftiHeader | None = None
    file_digest: FileDigest | None = None
    try:
        header = read_nifti_header(path)
        over = _over_limits(header, limits)
        if over is not None:
            return header, None, [over]
        file_digest = digest_and_verify(path, header, limits=limits)
    except UnreadableSeriesError as exc:
        problems.append(exc.reason)
    content = _label_map(file_digest.voxels) if file_digest is not None else None
    if content is not None:
        problems.append(content.reason)
    return header, file_digest, problems


def _over_limits(header: NiftiHeader, limits: SeriesLimits) -> str | None:
    """Why a header declares more than the limits allow, checked before any voxel is inflated."""
    voxels = math.prod(header.series.shape)
    if voxels > limits.max_voxels:
        return f"header declares {voxels} voxels, over the limit of {limits.max_voxels} (QAFORGE_MAX_VOXELS)"
    data_bytes = voxels * header.itemsize
    if data_bytes > limits.max_decompressed_bytes:
        return (
            f"header declares {data_bytes} bytes of voxels, over the limit of "
            f"{limits.max_decompressed_bytes} (QAFORGE_MAX_DECOMPRESSED_BYTES)"
        )
    return None


def _label_map(sample: VoxelSample | None) -> Refusal | None:
    """Why sampled voxels are not an image series, or None if they may be one."""
    if sample is None or not sample.integral or sample.distinct > LABEL_MAP_MAX_VALUES:
        return None
    if sample.distinct == 1:
        return Refusal(
            f"blank: every sampled voxel is {sample.low:g} ({sample.size} sampled); "
            "not an image series"
        )
    return Refusal(
        f"label map: integer voxels with {sample.distinct} distinct values "
        f"({sample.low:g}\u2013{sample.high:g}); not an image series"
    )


def _phase(relative: str, mapping: SeriesMapping) -> Phase | None:
    found = mapping.match_phase(normalise_file_name(relative))
    return found.phase if found is not None else None


def _link_study(
    relative: str,
    root: Path,
    row: ManifestRow | None,
    sidecar: dict[str, object] | None,
    known_study_ids: Collection[str],
) -> str | Refusal:
    """The study id, or why there is none."""
    if row is not None:
        claimed, source = row.study_id, f"manifest line {row.line}"
    else:
        claimed, source = sidecar_value(sidecar, "study_id"), "sidecar"
    if claimed is not None:
        if claimed in known_study_ids:
            return claimed
        return Refusal(
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
    return Refusal(
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
) -> _Kind | Refusal:
    """The sequence and view, with what decided them, or why they cannot be decided."""
    name = normalise_series_name(relative, sidecar_value(sidecar, "SeriesDescription"))
    given_sequence, sequence_by = _given(row, sidecar, "sequence")
    sequence = cast(Sequence | None, given_sequence)
    if sequence is None:
        found = mapping.match_sequence(name)
        if found is None:
            return Refusal(
                f"unknown sequence: no rule of the {mapping.source or 'mapping'} matches the "
                f"name {name!r}; {_MAPPING_HINT}, or give sequence in a sidecar or --manifest"
            )
        sequence, sequence_by = cast(Sequence, found.value), found.decided_by
    view, view_by = _given(row, sidecar, "view")
    if view is None:
        found = mapping.match_view(name, sequence)
        if found is None:
            return Refusal(
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
    value = sidecar_value(sidecar, field)
    if value is not None:
        return value.lower(), "sidecar"
    return None, ""


def _quarantine(root: Path, relative: str, problems: list[str]) -> QuarantineEntry:
    return QuarantineEntry(
        stage=SERIES_STAGE,
        source=str(root),
        location=relative,
        reason="; ".join(problems),
    )
