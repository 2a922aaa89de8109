"""Long-axis cines (4CH, 3CH, 2CH): an elongated LV, its neighbours and the filling atria."""

from __future__ import annotations

import numpy as np

from qaforge.sample.cases import CaseTruth
from qaforge.sample.phantoms.anatomy import (
    LvShape,
    cycle_fraction,
    long_axis_center_rc,
    long_axis_semi_axes,
)
from qaforge.sample.phantoms.drawing import (
    CINE,
    EFFUSION_PX,
    THROMBUS_RADIUS_PX,
    body_layers,
    disc_cover,
    ellipse_cover,
    paint,
    surroundings,
)
from qaforge.sample.phantoms.geometry import MATRIX
from qaforge.sample.phantoms.study import StudyParams

ATRIAL_SHARE = 0.8
"""Share of the ventricular volume lost in systole that the atria gain on a long-axis cine."""


def draw_long_axis(
    truth: CaseTruth,
    params: StudyParams,
    view: str,
    shape: LvShape,
    direction_rc: tuple[float, float],
) -> np.ndarray:
    """A long-axis cine (H, W, 1, T): an elongated LV whose apex points along ``direction_rc``.

    The heart is drawn in a frame turned with the long axis (``along`` towards
    the apex, ``across`` towards the lateral wall for 4CH/3CH), so the same
    shapes serve every plane; atria sit beyond the mitral plane and fill as
    the ventricles empty.
    """
    dy, dx = _turned_frame(direction_rc)
    f = cycle_fraction(params.n_frames, params.ed_frame, params.es_frame)[:, None, None]
    f = f.astype(np.float32)
    es_size = np.sqrt(1.0 - truth.lvef / 100.0)
    size = 1.0 - (1.0 - es_size) * f  # both axes shrink, so the cavity area follows the LVEF
    a_en, b_en = long_axis_semi_axes(truth, shape)
    septal = float(shape.epi[0, 270] - shape.endo[0, 270])
    lateral = float(shape.epi[0, 90] - shape.endo[0, 90])
    left, right = (septal, lateral) if view in ("4ch", "3ch") else (lateral, lateral)
    a, b = a_en * size, b_en * size
    # wall area is kept: the wall thickens as the cavity shrinks
    grow_left = np.sqrt((b_en + left) ** 2 - b_en**2 + b**2) - b
    grow_right = np.sqrt((b_en + right) ** 2 - b_en**2 + b**2) - b
    wall_b = np.where(dx < 0, b + grow_left, b + grow_right)
    wall_a = a + 0.5 * (grow_left + grow_right)
    static = surroundings(CINE, view, np.ones(1))[0]
    image = np.broadcast_to(static, (params.n_frames, MATRIX, MATRIX)).copy()
    if truth.pericardial_effusion:
        fluid = ellipse_cover(dy, dx, wall_a + EFFUSION_PX, wall_b + EFFUSION_PX)
        image = paint(image, fluid, CINE["fluid"])
    mitral = 0.8 * a_en  # from the cavity centre to the atrioventricular plane
    septal_edge = b_en + left
    if view == "4ch":
        image = _right_heart(image, dy, dx, a_en=a_en, septal_edge=septal_edge, mitral=mitral, f=f)
    if view == "3ch":
        # the aortic root leaves the base on the septal (anterior) side, in front of the LA
        aorta_dy, aorta_dx = dy - 0.55 * a_en, dx + (septal_edge + 4.0)
        image = paint(image, ellipse_cover(aorta_dy, aorta_dx, 0.45 * a_en, 4.0), CINE["blood"])
    image = paint(image, ellipse_cover(dy, dx, wall_a, wall_b), CINE["myo"])
    image = paint(image, ellipse_cover(dy, dx, a, b), CINE["blood"])
    image = _left_atrium(image, dy, dx, a_en=a_en, b_en=b_en, size=size, mitral=mitral)
    if truth.lvot_obstruction and view == "3ch":
        # systolic flow void below the aortic valve while the LVOT is obstructed
        void = ellipse_cover(dy - 0.6 * a_en, dx + 0.5 * b_en, 3.0, 2.5)
        image = paint(image, void * (f > 0.35), CINE["void"])
    if truth.thrombus:
        # at the apex of the cavity at end-systole
        blob = np.hypot(dy + a_en * es_size - THROMBUS_RADIUS_PX - 1.0, dx)
        image = paint(image, disc_cover(THROMBUS_RADIUS_PX, blob), CINE["thrombus"])
    image *= body_layers()[0]  # nothing shows outside the body
    return np.moveaxis(image, 0, -1)[:, :, None, :]


def _turned_frame(direction_rc: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Pixel offsets (dy, dx) from the LV cavity centre in the frame turned with the long axis.

    ``dy`` grows away from the apex, ``dx`` towards the side 90 degrees
    clockwise of the apex; both (H, W) float32.
    """
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    r0, c0 = long_axis_center_rc(direction_rc)
    d_row, d_col = (np.float32(v) for v in direction_rc)
    along = (rows - r0) * d_row + (cols - c0) * d_col
    return -along, (cols - c0) * -d_row + (rows - r0) * d_col


def _right_heart(
    image: np.ndarray,
    dy: np.ndarray,
    dx: np.ndarray,
    *,
    a_en: float,
    septal_edge: float,
    mitral: float,
    f: np.ndarray,
) -> np.ndarray:
    """Paint the 4CH right ventricle beside the septum and the right atrium that fills as it empties.

    Args:
        image: Frames (T, H, W).
        dy: Offsets away from the apex (H, W).
        dx: Offsets across the long axis (H, W).
        a_en: LV cavity semi-axis along the long axis at ED.
        septal_edge: Distance across from the LV centre to the septum's outer edge at ED.
        mitral: Distance from the cavity centre to the atrioventricular plane.
        f: Systolic excursion per frame, (T, 1, 1).

    Returns:
        The painted frames.
    """
    rv_dy, rv_dx = dy - 0.15 * a_en, dx + (septal_edge + 6.0)
    rv_a, rv_b = 0.8 * a_en, 6.5 * (1.0 - 0.3 * f)
    image = paint(image, ellipse_cover(rv_dy, rv_dx, rv_a + 1.2, rv_b + 1.2), CINE["myo"])
    image = paint(image, ellipse_cover(rv_dy, rv_dx, rv_a, rv_b), CINE["blood"])
    rv_loss = np.pi * rv_a * (6.5 - rv_b)
    ra_radius = 6.0 * np.sqrt(1.0 + ATRIAL_SHARE * rv_loss / (np.pi * 36.0))
    ra_dy = dy - (mitral + ra_radius)
    return paint(image, disc_cover(ra_radius, np.hypot(ra_dy, rv_dx)), CINE["blood"])


def _left_atrium(
    image: np.ndarray,
    dy: np.ndarray,
    dx: np.ndarray,
    *,
    a_en: float,
    b_en: float,
    size: np.ndarray,
    mitral: float,
) -> np.ndarray:
    """Paint the left atrium beyond the mitral plane, gaining what the LV loses in systole.

    Args:
        image: Frames (T, H, W).
        dy: Offsets away from the apex (H, W).
        dx: Offsets across the long axis (H, W).
        a_en: LV cavity semi-axis along the long axis at ED.
        b_en: LV cavity semi-axis across at ED.
        size: LV cavity size factor per frame, (T, 1, 1).
        mitral: Distance from the cavity centre to the atrioventricular plane.

    Returns:
        The painted frames.
    """
    la_a0, la_b0 = 5.5, 0.8 * b_en
    lv_loss = np.pi * a_en * b_en * (1.0 - size**2)
    la_growth = 1.0 + ATRIAL_SHARE * lv_loss / (np.pi * la_a0 * la_b0)  # area factor
    la_a, la_b = la_a0 * la_growth**0.25, la_b0 * la_growth**0.75
    return paint(image, ellipse_cover(dy - (mitral + la_a), dx, la_a, la_b), CINE["blood"])
