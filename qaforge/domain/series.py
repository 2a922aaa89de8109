"""An image series as ingest sees it: a NIfTI file, its header, its classification."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Sequence = Literal["cine", "lge", "perfusion", "t2"]
View = Literal["sax", "2ch", "3ch", "4ch"]
SEQUENCES: tuple[Sequence, ...] = ("cine", "lge", "perfusion", "t2")
VIEWS: tuple[View, ...] = ("sax", "2ch", "3ch", "4ch")
# The cardiac phase a single-phase file holds (end-diastole, end-systole).
Phase = Literal["ed", "es"]
PHASES: tuple[Phase, ...] = ("ed", "es")


class UnreadableSeriesError(Exception):
    """A NIfTI file that cannot be used; ``reason`` says why in one line.

    Raised by ingest (header and integrity) and by the images stage (voxels);
    callers turn it into a quarantine entry.

    Args:
        reason: Human-readable, one line, no file contents.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SeriesHeader(BaseModel):
    """What the NIfTI header says, read without loading voxel data.

    Attributes:
        shape: Array shape, e.g. (H, W, Z) or (H, W, Z, T).
        spacing: Voxel size per axis as the header states it (mm; the time axis in the
            header's time unit, milliseconds for the sample phantoms).
        n_slices: Z extent (1 for long-axis cine).
        n_frames: T extent (1 for 3D stacks).
        orientation: Axis codes of the affine, e.g. ``"RAS"``.
        affine: The 4x4 voxel-to-world matrix.
        dtype: Voxel data type name.
        description: The header's free-text ``descrip`` (checked for PHI later).
    """

    model_config = ConfigDict(frozen=True)

    shape: tuple[int, ...]
    spacing: tuple[float, ...]
    n_slices: int = Field(ge=1)
    n_frames: int = Field(ge=1)
    orientation: str
    affine: list[list[float]]
    dtype: str
    description: str = ""


class ScannedSeries(BaseModel):
    """A NIfTI file that was read, checked and classified.

    Attributes:
        path: Path relative to the scanned folder, POSIX separators.
        absolute_path: Absolute path on this machine when scanned.
        sha256: Hex sha256 of the file bytes.
        size_bytes: File size.
        study_id: The study it belongs to (from manifest, sidecar or folders).
        sequence: cine, lge, perfusion or t2.
        view: sax, 2ch, 3ch or 4ch.
        classified_by: Which source decided the classification (manifest,
            sidecar, or the mapping rule that matched).
        header: The header facts.
        sidecar: The JSON sidecar's content, if there was one.
        phase: ``ed`` / ``es`` for a single-phase file whose name says which
            (``sa_ED``); None for a cine, or a single phase of unknown phase
            (``patient001_frame01``).
    """

    model_config = ConfigDict(frozen=True)

    path: str
    absolute_path: str
    sha256: str
    size_bytes: int
    study_id: str
    sequence: Sequence
    view: View
    classified_by: str
    header: SeriesHeader
    sidecar: dict[str, object] | None = None
    phase: Phase | None = None

    @property
    def study_path(self) -> str:
        """The path inside the study's folder: the series' stable name within its study.

        ``series/STU-1/cine/sax.nii.gz`` scanned from ``series/`` or from
        ``series/STU-1/`` is ``cine/sax.nii.gz`` both times, so the same file
        ingested from two roots is one series, not two.
        """
        parts = self.path.split("/")
        if self.study_id in parts[:-1]:
            index = len(parts) - 1 - parts[:-1][::-1].index(self.study_id) - 1
            return "/".join(parts[index + 1 :])
        return self.path

    @property
    def series_id(self) -> str:
        """Content-independent id: a re-exported file of the same series keeps it."""
        key = f"{self.study_id}\x1f{self.study_path}".encode()
        return hashlib.sha256(key).hexdigest()[:32]


class SeriesListing(BaseModel):
    """One stored series as ``qaforge series --json`` reports it (a contract: add, never rename).

    Attributes:
        series_id: The series' id.
        study_id: Its study.
        path: Its path inside the study's folder.
        sequence: cine, lge, perfusion or t2.
        view: sax, 2ch, 3ch or 4ch.
        frames: Frames (4th axis).
        slices: Slices (3rd axis).
        phase: ``ed`` / ``es`` for a single-phase file named so.
        ed_frame: End-diastolic frame in use (a reader's override wins), or None.
        es_frame: End-systolic frame in use, or None.
        phase_method: How ED/ES were found (``override`` when a reader set them).
        phase_confidence: 0..1, or None.
        slice_order: ``base_first`` / ``apex_first`` for short-axis stacks, else None.
        slice_order_method: ``images``, ``affine`` or ``override``.
        lv_slices: ``[first, last]`` file slices holding LV, or None when unknown.
        peak_frames: Peak myocardial enhancement frame per slice (perfusion), or None.
        display: The in-plane transform every rendered slice gets.
        notes: What a reader should check.
        override_source: The override file that set values, if any.
        analysed: Whether the voxels have been analysed for the current file.
    """

    series_id: str
    study_id: str
    path: str
    sequence: str
    view: str
    frames: int
    slices: int
    phase: str | None = None
    ed_frame: int | None = None
    es_frame: int | None = None
    phase_method: str | None = None
    phase_confidence: float | None = None
    slice_order: Literal["base_first", "apex_first"] | None = None
    slice_order_method: str | None = None
    lv_slices: tuple[int, int] | None = None
    peak_frames: list[int] | None = None
    display: dict[str, object] | None = None
    notes: list[str] = Field(default_factory=list)
    override_source: str | None = None
    analysed: bool = False
