"""Drawing in pixels: partial-volume shapes, layers, the surroundings and the finish.

Images are float32 while drawn (``(..., H, W)``), composited layer over
layer with :func:`paint`, and quantised to uint8 with seeded noise at the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qaforge.sample.cases import Region
from qaforge.sample.phantoms.anatomy import ANGLE_BINS, DEPTH_BANDS, level_mask, wall_mask
from qaforge.sample.phantoms.geometry import MATRIX

# Intensities per sequence (arbitrary units; uint8 on disk, which keeps the sample small).
# Fat is bright on bSSFP cine, intermediate on PSIR LGE (below any lesion) and suppressed
# on STIR T2.
CINE = {
    "tissue": 45, "blood": 235, "myo": 90, "fluid": 245, "thrombus": 40, "void": 70,
    "fat": 205, "liver": 120,
}  # fmt: skip
LGE = {
    "tissue": 45, "blood": 100, "myo": 12, "fluid": 60, "thrombus": 6, "lesion": 235,
    "fat": 110, "liver": 55,
}  # fmt: skip
T2 = {
    "tissue": 40, "blood": 15, "myo": 90, "fluid": 230, "thrombus": 55, "lesion": 200,
    "fat": 25, "liver": 60,
}  # fmt: skip
PERFUSION = {"tissue": 25, "fat": 70, "liver": 35}
NOISE_SD = {"cine": 0.5, "lge": 1.0, "t2": 1.0, "perfusion": 0.5}
EFFUSION_PX = 2.5
THROMBUS_RADIUS_PX = 2.25
RV_WIDTH_PX = 7.0


def disc_cover(radius: np.ndarray | float, distance: np.ndarray) -> np.ndarray:
    """Partial-volume coverage of a pixel by a disc (1 px soft edge)."""
    return np.clip(radius - distance + 0.5, 0.0, 1.0)


def ellipse_cover(
    dy: np.ndarray, dx: np.ndarray, a: np.ndarray | float, b: np.ndarray | float
) -> np.ndarray:
    """Approximate partial-volume coverage by an axis-aligned ellipse (a rows, b cols)."""
    q = np.sqrt((dy / a) ** 2 + (dx / b) ** 2)
    return np.clip((1.0 - q) * np.minimum(a, b) + 0.5, 0.0, 1.0)


def paint(image: np.ndarray, alpha: np.ndarray, value: np.ndarray | float) -> np.ndarray:
    """Composite a layer over the image."""
    return image + (value - image) * alpha


@dataclass(frozen=True)
class PolarGrid:
    """Polar coordinates of the short-axis pixels about the LV centre."""

    dy: np.ndarray
    dx: np.ndarray
    rho: np.ndarray
    theta: np.ndarray
    bins: np.ndarray
    body: np.ndarray


def polar_grid(center_rc: tuple[float, float]) -> PolarGrid:
    # float32 throughout the drawing: half the memory traffic, and plenty for 8-bit output
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    dy, dx = rows - center_rc[0], cols - center_rc[1]
    theta = np.mod(np.degrees(np.arctan2(dx, -dy)), 360.0)
    body = ellipse_cover(rows - (MATRIX - 1) / 2, cols - (MATRIX - 1) / 2, 29.0, 31.0)
    bins = np.floor(theta).astype(int) % ANGLE_BINS
    return PolarGrid(dy, dx, np.hypot(dy, dx), theta, bins, body)


def radii_at(radii: np.ndarray, grid: PolarGrid) -> np.ndarray:
    """Look radii (..., 360) up at every pixel's angle: (..., H, W)."""
    return radii[..., grid.bins].astype(np.float32)


def region_mask(
    region: Region, n_slices: int, grid: PolarGrid, endo: np.ndarray, epi: np.ndarray
) -> np.ndarray:
    """Boolean (Z, H, W) mask of a lesion: its slices, its sectors and its depth band.

    Args:
        region: The lesion.
        n_slices: Slices of the stack (levels are its thirds).
        grid: Pixel coordinates.
        endo: End-diastolic endocardial radius per pixel, (Z, H, W).
        epi: End-diastolic epicardial radius per pixel, (Z, H, W).

    Returns:
        The mask; depth bands touching the endo- or epicardium stay open there so
        the partial-volume border pixels are enhanced too.
    """
    depth = (grid.rho - endo) / (epi - endo)
    low, high = DEPTH_BANDS[region.pattern]
    inside = (depth >= (low if low > 0 else -np.inf)) & (depth < (high if high < 1 else np.inf))
    walls = wall_mask(region.walls)[grid.bins]
    levels = level_mask(region.levels, n_slices)[:, None, None]
    return inside & walls[None] & levels


def rv_layers(
    grid: PolarGrid, epi: np.ndarray, scale: np.ndarray, squeeze: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """RV wall and blood coverage: a crescent on the septal side (viewer's left).

    Args:
        grid: Pixel coordinates.
        epi: LV epicardial radius (..., 360) for the slices/frames drawn.
        scale: Base-to-apex size factor, broadcastable to epi[..., 0].
        squeeze: RV systolic narrowing factor, broadcastable to epi[..., 0].

    Returns:
        (wall coverage, blood coverage), each (..., H, W).
    """
    epi = epi.astype(np.float32)
    septal = epi[..., 270][..., None, None]
    mean_epi = epi.mean(axis=-1)[..., None, None]
    width = (RV_WIDTH_PX * scale * squeeze).astype(np.float32)[..., None, None]
    centre_dx = grid.dx + septal + 0.25 * width
    height = 1.05 * mean_epi
    wall = ellipse_cover(grid.dy, centre_dx, height + 1.2, width + 1.2)
    blood = ellipse_cover(grid.dy, centre_dx, height, width)
    return wall, blood


def thrombus_cover(grid: PolarGrid, n_slices: int, es_endo: np.ndarray) -> np.ndarray:
    """Coverage (Z, H, W) of a dark apical thrombus in the last two slices.

    The blob sits towards the anterior wall but stays inside the end-systolic cavity.
    """
    cover = np.zeros((n_slices, MATRIX, MATRIX))
    for z in range(max(0, n_slices - 2), n_slices):
        room = float(es_endo[z].min()) - THROMBUS_RADIUS_PX - 0.75
        offset = min(2.0, max(0.0, room))
        cover[z] = disc_cover(THROMBUS_RADIUS_PX, np.hypot(grid.dy + offset, grid.dx))
    return cover


def body_layers() -> tuple[np.ndarray, np.ndarray]:
    """(body coverage, subcutaneous fat ring coverage), (H, W), centred on the image."""
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32) - (MATRIX - 1) / 2
    body = ellipse_cover(rows, cols, 29.0, 31.0)
    inner = ellipse_cover(rows, cols, 26.0, 28.0)
    return body, np.clip(body - inner, 0.0, 1.0)


# Where the liver sits in each drawn view (row, col, row semi-axis, col semi-axis):
# short axis inferior and to the patient's right (lower left), 4CH/3CH at the patient's
# right below the atria (lower left), 2CH under the inferior wall (bottom).
LIVER_RC = {
    "sax": (50.0, 14.0, 12.0, 15.0),
    "4ch": (54.0, 10.0, 13.0, 15.0),
    "3ch": (54.0, 10.0, 13.0, 15.0),
    "2ch": (58.0, 26.0, 8.0, 22.0),
}


def surroundings(palette: dict[str, int], view: str, liver_scale: np.ndarray) -> np.ndarray:
    """Static tissue, fat ring and liver, float (N, H, W) for N liver scales (0 = no liver)."""
    body, fat = body_layers()
    rows, cols = np.mgrid[0:MATRIX, 0:MATRIX].astype(np.float32)
    base = paint(body * palette["tissue"], fat, palette["fat"])
    inside = body >= 1.0
    row_c, col_c, semi_r, semi_c = LIVER_RC[view]
    layers = []
    for scale in np.asarray(liver_scale, dtype=np.float32).reshape(-1):
        image = base.copy()
        if scale > 0.05:
            liver = ellipse_cover(rows - row_c, cols - col_c, semi_r * scale, semi_c * scale)
            image = paint(image, liver * inside, palette["liver"])
        layers.append(image)
    return np.stack(layers).astype(np.float32)


def liver_scale(positions: np.ndarray) -> np.ndarray:
    """Liver size per short-axis slice: none at the base, growing towards and below the apex."""
    return np.clip((np.asarray(positions) - 0.3) / 0.6, 0.0, 1.2)


def above_base(
    grid: PolarGrid, image: np.ndarray, blood: np.ndarray | float, fill: np.ndarray, level: int
) -> np.ndarray:
    """Paint the atria and great vessels of a slice above the mitral valve.

    Seen from the apex with the patient's right on the left: the left atrium
    lies behind (right of) the LV centre, the aortic root above-left of it,
    the right atrium far left, the RV outflow tract at the upper left.

    Args:
        grid: Pixel coordinates about the LV centre.
        image: Slice image(s), (..., H, W).
        blood: Blood signal, broadcastable to image.
        fill: Atrial filling (0 at ED, up to 1 at ES), broadcastable to image[..., 0, 0].
        level: 1 for the slice just above the base, 2 for the next one up.

    Returns:
        The painted image.
    """
    size = 1.0 if level == 1 else 0.8
    grow = np.sqrt(1.0 + 0.8 * np.asarray(fill, dtype=np.float32))[..., None, None]
    layers = (
        (grid.dy - 3.0, grid.dx - 6.0, 8.0 * size * grow),  # left atrium
        (grid.dy + 2.0, grid.dx + 15.0, 6.0 * size * grow),  # right atrium
        (grid.dy + 5.0, grid.dx + 3.0, 4.5 * np.ones_like(grow)),  # aortic root
        (grid.dy + 12.0, grid.dx + 9.0, 4.5 * size * (1.0 - 0.2 * (grow - 1.0))),  # RVOT
    )
    for dy, dx, radius in layers:
        image = paint(image, disc_cover(radius, np.hypot(dy, dx)), blood)
    return image


def noisy_uint8(image: np.ndarray, sequence: str, rng: np.random.Generator) -> np.ndarray:
    """Add seeded noise inside the body outline and quantise to uint8."""
    body = body_layers()[0] > 0
    noise = rng.standard_normal(image.shape, dtype=np.float32)
    noise *= np.float32(NOISE_SD[sequence])
    noise *= body.reshape(body.shape + (1,) * (image.ndim - 2))
    noise += image
    return np.clip(np.rint(noise), 0, 255).astype(np.uint8)
