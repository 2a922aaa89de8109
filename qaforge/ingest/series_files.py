"""Which files under a folder are series: find the NIfTI files, set aside by name those that are not.

A file is set aside without being read when its name matches a ``skip`` rule
of the mapping (segmentations, labels), or when it is a single phase cut
from a cine that is in the same folder.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from pydantic import BaseModel, ConfigDict

from qaforge.errors import QaforgeError
from qaforge.ingest.manifest import SeriesManifest
from qaforge.ingest.series_mapping import SeriesMapping
from qaforge.ingest.series_names import normalise_file_name

NIFTI_SUFFIXES = (".nii", ".nii.gz")
SINGLE_PHASE_REASON = "single phase of a cine in the same folder"


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
        raise QaforgeError.of("E205", root=root)
    if not root.is_dir():
        raise QaforgeError.of("E206", root=root)

    def refuse(exc: OSError) -> None:
        raise QaforgeError.of(
            "E207",
            folder=exc.filename,
            problem=(exc.strerror or type(exc).__name__).lower(),
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


def count_dicom_files(root: Path, *, limit: int = 10_000) -> int:
    """Count DICOM files under a folder: named ``*.dcm`` or with ``DICM`` at byte 128.

    Only regular files are opened, and at most ``limit`` files are looked at
    (enough to tell a DICOM folder from an empty one).
    """
    seen = found = 0
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not name.startswith(".")]
        for name in files:
            path = Path(folder, name)
            seen += 1
            if seen > limit:
                return found
            found += name.lower().endswith(".dcm") or _has_dicom_preamble(path)
    return found


def _has_dicom_preamble(path: Path) -> bool:
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return False
        with path.open("rb") as handle:
            handle.seek(128)
            return handle.read(4) == b"DICM"
    except OSError:
        return False


def skipped_series_files(
    files: Collection[Path],
    *,
    root: Path,
    mapping: SeriesMapping,
    manifest: SeriesManifest | None = None,
) -> dict[Path, SkippedSeriesFile]:
    """Set aside, by name only, the files that are not series.

    A file is skipped if its name (see
    :func:`~qaforge.ingest.series_names.normalise_file_name`) matches one of
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
