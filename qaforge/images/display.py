"""The display convention of cardiac views, read from the affine (pure numpy).

A CMR workstation shows each view the same way whatever order the scanner
stored the pixels in. qaforge renders every slice so:

- short axis (``sax``): seen from the apex towards the base, with the
  patient's right towards the image's left (so the RV lies left of the LV;
  on steep oblique planes the anterior wall is then not straight up);
- 4-chamber and 3-chamber (``4ch``, ``3ch``): the patient's right on the
  image's left and anterior at the top (as an axial image seen from the
  feet), which puts the apex towards the upper right;
- 2-chamber (``2ch``): superior at the top and anterior towards the
  image's right (the spine on the left).

World directions are nibabel's RAS+: ``+x`` towards the patient's right,
``+y`` anterior, ``+z`` superior. The apex-to-base direction of a
heart in the chest points right, posterior and superior, ``(1, -1, 1)``; a
short-axis slice normal is turned to agree with it, which is robust because
real long axes lie well within 60 degrees of that direction.

Only the 8 in-plane reorderings of the stored pixels (transpose, row flip,
column flip) are used, never resampling: a displayed pixel is a stored
voxel, and :meth:`InPlaneOrientation.stored_index` maps it back. The one of
the 8 whose row and column directions agree best with the wanted "down" and
"right" directions is chosen, so an oblique plane is shown within 45 degrees
of the convention.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

DISPLAY_CONVENTION_VERSION = 1
"""Bump when the convention changes, so stored selections are rendered again."""

PATIENT_LEFT = np.array([-1.0, 0.0, 0.0])
ANTERIOR = np.array([0.0, 1.0, 0.0])
POSTERIOR = -ANTERIOR
INFERIOR = np.array([0.0, 0.0, -1.0])
APEX_TO_BASE = np.array([1.0, -1.0, 1.0]) / np.sqrt(3.0)
_TINY = 1e-9


@dataclass(frozen=True)
class InPlaneOrientation:
    """How to turn a stored slice into the displayed one.

    Attributes:
        transpose: Swap rows and columns first.
        flip_rows: Then reverse the row axis.
        flip_cols: Then reverse the column axis.
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False

    def apply(self, plane: np.ndarray) -> np.ndarray:
        """Reorient an array whose first two axes are the stored rows and columns (a view)."""
        if self.transpose:
            plane = np.swapaxes(plane, 0, 1)
        if self.flip_rows:
            plane = plane[::-1]
        if self.flip_cols:
            plane = plane[:, ::-1]
        return plane

    def describe(self) -> str:
        """Short text for provenance, e.g. ``"transpose+flip_rows"`` or ``"none"``."""
        steps = [name for name in ("transpose", "flip_rows", "flip_cols") if getattr(self, name)]
        return "+".join(steps) or "none"

    def stored_index(self, row: int, col: int, stored_shape: tuple[int, int]) -> tuple[int, int]:
        """The stored voxel ``(i, j)`` shown at displayed pixel ``(row, col)``.

        Args:
            row: Displayed row (0 at the top).
            col: Displayed column (0 on the left).
            stored_shape: ``(rows, cols)`` of the slice as stored.

        Returns:
            The voxel indices along the file's first and second axes.
        """
        rows, cols = stored_shape[::-1] if self.transpose else stored_shape
        if self.flip_rows:
            row = rows - 1 - row
        if self.flip_cols:
            col = cols - 1 - col
        return (col, row) if self.transpose else (row, col)

    def as_record(self, stored_shape: tuple[int, int]) -> dict[str, Any]:
        """JSON-ready record of the transform, enough to map any pixel back to its voxel."""
        return {
            "convention": f"cmr-views/{DISPLAY_CONVENTION_VERSION}",
            "transpose": self.transpose,
            "flip_rows": self.flip_rows,
            "flip_cols": self.flip_cols,
            "stored_shape": [int(n) for n in stored_shape],
        }


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > _TINY else np.zeros(3)


def _in_plane(vector: np.ndarray, normal: np.ndarray) -> np.ndarray:
    """The unit direction of ``vector`` projected onto the plane with this normal."""
    return _unit(vector - float(vector @ normal) * normal)


def plane_axes(affine: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit world directions of the stored rows, the stored columns and the slice normal.

    Args:
        affine: The 4x4 voxel-to-world matrix.

    Returns:
        ``(e0, e1, normal)``: the directions of increasing first and second
        voxel index, and their cross product (not the third column, which a
        single-slice file may leave arbitrary).
    """
    matrix = np.asarray(affine, dtype=float)[:3, :3]
    e0, e1 = _unit(matrix[:, 0]), _unit(matrix[:, 1])
    return e0, e1, _unit(np.cross(e0, e1))


def wanted_directions(affine: np.ndarray, view: str) -> tuple[np.ndarray, np.ndarray]:
    """The world directions that should point to the image's right and down.

    Args:
        affine: The 4x4 voxel-to-world matrix.
        view: ``sax``, ``2ch``, ``3ch`` or ``4ch``.

    Returns:
        ``(right, down)`` unit vectors in the slice plane.

    Raises:
        ValueError: For an unknown view.
    """
    _, _, normal = plane_axes(affine)
    if view == "sax":
        towards_base = normal if normal @ APEX_TO_BASE >= 0 else -normal
        right = _in_plane(PATIENT_LEFT, towards_base)
        # right x down = the viewing direction, apex to base
        return right, np.cross(towards_base, right)
    if view in ("4ch", "3ch"):
        return _in_plane(PATIENT_LEFT, normal), _in_plane(POSTERIOR, normal)
    if view == "2ch":
        return _in_plane(ANTERIOR, normal), _in_plane(INFERIOR, normal)
    raise ValueError(f"unknown view {view!r}; expected sax, 2ch, 3ch or 4ch")


def display_orientation(affine: np.ndarray, view: str) -> InPlaneOrientation:
    """The in-plane reordering that shows a slice of this view by the convention.

    Args:
        affine: The 4x4 voxel-to-world matrix of the file.
        view: ``sax``, ``2ch``, ``3ch`` or ``4ch``.

    Returns:
        Of the 8 reorderings, the one whose displayed row and column
        directions agree best with the convention's down and right (the
        first in a fixed order on ties, so the choice is deterministic).
    """
    e0, e1, _ = plane_axes(affine)
    right, down = wanted_directions(affine, view)
    best, best_score = InPlaneOrientation(), -np.inf
    for transpose, flip_rows, flip_cols in itertools.product((False, True), repeat=3):
        rows, cols = (e1, e0) if transpose else (e0, e1)
        rows = -rows if flip_rows else rows
        cols = -cols if flip_cols else cols
        score = float(rows @ down + cols @ right)
        if score > best_score + _TINY:
            best, best_score = InPlaneOrientation(transpose, flip_rows, flip_cols), score
    return best


def displayed_directions(
    affine: np.ndarray, orientation: InPlaneOrientation
) -> tuple[np.ndarray, np.ndarray]:
    """World directions of the displayed image's right (columns) and down (rows)."""
    e0, e1, _ = plane_axes(affine)
    rows, cols = (e1, e0) if orientation.transpose else (e0, e1)
    rows = -rows if orientation.flip_rows else rows
    cols = -cols if orientation.flip_cols else cols
    return cols, rows
