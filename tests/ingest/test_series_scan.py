"""Scanning NIfTI series: headers, integrity, classification, study links, manifests."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import nibabel as nib
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from nibabel.arrayproxy import ArrayProxy

from qaforge.domain.quarantine import QuarantineEntry
from qaforge.domain.series import ScannedSeries
from qaforge.errors import ConfigError, InputFileError
from qaforge.ingest import nifti
from qaforge.ingest.nifti import (
    UnreadableSeriesError,
    digest_and_verify,
    read_nifti_header,
    read_series_header,
)
from qaforge.ingest.series import (
    find_series_files,
    read_series_manifest,
    scan_series_file,
    unmatched_manifest_rows,
)
from qaforge.ingest.series_mapping import (
    DEFAULT_MAPPING_LABEL,
    SeriesMapping,
    load_series_mapping,
    parse_series_mapping,
)
from qaforge.ingest.series_names import normalise_series_name

STUDY = "STU-0001"
KNOWN = frozenset({"STU-0001", "STU-0002"})
RAS = np.diag([1.5, 1.5, 8.0, 1.0])


def write_nifti(
    path: Path,
    shape: tuple[int, ...] = (16, 16, 4, 5),
    *,
    affine: np.ndarray = RAS,
    descrip: bytes = b"",
    seed: int = 0,
) -> Path:
    """Write a small NIfTI file of random int16 voxels (random, so gzip cannot shrink it much)."""
    data = np.random.default_rng(seed).integers(0, 4000, size=shape).astype(np.int16)
    image = nib.Nifti1Image(data, affine)
    if descrip:
        image.header["descrip"] = descrip
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(image, path)
    return path


def cut(path: Path, keep: float) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


@pytest.fixture(scope="module")
def mapping() -> SeriesMapping:
    return load_series_mapping(None)


def scan(
    path: Path, root: Path, mapping: SeriesMapping, **kwargs: object
) -> ScannedSeries | QuarantineEntry:
    return scan_series_file(path, root=root, mapping=mapping, known_study_ids=KNOWN, **kwargs)  # type: ignore[arg-type]


def quarantined(result: ScannedSeries | QuarantineEntry) -> QuarantineEntry:
    assert isinstance(result, QuarantineEntry), result
    assert "\n" not in result.reason
    assert result.stage == "ingest_series"
    return result


def scanned(result: ScannedSeries | QuarantineEntry) -> ScannedSeries:
    assert isinstance(result, ScannedSeries), result
    return result


# --- headers -------------------------------------------------------------------


def test_header_facts(tmp_path: Path) -> None:
    path = write_nifti(tmp_path / "a.nii.gz", (16, 12, 4, 5), descrip=b"SA cine bSSFP")

    header = read_series_header(path)

    assert header.shape == (16, 12, 4, 5)
    assert header.spacing == (1.5, 1.5, 8.0, 1.0)
    assert (header.n_slices, header.n_frames) == (4, 5)
    assert header.orientation == "RAS"
    assert header.dtype == "int16"
    assert header.description == "SA cine bSSFP"
    assert header.affine == RAS.tolist()


def test_flipped_affine_gives_las(tmp_path: Path) -> None:
    flipped = RAS @ np.diag([-1.0, 1.0, 1.0, 1.0])
    path = write_nifti(tmp_path / "flipped.nii", affine=flipped)

    assert read_series_header(path).orientation == "LAS"


@pytest.mark.parametrize(
    ("shape", "slices", "frames", "stored"),
    [
        ((16, 16), 1, 1, (16, 16)),
        ((16, 16, 6), 6, 1, (16, 16, 6)),
        ((16, 16, 1, 20), 1, 20, (16, 16, 1, 20)),
        ((16, 16, 3, 2, 1), 3, 2, (16, 16, 3, 2)),
    ],
)
def test_slices_and_frames(
    tmp_path: Path,
    shape: tuple[int, ...],
    slices: int,
    frames: int,
    stored: tuple[int, ...],
) -> None:
    header = read_series_header(write_nifti(tmp_path / "a.nii", shape))

    assert (header.n_slices, header.n_frames, header.shape) == (slices, frames, stored)
    assert len(header.spacing) == len(stored)


@pytest.mark.parametrize(
    ("shape", "words"), [((16,), "1 dimension"), ((4, 4, 3, 2, 3), "5th or later axis")]
)
def test_unusable_shapes_are_refused(tmp_path: Path, shape: tuple[int, ...], words: str) -> None:
    path = write_nifti(tmp_path / "a.nii", shape)

    with pytest.raises(UnreadableSeriesError, match=words):
        read_series_header(path)


def test_non_finite_spacing_is_refused(tmp_path: Path) -> None:
    image = nib.Nifti1Image(np.zeros((4, 4, 2), np.int16), RAS)
    image.header["pixdim"][2] = np.nan
    path = tmp_path / "nan.nii"
    image.to_filename(path)

    with pytest.raises(UnreadableSeriesError, match="voxel spacing"):
        read_series_header(path)


def test_header_is_read_without_the_voxels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = cut(write_nifti(tmp_path / "data_cut.nii"), 0.5)

    def no_voxels(*args: object, **kwargs: object) -> None:
        raise AssertionError("voxel data was read")

    monkeypatch.setattr(ArrayProxy, "_get_unscaled", no_voxels)
    header = read_nifti_header(path)

    assert header.series.shape == (16, 16, 4, 5)
    with pytest.raises(UnreadableSeriesError, match="truncated"):
        digest_and_verify(path, header)


# --- digest and integrity --------------------------------------------------------


@pytest.mark.parametrize("name", ["a.nii", "a.nii.gz"])
def test_digest_is_sha256_of_the_file(tmp_path: Path, name: str) -> None:
    path = write_nifti(tmp_path / name)

    digest = digest_and_verify(path, read_nifti_header(path))

    assert digest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest.size_bytes == path.stat().st_size


def test_digest_streams_in_small_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Tiny chunks and a tiny inflate limit cross every buffer boundary.
    path = write_nifti(tmp_path / "a.nii.gz")
    header = read_nifti_header(path)
    monkeypatch.setattr(nifti, "CHUNK_BYTES", 7)
    monkeypatch.setattr(nifti, "INFLATE_LIMIT", 5)

    digest = digest_and_verify(path, header)

    assert digest.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_multi_member_gzip_with_padding_is_accepted(tmp_path: Path) -> None:
    raw = write_nifti(tmp_path / "plain.nii").read_bytes()
    path = tmp_path / "multi.nii.gz"
    path.write_bytes(gzip.compress(raw[:1000]) + gzip.compress(raw[1000:]) + b"\0" * 8)

    digest = digest_and_verify(path, read_nifti_header(path))

    assert digest.size_bytes == path.stat().st_size


def test_highly_compressible_file_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "zeros.nii.gz"
    nib.save(nib.Nifti1Image(np.zeros((128, 128, 16, 4), np.uint8), RAS), path)

    digest_and_verify(path, read_nifti_header(path))


@pytest.mark.parametrize(
    ("name", "damage", "words"),
    [
        ("half.nii.gz", lambda p: cut(p, 0.5), "truncated"),
        ("tiny.nii.gz", lambda p: cut(p, 0.01), "truncated"),
        ("half.nii", lambda p: cut(p, 0.5), "truncated"),
        ("tiny.nii", lambda p: cut(p, 0.02), "truncated"),
        ("junk_after.nii.gz", lambda p: p.write_bytes(p.read_bytes() + b"junk"), "after the end"),
        ("empty.nii.gz", lambda p: p.write_bytes(b""), "empty file"),
    ],
)
def test_damaged_files_are_quarantined(
    tmp_path: Path, mapping: SeriesMapping, name: str, damage: object, words: str
) -> None:
    path = write_nifti(tmp_path / STUDY / "cine" / "sax" / name)
    damage(path)  # type: ignore[operator]

    entry = quarantined(scan(path, tmp_path, mapping))

    assert words in entry.reason
    assert entry.location == f"{STUDY}/cine/sax/{name}"
    assert entry.source == str(tmp_path)


def test_corrupt_gzip_is_quarantined(tmp_path: Path, mapping: SeriesMapping) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_sax.nii.gz")
    data = bytearray(path.read_bytes())
    for offset in range(len(data) // 2, len(data) // 2 + 64):
        data[offset] ^= 0x5A
    path.write_bytes(bytes(data))

    entry = quarantined(scan(path, tmp_path, mapping))

    assert "corrupt gzip data" in entry.reason


@pytest.mark.parametrize(
    ("name", "words"),
    [("noise.nii.gz", "not a gzip file"), ("noise.nii", "not a NIfTI file")],
)
def test_random_bytes_are_quarantined(
    tmp_path: Path, mapping: SeriesMapping, name: str, words: str
) -> None:
    path = tmp_path / STUDY / f"cine_sax_{name}"
    path.parent.mkdir()
    path.write_bytes(np.random.default_rng(1).bytes(4000))

    assert words in quarantined(scan(path, tmp_path, mapping)).reason


def test_gzip_of_something_else_is_not_nifti(tmp_path: Path) -> None:
    path = tmp_path / "text.nii.gz"
    path.write_bytes(gzip.compress(b"not an image " * 100))

    with pytest.raises(UnreadableSeriesError, match="not a NIfTI file"):
        read_series_header(path)


# --- classification ----------------------------------------------------------------

SAMPLE_NAMES = {
    "A": {
        "cine_sax.nii.gz": ("cine", "sax"),
        "cine_2ch.nii.gz": ("cine", "2ch"),
        "cine_3ch.nii.gz": ("cine", "3ch"),
        "cine_4ch.nii.gz": ("cine", "4ch"),
        "lge_sax.nii.gz": ("lge", "sax"),
        "t2_sax.nii.gz": ("t2", "sax"),
        "perfusion_sax.nii.gz": ("perfusion", "sax"),
    },
    "B": {
        "SA_CINE.nii.gz": ("cine", "sax"),
        "LA_2CH_CINE.nii.gz": ("cine", "2ch"),
        "LA_3CH_CINE.nii.gz": ("cine", "3ch"),
        "LA_4CH_CINE.nii.gz": ("cine", "4ch"),
        "PSIR_LGE_SA.nii.gz": ("lge", "sax"),
        "STIR_T2_SA.nii.gz": ("t2", "sax"),
        "FPP_STRESS_SA.nii.gz": ("perfusion", "sax"),
    },
    "C": {
        "cine/sax.nii.gz": ("cine", "sax"),
        "cine/2ch.nii.gz": ("cine", "2ch"),
        "cine/3ch.nii.gz": ("cine", "3ch"),
        "cine/4ch.nii.gz": ("cine", "4ch"),
        "lge/sax.nii.gz": ("lge", "sax"),
        "t2/sax.nii.gz": ("t2", "sax"),
        "perfusion/sax.nii.gz": ("perfusion", "sax"),
    },
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [(name, kind) for style in SAMPLE_NAMES.values() for name, kind in style.items()],
)
def test_sample_names_classify(
    tmp_path: Path, mapping: SeriesMapping, name: str, expected: tuple[str, str]
) -> None:
    path = write_nifti(tmp_path / STUDY / name, (8, 8, 2, 2))

    series = scanned(scan(path, tmp_path, mapping))

    assert (series.sequence, series.view) == expected
    assert series.study_id == STUDY
    assert series.path == f"{STUDY}/{name}"
    assert series.classified_by.startswith(("mapping rule", "sequence: mapping rule"))


@pytest.mark.parametrize(
    ("name", "sequence", "view"),
    [
        # short words inside longer ones must not match
        ("usa_cine_4ch", "cine", "4ch"),
        ("saxophone_cine", "cine", None),
        ("descending_aorta", None, None),
        ("dense_sa", None, "sax"),
        ("st2_sa", None, "sax"),
        ("interest_sa", None, "sax"),
        ("performance_sa", None, "sax"),
        ("template_sa", None, "sax"),
        ("oscar_sa", None, "sax"),
        # short words that are whole words do match
        ("de_sa", "lge", "sax"),
        ("delayed_enhancement", "lge", "sax"),
        ("late_gad_sa", "lge", "sax"),
        ("mag_ir_sa", "lge", "sax"),
        ("scar_sa_stack", "lge", "sax"),
        ("t2w_tse_sa", "t2", "sax"),
        ("t2map_ssfp_sa", "t2", "sax"),
        ("tse_t2_sa", "t2", "sax"),
        ("oedema_sa", "t2", "sax"),
        ("edema_sa", "t2", "sax"),
        ("first_pass_sa", "perfusion", "sax"),
        ("perf_rest", "perfusion", "sax"),
        ("rest_sa", "perfusion", "sax"),
        # T2* is iron imaging, not T2
        ("t2star_sa", None, "sax"),
        ("t2_star_sa", None, "sax"),
        ("T2*_SA", None, "sax"),
        # readout words lose against contrast words; "stress" alone against cine
        ("trufi_psir_sa", "lge", "sax"),
        ("fpp_ssfp_sa", "perfusion", "sax"),
        ("stress_cine_sa", "cine", "sax"),
        ("stress_sa", "perfusion", "sax"),
        ("trufi_retro_sa", "cine", "sax"),
        ("FIESTA_4CH", "cine", "4ch"),
        ("balanced_ffe_2_chamber", "cine", "2ch"),
        # views in their many spellings
        ("cine_vla", "cine", "2ch"),
        ("cine_two_chamber", "cine", "2ch"),
        ("cine_lvot", "cine", "3ch"),
        ("cine_3_chamber", "cine", "3ch"),
        ("cine_hla", "cine", "4ch"),
        ("cine-four-chamber", "cine", "4ch"),
        ("cine_short_axis", "cine", "sax"),
        ("cine.shortaxis", "cine", "sax"),
        ("cine_sa_stack", "cine", "sax"),
        ("bssfp/SAX", "cine", "sax"),
    ],
)
def test_mapping_words_and_traps(
    mapping: SeriesMapping, name: str, sequence: str | None, view: str | None
) -> None:
    normalised = normalise_series_name(f"{STUDY}/{name}.nii.gz")
    found_sequence = mapping.match_sequence(normalised)
    found_view = mapping.match_view(normalised, found_sequence.value if found_sequence else None)

    assert (found_sequence.value if found_sequence else None) == sequence
    assert (found_view.value if found_view else None) == view


@pytest.mark.parametrize(
    ("path", "description", "name"),
    [
        ("STU-0001/LA_2CH_CINE.nii.gz", None, "stu 0001/la 2ch cine"),
        ("STU-0001/cine/2ch.NII.GZ", None, "stu 0001/cine/2ch"),
        ("STU-0001/t2.map..sa.nii", None, "stu 0001/t2 map sa"),
        ("STU-0002/SA_CINE.nii.gz", "SA cine bSSFP", "stu 0002/sa cine | sa cine bssfp"),
        ("a/b.nii.gz", "T2* / iron", "a/b | t2 star iron"),
        ("a/b.nii.gz", "  ", "a/b"),
    ],
)
def test_name_normalisation(path: str, description: str | None, name: str) -> None:
    assert normalise_series_name(path, description) == name


@given(st.text(), st.one_of(st.none(), st.text()))
def test_normalised_names_have_only_words_spaces_and_slashes(
    path: str, description: str | None
) -> None:
    name = normalise_series_name(path, description)
    path_part = name.split(" | ", 1)[0]

    assert "_" not in name and "  " not in path_part
    assert name == name.lower() or not name.isascii()
    assert all(ch.isalnum() or ch in " /" for ch in path_part)


def test_unknown_sequence_is_quarantined_with_the_name_tried(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    path = write_nifti(tmp_path / STUDY / "series_0007.nii.gz", (8, 8, 2, 2))

    entry = quarantined(scan(path, tmp_path, mapping))

    assert "unknown sequence" in entry.reason
    assert "'stu 0001/series 0007'" in entry.reason
    assert "--mapping" in entry.reason


def test_cine_without_a_view_is_quarantined(tmp_path: Path, mapping: SeriesMapping) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_retro.nii.gz", (8, 8, 2, 2))

    entry = quarantined(scan(path, tmp_path, mapping))

    assert "no view" in entry.reason and "'stu 0001/cine retro'" in entry.reason


def test_default_view_is_used_when_no_rule_gives_one(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    path = write_nifti(tmp_path / STUDY / "psir.nii.gz", (8, 8, 2, 2))

    series = scanned(scan(path, tmp_path, mapping))

    assert (series.sequence, series.view) == ("lge", "sax")
    assert series.classified_by.endswith("view: mapping default_view")


def test_rules_decide_sequence_and_view_independently() -> None:
    mapping = parse_series_mapping(
        """
        rules:
          - {pattern: 'x', sequence: lge}
          - {pattern: 'x', sequence: cine, view: 4ch}
          - {pattern: 'x', view: 2ch}
        """,
        source="test mapping",
    )

    assert mapping.match_sequence("x").value == "lge"  # type: ignore[union-attr]
    assert mapping.match_view("x", "lge").value == "4ch"  # type: ignore[union-attr]
    assert mapping.match_view("y", "lge") is None


# --- sidecars ------------------------------------------------------------------------


def write_sidecar(nifti_path: Path, content: object) -> None:
    name = nifti_path.name.removesuffix(".gz").removesuffix(".nii")
    text = content if isinstance(content, str) else json.dumps(content)
    nifti_path.with_name(name + ".json").write_text(text, encoding="utf-8")


def test_sidecar_overrides_the_mapping(tmp_path: Path, mapping: SeriesMapping) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_sax.nii.gz", (8, 8, 2, 2))
    sidecar = {"sequence": "LGE", "view": "sax", "RepetitionTime": 3.1}
    write_sidecar(path, sidecar)

    series = scanned(scan(path, tmp_path, mapping))

    assert (series.sequence, series.view, series.classified_by) == ("lge", "sax", "sidecar")
    assert series.sidecar == sidecar


def test_sidecar_description_and_study_feed_the_mapping(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    path = write_nifti(tmp_path / "export" / "series_12.nii", (8, 8, 2, 2))
    write_sidecar(path, {"SeriesDescription": "LA 3CH cine bSSFP", "study_id": "STU-0002"})

    series = scanned(scan(path, tmp_path, mapping))

    assert (series.study_id, series.sequence, series.view) == ("STU-0002", "cine", "3ch")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"sequence": "flair"}, "sequence 'flair' is not one of"),
        ({"view": "lax"}, "view 'lax' is not one of"),
        ({"SeriesDescription": 7}, "SeriesDescription must be a string"),
    ],
)
def test_malformed_sidecar_is_quarantined(
    tmp_path: Path, mapping: SeriesMapping, content: object, words: str
) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_sax.nii.gz", (8, 8, 2, 2))
    write_sidecar(path, content)

    entry = quarantined(scan(path, tmp_path, mapping))

    assert "cine_sax.json" in entry.reason and words in entry.reason


def test_sidecar_with_unknown_study_is_quarantined(tmp_path: Path, mapping: SeriesMapping) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_sax.nii.gz", (8, 8, 2, 2))
    write_sidecar(path, {"study_id": "STU-9999"})

    entry = quarantined(scan(path, tmp_path, mapping))

    assert "sidecar links to study 'STU-9999', which is not stored" in entry.reason


# --- studies ---------------------------------------------------------------------------


def test_unknown_study_lists_the_folders_tried(tmp_path: Path, mapping: SeriesMapping) -> None:
    root = tmp_path / "scans"
    path = write_nifti(root / "STU-7777" / "cine" / "sax.nii.gz", (8, 8, 2, 2))

    entry = quarantined(scan(path, root, mapping))

    assert "no study found" in entry.reason
    assert "none of the folders 'cine', 'STU-7777', 'scans' is a stored" in entry.reason


def test_nearest_enclosing_study_folder_wins(tmp_path: Path, mapping: SeriesMapping) -> None:
    path = write_nifti(tmp_path / "STU-0001" / "STU-0002" / "lge_sax.nii.gz", (8, 8, 2, 2))

    assert scanned(scan(path, tmp_path, mapping)).study_id == "STU-0002"


def test_the_scanned_folder_itself_can_be_the_study(tmp_path: Path, mapping: SeriesMapping) -> None:
    root = tmp_path / STUDY
    path = write_nifti(root / "cine" / "sax.nii.gz", (8, 8, 2, 2))

    series = scanned(scan(path, root, mapping))

    assert (series.study_id, series.path, series.study_path) == (
        STUDY,
        "cine/sax.nii.gz",
        "cine/sax.nii.gz",
    )


# --- manifests ----------------------------------------------------------------------------


def write_manifest(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_manifest_links_and_classifies(tmp_path: Path, mapping: SeriesMapping) -> None:
    root = tmp_path / "scans"
    loose = write_nifti(root / "batch" / "img_001.nii.gz", (8, 8, 2, 2))
    misfiled = write_nifti(root / STUDY / "cine_sax.nii.gz", (8, 8, 2, 2))
    write_sidecar(misfiled, {"study_id": STUDY, "sequence": "cine"})
    manifest_path = write_manifest(
        tmp_path / "manifest.csv",
        "path,study_id,sequence,view\n"
        "batch/img_001.nii.gz,STU-0002,lge,\n"
        f".\\{STUDY}\\cine_sax.nii.gz,STU-0002,perfusion,SAX\n",
    )
    manifest, refused = read_series_manifest(manifest_path)

    first = scanned(scan(loose, root, mapping, manifest=manifest))
    second = scanned(scan(misfiled, root, mapping, manifest=manifest))

    assert refused == []
    assert (first.study_id, first.sequence, first.view) == ("STU-0002", "lge", "sax")
    assert first.classified_by == "sequence: manifest; view: mapping default_view"
    assert (second.study_id, second.sequence, second.view) == ("STU-0002", "perfusion", "sax")
    assert second.classified_by == "manifest"


def test_manifest_with_unknown_study_quarantines_the_series(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    path = write_nifti(tmp_path / STUDY / "cine_sax.nii.gz", (8, 8, 2, 2))
    manifest_path = write_manifest(
        tmp_path / "m.csv", f"path,study_id\n{STUDY}/cine_sax.nii.gz,X-1\n"
    )
    manifest, _ = read_series_manifest(manifest_path)

    entry = quarantined(scan(path, tmp_path, mapping, manifest=manifest))

    assert "manifest line 2 links to study 'X-1'" in entry.reason


def test_bad_manifest_rows_are_refused_with_their_line(tmp_path: Path) -> None:
    manifest_path = write_manifest(
        tmp_path / "m.csv",
        "path,study_id,sequence,view\n"
        "a.nii.gz,STU-0001,cine,sax\n"
        "b.nii.gz,STU-0001\n"
        "c.nii.gz,STU-0001,flair,sax\n"
        "d.nii.gz,STU-0001,cine,lax\n"
        "/abs/e.nii.gz,STU-0001,,\n"
        "../f.nii.gz,STU-0001,,\n"
        "g.nii.gz, ,,\n"
        "\n"
        "a.nii.gz,STU-0002,,\n"
        ",STU-0001,,\n",
    )

    manifest, refused = read_series_manifest(manifest_path)

    assert list(manifest.rows) == ["a.nii.gz"]
    reasons = {entry.location: entry.reason for entry in refused}
    assert reasons == {
        "line 3": "expected 4 fields (path,study_id,sequence,view), got 2",
        "line 4": "sequence 'flair' is not one of cine, lge, perfusion, t2",
        "line 5": "view 'lax' is not one of sax, 2ch, 3ch, 4ch",
        "line 6": "path '/abs/e.nii.gz' must be relative to the scanned folder",
        "line 7": "path '../f.nii.gz' must not contain '..'",
        "line 8": "empty study_id",
        "line 10": "duplicate path 'a.nii.gz' (first at line 2)",
        "line 11": "empty path",
    }
    assert all(entry.source == str(manifest_path) for entry in refused)
    assert refused[0].record_key == "b.nii.gz" and refused[0].raw == "b.nii.gz,STU-0001"


def test_manifest_rows_that_are_not_utf8_are_refused_alone(tmp_path: Path) -> None:
    """Undecodable bytes, an encoded surrogate (ED A0 80) among them: the row, not the file."""
    manifest_path = tmp_path / "m.csv"
    manifest_path.write_bytes(
        b"path,study_id\n"
        b"a\xff.nii.gz,STU-0001\n"
        b"b.nii.gz,STU-\xed\xa0\x80\n"
        b"\xed\xa0\x80c.nii.gz,STU-0001\n"
        b"d.nii.gz,STU-0001\n"
    )

    manifest, refused = read_series_manifest(manifest_path)

    assert list(manifest.rows) == ["d.nii.gz"]
    assert [(e.location, e.reason) for e in refused] == [
        (f"line {n}", "bytes are not valid UTF-8") for n in (2, 3, 4)
    ]
    # a claimed path that is not text is no record key; the excerpt shows U+FFFD
    assert [e.record_key for e in refused] == [None, "b.nii.gz", None]
    assert refused[0].raw == "a\ufffd.nii.gz,STU-0001"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("file,study\nx,y\n", "E209", "missing path, study_id"),
        ("path,study_id,colour\n", "E209", "unknown 'colour'"),
        ("", "E209", "empty file"),
    ],
)
def test_bad_manifest_header_is_an_input_error(
    tmp_path: Path, text: str, code: str, words: str
) -> None:
    with pytest.raises(InputFileError) as caught:
        read_series_manifest(write_manifest(tmp_path / "m.csv", text))

    assert caught.value.code == code and words in caught.value.message
    assert caught.value.hint


def test_manifest_columns_in_any_order_and_unmatched_rows(tmp_path: Path) -> None:
    root = tmp_path / "scans"
    files = [write_nifti(root / "a.nii", (8, 8, 2))]
    manifest_path = write_manifest(
        tmp_path / "m.csv",
        "study_id,path\nSTU-0001,a.nii\nSTU-0001,scans/a.nii\nSTU-0001,b.nii,extra\n",
    )

    manifest, refused = read_series_manifest(manifest_path)
    unmatched = unmatched_manifest_rows(manifest, files, root)

    assert sorted(manifest.rows) == ["a.nii", "scans/a.nii"]
    assert [entry.record_key for entry in refused] == ["b.nii"]
    assert [(entry.location, entry.record_key) for entry in unmatched] == [
        ("line 3", "scans/a.nii")
    ]


def test_missing_manifest_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputFileError) as caught:
        read_series_manifest(tmp_path / "nope.csv")

    assert caught.value.code == "E208"


# --- finding files -----------------------------------------------------------------------


def test_find_series_files(tmp_path: Path) -> None:
    for name in [
        "STU-0002/b.nii",
        "STU-0001/cine/SAX.NII.GZ",
        "STU-0001/a.nii.gz",
        "STU-0001/a.json",
        "STU-0001/a.nii.gz.bak",
        "STU-0001/._a.nii.gz",
        ".cache/x.nii.gz",
        "STU-0001/.hidden/y.nii",
    ]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"")

    found = [path.relative_to(tmp_path).as_posix() for path in find_series_files(tmp_path)]

    assert found == ["STU-0001/a.nii.gz", "STU-0001/cine/SAX.NII.GZ", "STU-0002/b.nii"]


def test_find_series_files_refuses_a_missing_or_non_folder_root(tmp_path: Path) -> None:
    file = tmp_path / "file.nii"
    file.write_bytes(b"")

    with pytest.raises(InputFileError) as missing:
        find_series_files(tmp_path / "absent")
    with pytest.raises(InputFileError) as not_folder:
        find_series_files(file)

    assert (missing.value.code, not_folder.value.code) == ("E205", "E206")
    assert str(tmp_path / "absent") in missing.value.message and missing.value.hint


# --- mapping files -------------------------------------------------------------------------


def test_default_mapping_is_package_data() -> None:
    mapping = load_series_mapping(None)

    assert mapping.source == DEFAULT_MAPPING_LABEL
    assert mapping.default_view == {"lge": "sax", "t2": "sax", "perfusion": "sax"}


def test_custom_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text("rules:\n  - pattern: '\\bdelenh\\b'\n    sequence: lge\n", encoding="utf-8")

    mapping = load_series_mapping(path)

    assert mapping.match_sequence("stu/delenh").value == "lge"  # type: ignore[union-attr]
    assert mapping.source == f"mapping file {path}"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        (
            "rules: []\ncolour: red\n",
            "E203",
            "unknown key 'colour' in the top level; allowed: version, rules, default_view",
        ),
        (
            "rules:\n  - {pattern: a, sequence: lge, flag: x}\n",
            "E203",
            "unknown key 'flag' in rules[1]; allowed: pattern, sequence, view",
        ),
        (
            "rules:\n  - {pattern: '(a', sequence: lge}\n",
            "E204",
            "rules[1].pattern: '(a' is not a valid regular expression",
        ),
        ("rules:\n  - {pattern: 'mag_ir', sequence: lge}\n", "E204", "contains '_'"),
        (
            "rules:\n  - {pattern: a, view: 2ch}\n  - {pattern: b, sequence: flair}\n",
            "E203",
            "rules[2].sequence: got 'flair'; input should be 'cine', 'lge', 'perfusion' or 't2'",
        ),
        ("rules:\n  - {pattern: a, view: lax}\n", "E203", "rules[1].view: got 'lax'"),
        ("rules:\n  - {pattern: a}\n", "E203", "must set sequence, view or both"),
        ("default_view: {flair: sax}\n", "E203", "key 'flair'"),
        (
            "skip:\n  - {pattern: seg, reason: x, colour: y}\n",
            "E203",
            "unknown key 'colour' in skip[1]; allowed: pattern, reason",
        ),
        (
            "phases:\n  - {pattern: ed, phase: ed, token: x}\n",
            "E203",
            "unknown key 'token' in phases[1]; allowed: pattern, phase",
        ),
        ("skip:\n  - {pattern: seg}\n", "E203", "skip[1].reason: missing"),
        ("phases:\n  - {pattern: ed}\n", "E203", "phases[1].phase: missing"),
        ("phases:\n  - {pattern: ed, phase: mid}\n", "E203", "phases[1].phase: got 'mid'"),
        ("skip:\n  - {pattern: 'seg_sa', reason: x}\n", "E204", "contains '_'"),
        ("cine_words: '(cine'\n", "E204", "cine_words: '(cine' is not a valid regular"),
        ("rules: [\n", "E202", "not valid YAML at line"),
        ("- a\n", "E202", "must be a YAML mapping"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, code: str, words: str) -> None:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_series_mapping(path)

    assert caught.value.code == code
    assert words in caught.value.message
    assert str(path) in caught.value.message
    assert "sequences: cine, lge, perfusion, t2" in caught.value.hint


def test_unreadable_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_series_mapping(tmp_path / "absent.yaml")

    assert caught.value.code == "E201" and "does not exist" in caught.value.message
