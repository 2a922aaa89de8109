"""Short-axis series: the beating cine stack, LGE and T2 stacks, first-pass perfusion."""

from __future__ import annotations

import numpy as np

from qaforge.sample.cases import CaseTruth, Region
from qaforge.sample.phantoms.anatomy import (
    PERFUSION_FRAMES,
    PERFUSION_POSITIONS,
    LvShape,
    cycle_fraction,
    lv_shape,
    perfusion_curves,
    sax_positions,
    stack_positions,
)
from qaforge.sample.phantoms.drawing import (
    CINE,
    EFFUSION_PX,
    PERFUSION,
    above_base,
    disc_cover,
    liver_scale,
    paint,
    polar_grid,
    radii_at,
    region_mask,
    rv_layers,
    surroundings,
    thrombus_cover,
)
from qaforge.sample.phantoms.geometry import MATRIX
from qaforge.sample.phantoms.study import StudyParams


def _lv_slices(params: StudyParams) -> slice:
    return slice(params.n_above, params.n_above + params.n_slices)


def draw_static_sax(
    truth: CaseTruth, params: StudyParams, palette: dict[str, int], lesions: tuple[Region, ...]
) -> tuple[np.ndarray, LvShape]:
    """An end-diastolic short-axis stack (LGE or T2) with bright lesions, float (H, W, Z)."""
    grid = polar_grid(params.center_rc)
    shape = lv_shape(truth, params.n_slices)
    endo, epi = radii_at(shape.endo, grid), radii_at(shape.epi, grid)
    z = params.n_slices
    scale = 1.0 - 0.55 * sax_positions(z)
    stack = surroundings(palette, "sax", liver_scale(stack_positions(params)))
    image = stack[_lv_slices(params)]
    if truth.pericardial_effusion:
        image = paint(image, disc_cover(epi + EFFUSION_PX, grid.rho), palette["fluid"])
    rv_wall, rv_blood = rv_layers(grid, shape.epi, scale, np.ones(z))
    image = paint(image, rv_wall, palette["myo"])
    image = paint(image, rv_blood, palette["blood"])
    myo_value = np.full_like(image, float(palette["myo"]))
    for region in lesions:
        myo_value[region_mask(region, z, grid, endo, epi)] = palette["lesion"]
    image = paint(image, disc_cover(epi, grid.rho), myo_value)
    image = paint(image, disc_cover(endo, grid.rho), palette["blood"])
    if truth.thrombus:
        es_endo = shape.endo * (1.0 - shape.contraction * shape.motion)
        image = paint(image, thrombus_cover(grid, z, es_endo), palette["thrombus"])
    stack[_lv_slices(params)] = image
    for k in range(params.n_above):
        level = params.n_above - k
        stack[k] = above_base(grid, stack[k], palette["blood"], np.zeros(()), level)
    return np.moveaxis(stack, 0, -1), shape


def draw_cine_sax(truth: CaseTruth, params: StudyParams) -> tuple[np.ndarray, LvShape]:
    """The beating short-axis cine, float (H, W, Z, T)."""
    grid = polar_grid(params.center_rc)
    shape = lv_shape(truth, params.n_slices)
    f = cycle_fraction(params.n_frames, params.ed_frame, params.es_frame)
    # (Z, T, 360): endocardium moves in by its regional share; myocardial area is conserved.
    endo_t = shape.endo[:, None, :] * (
        1.0 - shape.contraction * shape.motion[:, None, :] * f[None, :, None]
    )
    epi_t = np.sqrt(endo_t**2 + (shape.epi**2 - shape.endo**2)[:, None, :])
    endo, epi = radii_at(endo_t, grid), radii_at(epi_t, grid)
    z, t = params.n_slices, params.n_frames
    scale = (1.0 - 0.55 * sax_positions(z))[:, None]
    squeeze = (1.0 - 0.3 * f)[None, :]
    static = surroundings(CINE, "sax", liver_scale(stack_positions(params)))
    stack = np.broadcast_to(static[:, None], (params.stack_slices, t, MATRIX, MATRIX)).copy()
    image = stack[_lv_slices(params)]
    if truth.pericardial_effusion:
        image = paint(image, disc_cover(epi + EFFUSION_PX, grid.rho), CINE["fluid"])
    rv_wall, rv_blood = rv_layers(grid, epi_t, scale, squeeze)
    image = paint(image, rv_wall, CINE["myo"])
    image = paint(image, rv_blood, CINE["blood"])
    image = paint(image, disc_cover(epi, grid.rho), CINE["myo"])
    image = paint(image, disc_cover(endo, grid.rho), CINE["blood"])
    if truth.thrombus:
        es_endo = shape.endo * (1.0 - shape.contraction * shape.motion)
        image = paint(image, thrombus_cover(grid, z, es_endo)[:, None], CINE["thrombus"])
    stack[_lv_slices(params)] = image
    # the atria above the mitral valve fill as the ventricles empty
    fill = f * (truth.lvef / 60.0)
    for k in range(params.n_above):
        stack[k] = above_base(grid, stack[k], CINE["blood"], fill, params.n_above - k)
    return np.moveaxis(stack, (0, 1), (2, 3)), shape


def draw_perfusion(truth: CaseTruth, params: StudyParams) -> tuple[np.ndarray, LvShape, int]:
    """First-pass perfusion, float (H, W, 3, T): basal, mid and apical slices."""
    grid = polar_grid(params.center_rc)
    positions = PERFUSION_POSITIONS
    shape = lv_shape(truth, 3, positions)
    endo, epi = radii_at(shape.endo, grid), radii_at(shape.epi, grid)
    curves = perfusion_curves(params.perfusion_shift)
    defect = np.zeros((3, MATRIX, MATRIX), dtype=bool)
    for region in truth.perfusion_defects:
        defect |= region_mask(region, 3, grid, endo, epi)
    myo_gain = np.where(defect, 0.3, 1.0)[:, None]  # (3, 1, H, W) against (T,) curves below
    static = surroundings(PERFUSION, "sax", liver_scale(positions))
    lv = (30.0 + 190.0 * curves["lv"])[None, :, None, None]
    rv = (30.0 + 200.0 * curves["rv"])[None, :, None, None]
    myo = 35.0 + 100.0 * curves["myo"][None, :, None, None] * myo_gain
    image = np.broadcast_to(static[:, None], (3, PERFUSION_FRAMES, MATRIX, MATRIX)).copy()
    if truth.pericardial_effusion:
        image = paint(image, disc_cover(epi + EFFUSION_PX, grid.rho)[:, None], 30.0)
    scale = (1.0 - 0.55 * positions)[:, None]
    rv_wall, rv_blood = rv_layers(grid, shape.epi[:, None, :], scale, np.ones((1, 1)))
    image = paint(image, rv_wall, 35.0)
    image = paint(image, rv_blood, rv)
    image = paint(image, disc_cover(epi, grid.rho)[:, None], myo)
    image = paint(image, disc_cover(endo, grid.rho)[:, None], lv)
    peak = int(np.argmax(curves["myo"]))
    return np.moveaxis(image, (0, 1), (2, 3)), shape, peak
