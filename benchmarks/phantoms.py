"""Realistic-size CMR phantoms for the select and scale benchmarks.

Oblique affines of the kind scanners write, a bright blood pool that beats
(cines) or enhances (perfusion), a myocardial wall, chest wall and noise.
Shapes and storage type are the caller's; writing is ``.nii.gz`` with a
frame interval so the time axis is known.
"""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np

# an oblique short-axis and 4-chamber orientation of the kind scanners write (mm)
SAX_AFFINE = np.array(
    [
        [-1.27, 0.93, -6.44, 5.4],
        [-1.36, 0.29, 7.35, 91.7],
        [-0.87, -1.82, -2.12, 220.6],
        [0, 0, 0, 1],
    ]
)
FOUR_CHAMBER_AFFINE = np.array(
    [
        [-1.82, 0.06, 0.32, 175.3],
        [-0.03, -1.74, 2.34, 162.5],
        [0.09, 0.57, 7.12, -119.0],
        [0, 0, 0, 1],
    ]
)
TWO_CHAMBER_AFFINE = np.array(
    [
        [0.41, -1.71, 2.02, 88.1],
        [-1.77, -0.35, 1.44, 140.9],
        [0.22, 0.61, 7.09, -101.3],
        [0, 0, 0, 1],
    ]
)
THREE_CHAMBER_AFFINE = np.array(
    [
        [-1.05, -1.47, 3.66, 120.2],
        [-1.48, 0.98, 1.90, 151.7],
        [0.31, 0.66, 6.91, -110.4],
        [0, 0, 0, 1],
    ]
)


def cine(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.int16) -> np.ndarray:
    """A beating cine (rows, cols, slices, frames): ED at frame 0, narrower towards the apex."""
    rows, cols, slices, frames = shape
    r, c = np.indices((rows, cols))
    distance = np.hypot(r - rows / 2, c - cols / 2)
    phase = np.cos(2 * np.pi * np.arange(frames) / frames)
    data = np.empty(shape, dtype=dtype)
    chest = 200 * ((distance > 90) & (distance < 100))
    for z in range(slices):
        radius = 25 - z
        for t in range(frames):
            cavity = distance < radius * (0.8 + 0.2 * phase[t])
            wall = (distance < radius + 8) & ~cavity
            image = 40 + 260 * cavity + 90 * wall + chest
            data[:, :, z, t] = np.clip(image + rng.normal(0, 12, (rows, cols)), 0, None)
    return data


def static_stack(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.uint16) -> np.ndarray:
    """A static short-axis stack (LGE or T2): one frame, a bright patch in the wall."""
    rows, cols, slices, _ = shape
    r, c = np.indices((rows, cols))
    distance = np.hypot(r - rows / 2, c - cols / 2)
    data = np.empty(shape, dtype=dtype)
    for z in range(slices):
        radius = 25 - z
        wall = (distance < radius + 8) & (distance >= radius)
        scar = wall & (c > cols / 2) & (r < rows / 2)
        image = 60 + 120 * (distance < radius) + 30 * wall + 300 * scar
        data[:, :, z, 0] = np.clip(image + rng.normal(0, 10, (rows, cols)), 0, None)
    return data


def perfusion(shape: tuple[int, ...], rng: np.random.Generator, dtype=np.uint16) -> np.ndarray:
    """A first-pass perfusion series: the blood pool, then the wall, enhance over the frames."""
    rows, cols, slices, frames = shape
    r, c = np.indices((rows, cols))
    distance = np.hypot(r - rows / 2, c - cols / 2)
    time = np.arange(frames)
    pool = np.exp(-(((time - frames * 0.3) / (frames * 0.08)) ** 2))
    muscle = np.exp(-(((time - frames * 0.45) / (frames * 0.15)) ** 2))
    data = np.empty(shape, dtype=dtype)
    for z in range(slices):
        cavity = distance < 22 - 3 * z
        wall = (distance < 30 - 3 * z) & ~cavity
        for t in range(frames):
            image = 50 + 400 * pool[t] * cavity + 150 * muscle[t] * wall
            data[:, :, z, t] = np.clip(image + rng.normal(0, 8, (rows, cols)), 0, None)
    return data


def write_nifti(path: Path, data: np.ndarray, affine: np.ndarray, frame_ms: float = 18.0) -> None:
    """Write ``data`` as a gzipped NIfTI-1 file with millimetres and a frame interval."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = nib.Nifti1Image(data, affine)
    image.header.set_xyzt_units("mm", "msec")
    image.header["pixdim"][4] = frame_ms
    nib.save(image, path)
