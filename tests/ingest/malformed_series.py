"""A corpus of malformed series folders, made by code: one builder per failure of issue 22.

Every folder holds a study folder ``STU-1`` with :data:`GOOD` readable series
beside one bad thing (a damaged header, a bad sidecar, a bad name, a FIFO, a
symlink...). Reading the folder must store the good ones, quarantine the bad
one with a reason, and stop on none of them.
"""

from __future__ import annotations

import gzip
import json
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nibabel as nib
import numpy as np

STUDY = "STU-1"
GOOD = ("cine_sax.nii.gz", "lge_sax.nii.gz", "t2_sax.nii")
BAD_NAME = "perfusion_sax"  # classifies as a series if it were readable
AFFINE = np.diag([1.5, 1.5, 8.0, 1.0])
# byte offsets of NIfTI-1 header fields
DIM, DATATYPE, BITPIX, PIXDIM, VOX_OFFSET, MAGIC = 40, 70, 72, 76, 108, 344


def nifti_bytes(shape: tuple[int, ...] = (8, 8, 3, 4), seed: int = 1) -> bytes:
    """An uncompressed NIfTI-1 file of random int16 voxels (random: no label map)."""
    data = np.random.default_rng(seed).integers(0, 4000, size=shape).astype(np.int16)
    return nib.Nifti1Image(data, AFFINE).to_bytes()


def patched(content: bytes, offset: int, fmt: str, *values: object) -> bytes:
    """``content`` with ``struct.pack('<' + fmt, *values)`` written at ``offset``."""
    packed = struct.pack("<" + fmt, *values)
    return content[:offset] + packed + content[offset + len(packed) :]


def write_good(study: Path) -> None:
    study.mkdir(parents=True, exist_ok=True)
    for seed, name in enumerate(GOOD, start=2):
        content = nifti_bytes(seed=seed)
        (study / name).write_bytes(
            gzip.compress(content, mtime=0) if name.endswith("gz") else content
        )


@dataclass(frozen=True)
class SeriesCase:
    """A malformed folder and what ingesting it must give.

    Attributes:
        name: The failure it reproduces.
        build: Writes the bad thing into the study folder given (the good
            files are already there).
        reason: A substring of the bad file's quarantine reason.
        location: The bad file's quarantine location (relative, escaped).
        env: Settings for this case (e.g. a lowered limit).
        files: Files found in all (the good ones plus the bad one).
    """

    name: str
    build: Callable[[Path], None]
    reason: str
    location: str = f"{STUDY}/{BAD_NAME}.nii"
    env: dict[str, str] = field(default_factory=dict)
    files: int = len(GOOD) + 1


def _header_case(name: str, change: Callable[[bytes], bytes], reason: str) -> SeriesCase:
    def build(study: Path) -> None:
        (study / f"{BAD_NAME}.nii").write_bytes(change(nifti_bytes()))

    return SeriesCase(name, build, reason)


def _gz_case(name: str, content: Callable[[], bytes], reason: str) -> SeriesCase:
    def build(study: Path) -> None:
        (study / f"{BAD_NAME}.nii.gz").write_bytes(content())

    return SeriesCase(name, build, reason, location=f"{STUDY}/{BAD_NAME}.nii.gz")


def _sidecar_case(name: str, content: bytes, reason: str, **kwargs: object) -> SeriesCase:
    def build(study: Path) -> None:
        (study / f"{BAD_NAME}.nii").write_bytes(nifti_bytes(seed=9))
        (study / f"{BAD_NAME}.json").write_bytes(content)

    return SeriesCase(name, build, reason, **kwargs)  # type: ignore[arg-type]


def _bad_utf8_name(study: Path) -> None:
    (Path(os.fsdecode(bytes(study) + b"/bad\xff_" + BAD_NAME.encode() + b".nii"))).write_bytes(
        nifti_bytes(seed=9)
    )


def _fifo(study: Path) -> None:
    os.mkfifo(study / f"{BAD_NAME}.nii")


def _sidecar_fifo(study: Path) -> None:
    (study / f"{BAD_NAME}.nii").write_bytes(nifti_bytes(seed=9))
    os.mkfifo(study / f"{BAD_NAME}.json")


def _outside_symlink(study: Path) -> None:
    outside = study.parent.parent / "elsewhere.nii"
    outside.write_bytes(nifti_bytes(seed=9))
    (study / f"{BAD_NAME}.nii").symlink_to(outside)


def _sidecar_outside_symlink(study: Path) -> None:
    outside = study.parent.parent / "elsewhere.json"
    outside.write_text(json.dumps({"sequence": "perfusion"}))
    (study / f"{BAD_NAME}.nii").write_bytes(nifti_bytes(seed=9))
    (study / f"{BAD_NAME}.json").symlink_to(outside)


def _symlink_loop(study: Path) -> None:
    (study / f"{BAD_NAME}.nii").symlink_to(study / "loop.nii")
    (study / "loop.nii").symlink_to(study / f"{BAD_NAME}.nii")


def _broken_symlink(study: Path) -> None:
    (study / f"{BAD_NAME}.nii").symlink_to(study / "missing-target")


def _truncated_gz() -> bytes:
    whole = gzip.compress(nifti_bytes(), mtime=0)
    return whole[: len(whole) // 2]


def _gzip_bomb() -> bytes:
    # a valid small image followed by 64 MiB of zeros: the header is fine, the stream is huge
    return gzip.compress(nifti_bytes() + bytes(64 << 20), compresslevel=1, mtime=0)


def _deep_json() -> bytes:
    return b'{"sequence": "perfusion", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"


CASES: list[SeriesCase] = [
    _sidecar_case("sidecar nested 100,000 deep", _deep_json(), "QAFORGE_MAX_JSON_DEPTH"),
    _sidecar_case("sidecar nested 33 deep", b"[" * 33 + b"]" * 33, "QAFORGE_MAX_JSON_DEPTH"),
    _sidecar_case(
        "sidecar over the size limit",
        json.dumps({"sequence": "perfusion", "pad": "x" * 5000}).encode(),
        "QAFORGE_MAX_SIDECAR_BYTES",
        env={"QAFORGE_MAX_SIDECAR_BYTES": "4096"},
    ),
    _sidecar_case("sidecar integer of 5,000 digits", b'{"n": ' + b"7" * 5000 + b"}", "digits"),
    _sidecar_case("sidecar not UTF-8", b'{"view": "\xff"}', "not UTF-8"),
    _sidecar_case("sidecar not JSON", b"{nope", "not valid JSON"),
    _sidecar_case("sidecar a list", b"[1, 2]", "must be a JSON object"),
    _sidecar_case("sidecar lone surrogate", b'{"SeriesDescription": "\\udfff"}', "UTF-8"),
    _sidecar_case("sidecar NUL in a value", b'{"SeriesDescription": "a\\u0000b"}', "NUL"),
    SeriesCase("sidecar is a FIFO", _sidecar_fifo, "not a regular file"),
    SeriesCase("sidecar links outside", _sidecar_outside_symlink, "outside the folder"),
    SeriesCase(
        "file name not UTF-8",
        _bad_utf8_name,
        "not valid UTF-8",
        location=f"{STUDY}/bad\\xff_{BAD_NAME}.nii",
    ),
    SeriesCase("FIFO named .nii", _fifo, "not a regular file"),
    SeriesCase("symlink to outside the folder", _outside_symlink, "outside the folder"),
    SeriesCase("symlink loop", _symlink_loop, "symlink loop", files=len(GOOD) + 2),
    SeriesCase("broken symlink", _broken_symlink, "broken symlink"),
    _gz_case("truncated gzip", _truncated_gz, "truncated"),
    _gz_case("not gzip at all", lambda: nifti_bytes(), "not a gzip file"),
    _gz_case("empty .nii.gz", lambda: b"", "empty"),
    SeriesCase(
        "gzip bomb",
        lambda study: (study / f"{BAD_NAME}.nii.gz").write_bytes(_gzip_bomb()),
        "QAFORGE_MAX_DECOMPRESSED_BYTES",
        location=f"{STUDY}/{BAD_NAME}.nii.gz",
        env={"QAFORGE_MAX_DECOMPRESSED_BYTES": str(16 << 20)},
    ),
    _header_case("bad magic", lambda c: patched(c, MAGIC, "4s", b"xyz\0"), "not a NIfTI file"),
    _header_case(
        "vox_offset past the end", lambda c: patched(c, VOX_OFFSET, "f", 1e6), "truncated"
    ),
    _header_case("vox_offset negative", lambda c: patched(c, VOX_OFFSET, "f", -400.0), "header"),
    _header_case("vox_offset NaN", lambda c: patched(c, VOX_OFFSET, "f", float("nan")), "header"),
    _header_case(
        "negative dim", lambda c: patched(c, DIM, "8h", 4, 8, -8, 3, 4, 1, 1, 1), "header"
    ),
    _header_case("dim[0] of 9", lambda c: patched(c, DIM, "h", 9), "header"),
    _header_case("dim[0] of 0", lambda c: patched(c, DIM, "h", 0), "dimension"),
    _header_case(
        "huge dims",
        lambda c: patched(c, DIM, "8h", 4, 32767, 32767, 32767, 32767, 1, 1, 1),
        "QAFORGE_MAX_VOXELS",
    ),
    _header_case(
        "NaN pixdim", lambda c: patched(c, PIXDIM, "4f", 1.0, float("nan"), 1.5, 8.0), "spacing"
    ),
    _header_case("unknown datatype", lambda c: patched(c, DATATYPE, "h", 999), "header"),
    _header_case("only the header", lambda c: c[:352], "truncated"),
    _header_case("half a header", lambda c: c[:200], "truncated"),
    _header_case("random bytes", lambda c: bytes(range(256)) * 4, "not a NIfTI file"),
]
