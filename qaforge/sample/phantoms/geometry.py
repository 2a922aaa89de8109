"""Where the heart lies in the scanner and how the imaging planes were planned (RAS+ mm).

The long axis, the short-axis and long-axis planes turned about it, and the
oblique affines that place a drawn image in the world (see the package
docstring for the numbers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MATRIX = 64
PIXEL_MM = 2.0
SLICE_MM = 8.0
# Planning geometry (RAS+). The long axis is the UK Biobank demo study's short-axis normal
# (base to apex: patient's left, anterior, a little inferior); long-axis planes are turned
# about it from the top of the short-axis display, degrees clockwise seen from the apex.
LONG_AXIS_RAS = (-0.64, 0.74, -0.21)
PLANE_TURN_DEG = {"4ch": 90.0, "3ch": 135.0, "2ch": 5.0}
BASE_CENTRE_MM = (12.0, -8.0, 18.0)
AXIS_JITTER_DEG = 5.0
TURN_JITTER_DEG = 4.0
IN_PLANE_JITTER_DEG = 8.0
_PATIENT_LEFT = np.array([-1.0, 0.0, 0.0])
_ANTERIOR = np.array([0.0, 1.0, 0.0])
_INFERIOR = np.array([0.0, 0.0, -1.0])


@dataclass(frozen=True)
class HeartGeometry:
    """Where a study's heart lies in the scanner (RAS+ mm) and how its planes were planned.

    Attributes:
        long_axis: Unit vector from base to apex.
        base_centre: World position of the LV centre at the most basal LV slice.
        plane_turn_deg: Per long-axis view, the turn of its plane about the long axis
            from the top of the short-axis display (degrees clockwise, seen from the apex).
        in_plane_deg: Per view, the in-plane turn of the image axes from the convention.
    """

    long_axis: tuple[float, float, float]
    base_centre: tuple[float, float, float]
    plane_turn_deg: dict[str, float] = field(hash=False)
    in_plane_deg: dict[str, float] = field(hash=False)


def random_heart_geometry(rng: np.random.Generator) -> HeartGeometry:
    """A long axis within 8 degrees of the reference, planes and offsets turned a little."""
    reference = np.array(LONG_AXIS_RAS) / np.linalg.norm(LONG_AXIS_RAS)
    tilt_about = _unit(np.cross(reference, rng.standard_normal(3)))
    axis = _rotate(reference, tilt_about, float(rng.uniform(0.0, AXIS_JITTER_DEG)))
    centre = np.array(BASE_CENTRE_MM) + rng.uniform(-10.0, 10.0, 3)
    turns = {
        view: turn + float(rng.uniform(-TURN_JITTER_DEG, TURN_JITTER_DEG))
        for view, turn in PLANE_TURN_DEG.items()
    }
    views = ("sax", "4ch", "3ch", "2ch")
    in_plane = {
        view: float(rng.uniform(-IN_PLANE_JITTER_DEG, IN_PLANE_JITTER_DEG)) for view in views
    }
    return HeartGeometry(
        long_axis=tuple(round(float(v), 6) for v in axis),  # type: ignore[arg-type]
        base_centre=tuple(round(float(v), 3) for v in centre),  # type: ignore[arg-type]
        plane_turn_deg=turns,
        in_plane_deg=in_plane,
    )


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / np.linalg.norm(vector)


def _rotate(vector: np.ndarray, axis: np.ndarray, degrees: float) -> np.ndarray:
    """Turn a vector about a unit axis (right hand), Rodrigues' formula."""
    angle = np.radians(degrees)
    return (
        vector * np.cos(angle)
        + np.cross(axis, vector) * np.sin(angle)
        + axis * float(axis @ vector) * (1.0 - np.cos(angle))
    )


def _projected(vector: np.ndarray, normal: np.ndarray) -> np.ndarray:
    return _unit(vector - float(vector @ normal) * normal)


def _sax_display_axes(long_axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(right, down) of the short-axis display: seen from the apex, patient's right on the left."""
    towards_base = -long_axis
    right = _projected(_PATIENT_LEFT, towards_base)
    return right, np.cross(towards_base, right)  # right x down = towards the base


def _closest_orthonormal(right: np.ndarray, down: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The orthonormal pair nearest to two in-plane directions (polar decomposition)."""
    u, _, vt = np.linalg.svd(np.stack([right, down], axis=1), full_matrices=False)
    q = u @ vt
    return q[:, 0], q[:, 1]


def view_axes(geometry: HeartGeometry, view: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World directions of a drawn image's rows (down), columns (right) and slice axis.

    Args:
        geometry: The study's heart geometry.
        view: ``sax``, ``2ch``, ``3ch`` or ``4ch``.

    Returns:
        ``(down, right, normal)`` unit vectors: ``down`` and ``right`` are the
        display convention's directions for that plane turned in-plane by the
        study's small angle; ``normal`` is the long axis (base to apex) for the
        short axis and ``down x right`` for a long-axis plane.
    """
    long_axis = np.array(geometry.long_axis)
    sax_right, sax_down = _sax_display_axes(long_axis)
    if view == "sax":
        right, down = sax_right, sax_down
    else:
        turn = np.radians(geometry.plane_turn_deg[view])
        in_plane = np.cos(turn) * -sax_down + np.sin(turn) * sax_right
        normal = _unit(np.cross(long_axis, in_plane))
        if view == "2ch":
            wanted = _projected(_ANTERIOR, normal), _projected(_INFERIOR, normal)
        else:
            wanted = _projected(_PATIENT_LEFT, normal), _projected(-_ANTERIOR, normal)
        right, down = _closest_orthonormal(*wanted)
    angle = np.radians(geometry.in_plane_deg[view])
    right, down = (
        np.cos(angle) * right + np.sin(angle) * down,
        -np.sin(angle) * right + np.cos(angle) * down,
    )
    normal = long_axis if view == "sax" else _unit(np.cross(down, right))
    return down, right, normal


def oblique_affine(
    axes: tuple[np.ndarray, np.ndarray, np.ndarray],
    slice_mm: float,
    anchor_rc: tuple[float, float],
    anchor_z: float,
    anchor_world: np.ndarray,
) -> np.ndarray:
    """Affine with these axes whose voxel (row, col, z) = (anchor_rc, anchor_z) is anchor_world."""
    down, right, normal = axes
    affine = np.eye(4)
    affine[:3, 0], affine[:3, 1], affine[:3, 2] = (
        down * PIXEL_MM,
        right * PIXEL_MM,
        normal * slice_mm,
    )
    affine[:3, 3] = anchor_world - affine[:3, :3] @ np.array([*anchor_rc, anchor_z])
    return affine


def long_axis_direction_rc(geometry: HeartGeometry, view: str) -> tuple[float, float]:
    """The long axis (base to apex) projected into a drawn long-axis image, (d_row, d_col) unit."""
    down, right, _ = view_axes(geometry, view)
    long_axis = np.array(geometry.long_axis)
    d_row, d_col = float(long_axis @ down), float(long_axis @ right)
    norm = float(np.hypot(d_row, d_col))
    return d_row / norm, d_col / norm
