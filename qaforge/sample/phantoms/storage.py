"""How a file stores a drawing: the 8 in-plane orders and base-first or apex-first stacks."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from qaforge.sample.cases import SampleCase

APEX_FIRST_STUDIES = frozenset({"STU-0005", "STU-0010", "STU-0022"})
"""Studies whose short-axis stacks are stored apex first (slice 0 at the apex)."""


@dataclass(frozen=True)
class StorageOrder:
    """How a file stores the drawing: the in-plane order and, for stacks, the slice order.

    The stored array is made from the drawing by, in turn, swapping rows and
    columns, reversing the rows, reversing the columns and reversing the
    slices; the affine is adjusted so every voxel keeps its world position.

    Attributes:
        transpose: Swap the in-plane axes.
        flip_rows: Reverse the first axis (after any transpose).
        flip_cols: Reverse the second axis (after any transpose).
        apex_first: Reverse the slice axis (a short-axis stack stored apex first).
    """

    transpose: bool = False
    flip_rows: bool = False
    flip_cols: bool = False
    apex_first: bool = False

    def store(self, array: np.ndarray, affine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Reorder a drawn array (rows, cols, slices[, frames]) and adjust its affine.

        Args:
            array: The drawing, in drawing order.
            affine: Its 4x4 voxel-to-world matrix.

        Returns:
            ``(stored array, stored affine)``; ``stored_affine @ index`` is the world
            position of the stored voxel at ``index``, the same as the drawn voxel's.
        """
        index = np.eye(4)  # stored voxel index -> drawn voxel index, built step by step
        if self.transpose:
            array = np.swapaxes(array, 0, 1)
            index = index @ np.eye(4)[:, [1, 0, 2, 3]]
        for axis, on in ((0, self.flip_rows), (1, self.flip_cols), (2, self.apex_first)):
            if on:
                array = np.flip(array, axis)
                step = np.eye(4)
                step[axis, axis], step[axis, 3] = -1.0, array.shape[axis] - 1
                index = index @ step
        return np.ascontiguousarray(array), affine @ index

    def file_slice(self, z: int, n_slices: int) -> int:
        """The file's slice index of drawn slice ``z`` (the same map both ways)."""
        return n_slices - 1 - z if self.apex_first else z

    def in_plane(self) -> dict[str, bool]:
        """The in-plane part as a JSON-ready record."""
        return {
            "transpose": self.transpose,
            "flip_rows": self.flip_rows,
            "flip_cols": self.flip_cols,
        }


IN_PLANE_ORDERS: tuple[StorageOrder, ...] = tuple(
    StorageOrder(transpose, flip_rows, flip_cols)
    for transpose, flip_rows, flip_cols in itertools.product((False, True), repeat=3)
)
"""The 8 in-plane storage orders, as drawn first."""


def study_storage(case: SampleCase) -> StorageOrder:
    """The order a study's series are stored in: in-plane by study number, apex first for some.

    Args:
        case: The sample case.

    Returns:
        One of the 8 in-plane orders (cycling with the study number, so the
        sample holds all of them), apex first for :data:`APEX_FIRST_STUDIES`.
        Only short-axis stacks use ``apex_first``.
    """
    number = int(case.study_id.rsplit("-", 1)[1])
    in_plane = IN_PLANE_ORDERS[(3 * number) % len(IN_PLANE_ORDERS)]
    return StorageOrder(
        in_plane.transpose,
        in_plane.flip_rows,
        in_plane.flip_cols,
        apex_first=case.study_id in APEX_FIRST_STUDIES,
    )
