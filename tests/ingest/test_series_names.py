"""Names of public releases: classification, skipped files and single phases, by the default mapping."""

from __future__ import annotations

from pathlib import Path

import nibabel as nib
import numpy as np
import pytest

from qaforge.domain.series import ScannedSeries
from qaforge.ingest.series import (
    SINGLE_PHASE_REASON,
    find_series_files,
    read_series_manifest,
    scan_series_file,
    skipped_series_files,
)
from qaforge.ingest.series_mapping import SeriesMapping, load_series_mapping, parse_series_mapping
from qaforge.ingest.series_names import normalise_file_name, normalise_series_name
from qaforge.store.models import ImageSeries

STUDY = "STU-0001"
SEGMENTATION = "segmentation or label file"


@pytest.fixture(scope="module")
def mapping() -> SeriesMapping:
    return load_series_mapping(None)


def write_nifti(path: Path, seed: int = 0) -> Path:
    """A tiny image of random int16 voxels (many values: not a label map)."""
    data = np.random.default_rng(seed).integers(0, 4000, size=(8, 8, 2, 2)).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    nib.save(nib.Nifti1Image(data, np.diag([1.5, 1.5, 8.0, 1.0])), path)
    return path


# --- classification ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "sequence", "view", "phase"),
    [
        # UK Biobank (ukbb_cardiac): the view alone names a cine
        ("sa.nii.gz", "cine", "sax", None),
        ("la_2ch.nii.gz", "cine", "2ch", None),
        ("la_3ch.nii.gz", "cine", "3ch", None),
        ("la_4ch.nii.gz", "cine", "4ch", None),
        ("sa_ED.nii.gz", "cine", "sax", "ed"),
        ("sa_ES.nii.gz", "cine", "sax", "es"),
        ("la_4ch_ED.nii.gz", "cine", "4ch", "ed"),
        # M&Ms-2: LA is its 4-chamber long axis
        ("001_SA_CINE.nii.gz", "cine", "sax", None),
        ("001_LA_CINE.nii.gz", "cine", "4ch", None),
        ("001_SA_ED.nii.gz", "cine", "sax", "ed"),
        ("001_LA_ES.nii.gz", "cine", "4ch", "es"),
        # M&Ms-1
        ("A0S9V9_sa.nii.gz", "cine", "sax", None),
        ("A1K2P5_sa.nii", "cine", "sax", None),
        # ACDC: the frame number does not say which phase
        ("patient001_4d.nii.gz", "cine", "sax", None),
        ("patient001_frame01.nii.gz", "cine", "sax", None),
        ("patient100_frame13.nii.gz", "cine", "sax", None),
        # MyoPS: C0 bSSFP cine, DE late enhancement, T2
        ("myops_training_101_C0.nii.gz", "cine", "sax", None),
        ("myops_training_101_DE.nii.gz", "lge", "sax", None),
        ("myops_training_101_T2.nii.gz", "t2", "sax", None),
        ("myops_test_201_C0.nii.gz", "cine", "sax", None),
        # CineMyoPS, rebuilt one file per case
        ("Case1002_cine.nii.gz", "cine", "sax", None),
        # contrast words still win over a release's loose view names
        ("lge_sa.nii.gz", "lge", "sax", None),
        ("LGE_SA_ED.nii.gz", "lge", "sax", "ed"),
        ("001_SA_DE.nii.gz", "lge", "sax", None),
        ("t2_sa.nii.gz", "t2", "sax", None),
        ("perfusion_la_4ch.nii.gz", "perfusion", "4ch", None),
        ("sa_rest.nii.gz", "perfusion", "sax", None),
    ],
)
def test_release_names_classify(
    tmp_path: Path,
    mapping: SeriesMapping,
    name: str,
    sequence: str,
    view: str,
    phase: str | None,
) -> None:
    path = write_nifti(tmp_path / STUDY / name)

    series = scan_series_file(path, root=tmp_path, mapping=mapping, known_study_ids={STUDY})

    assert isinstance(series, ScannedSeries), series
    assert (series.sequence, series.view, series.phase) == (sequence, view, phase)


@pytest.mark.parametrize(
    "name",
    [
        # a release's forms are anchored to the whole file name
        "oscar_la_2ch",
        "scan_sa",
        "dense_sa_ed",
        "abc_sa",
        "patient001_extra_4d",
        "ca_sa",
    ],
)
def test_loose_lookalikes_name_no_sequence(mapping: SeriesMapping, name: str) -> None:
    assert mapping.match_sequence(normalise_series_name(f"{STUDY}/{name}.nii.gz")) is None


def test_the_longest_classification_fits_its_column() -> None:
    # classified_by names the rules that decided; the default rules must fit
    # the column on PostgreSQL, which (unlike SQLite) enforces its length.
    mapping = load_series_mapping(None)
    by_sequence = [
        f"mapping rule {n} ({r.pattern})" for n, r in enumerate(mapping.rules, 1) if r.sequence
    ]
    by_view = [f"mapping rule {n} ({r.pattern})" for n, r in enumerate(mapping.rules, 1) if r.view]
    longest = max(
        len(f"sequence: {s}; view: {v}")
        for s in by_sequence
        for v in [*by_view, "mapping default_view"]
    )

    assert longest <= ImageSeries.__table__.c.classified_by.type.length


# --- skipped files ---------------------------------------------------------------------

LISTINGS = {
    "ukbb": (
        [
            "sa_ED",
            "sa_ES",
            "la_2ch",
            "la_2ch_ED",
            "la_2ch_ES",
            "la_4ch",
            "la_4ch_ES",
            "seg_sa",
            "seg_sa_ED",
            "seg_la_2ch",
            "seg_la_2ch_ED",
        ],
        {
            "la_2ch_ED": "single phase of {folder}/la_2ch.nii.gz",
            "la_2ch_ES": "single phase of {folder}/la_2ch.nii.gz",
            "la_4ch_ES": "single phase of {folder}/la_4ch.nii.gz",
            "seg_sa": SEGMENTATION,
            "seg_sa_ED": SEGMENTATION,
            "seg_la_2ch": SEGMENTATION,
            "seg_la_2ch_ED": SEGMENTATION,
        },
    ),
    "mnms2": (
        [
            "001_LA_CINE",
            "001_LA_ED",
            "001_LA_ED_gt",
            "001_LA_ES",
            "001_LA_ES_gt",
            "001_SA_ED",
            "001_SA_ED_gt",
            "001_SA_ES",
            "001_SA_ES_gt",
        ],
        {
            "001_LA_ED": "single phase of {folder}/001_LA_CINE.nii.gz",
            "001_LA_ES": "single phase of {folder}/001_LA_CINE.nii.gz",
            "001_LA_ED_gt": SEGMENTATION,
            "001_LA_ES_gt": SEGMENTATION,
            "001_SA_ED_gt": SEGMENTATION,
            "001_SA_ES_gt": SEGMENTATION,
        },
    ),
    "mnms2-with-sa-cine": (
        ["001_SA_CINE", "001_SA_ED", "001_SA_ES"],
        {
            "001_SA_ED": "single phase of {folder}/001_SA_CINE.nii.gz",
            "001_SA_ES": "single phase of {folder}/001_SA_CINE.nii.gz",
        },
    ),
    "mnms1": (["A0S9V9_sa", "A0S9V9_sa_gt"], {"A0S9V9_sa_gt": SEGMENTATION}),
    "acdc": (
        [
            "patient001_4d",
            "patient001_frame01",
            "patient001_frame01_gt",
            "patient001_frame12",
            "patient001_frame12_gt",
        ],
        {
            "patient001_frame01": "single phase of {folder}/patient001_4d.nii.gz",
            "patient001_frame12": "single phase of {folder}/patient001_4d.nii.gz",
            "patient001_frame01_gt": SEGMENTATION,
            "patient001_frame12_gt": SEGMENTATION,
        },
    ),
    "acdc-without-4d": (
        ["patient002_frame01", "patient002_frame01_gt"],
        {"patient002_frame01_gt": SEGMENTATION},
    ),
    "myops": (
        [
            "myops_training_101_C0",
            "myops_training_101_DE",
            "myops_training_101_T2",
            "myops_training_101_gd",
        ],
        {"myops_training_101_gd": SEGMENTATION},
    ),
    "cinemyops": (["Case1002_cine", "Case1002_label"], {"Case1002_label": SEGMENTATION}),
    "other-labels": (
        ["cine_sax", "cine_sax_seg", "lv_mask", "labels_sa", "sa_labelmap", "Segmentation_sa"],
        {
            "cine_sax_seg": SEGMENTATION,
            "lv_mask": SEGMENTATION,
            "labels_sa": SEGMENTATION,
            "sa_labelmap": SEGMENTATION,
            "Segmentation_sa": SEGMENTATION,
        },
    ),
}


@pytest.mark.parametrize("release", list(LISTINGS))
def test_segmentations_and_cut_phases_are_skipped(
    tmp_path: Path, mapping: SeriesMapping, release: str
) -> None:
    stems, expected = LISTINGS[release]
    folder = f"{release}-1"
    for stem in stems:
        # Not NIfTI inside: skipping goes by name and never reads a file.
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / f"{stem}.nii.gz").write_bytes(b"not read")

    skipped = skipped_series_files(find_series_files(tmp_path), root=tmp_path, mapping=mapping)

    found = {file.name.removesuffix(".nii.gz"): item for file, item in skipped.items()}
    want = {stem: text.format(folder=folder) for stem, text in expected.items()}
    assert {
        stem: item.detail if item.reason == SINGLE_PHASE_REASON else item.reason
        for stem, item in found.items()
    } == want
    assert all(item.path == f"{folder}/{stem}.nii.gz" for stem, item in found.items())


def test_skip_detail_names_the_rule(tmp_path: Path, mapping: SeriesMapping) -> None:
    file = tmp_path / "s" / "001_SA_ED_gt.nii.gz"

    (item,) = skipped_series_files([file], root=tmp_path, mapping=mapping).values()

    assert item.reason == SEGMENTATION
    assert item.detail.startswith("mapping skip rule ") and "gt" in item.detail


def test_a_cine_in_another_folder_does_not_make_a_phase_skipped(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    files = [tmp_path / "a" / "la_2ch.nii.gz", tmp_path / "b" / "la_2ch_ED.nii.gz"]

    assert skipped_series_files(files, root=tmp_path, mapping=mapping) == {}


def test_a_skipped_file_is_not_the_cine_of_a_phase(tmp_path: Path, mapping: SeriesMapping) -> None:
    # seg_sa is a segmentation over all frames, not the cine sa_ED was cut from.
    files = [tmp_path / "u" / "seg_sa.nii.gz", tmp_path / "u" / "sa_ED.nii.gz"]

    skipped = skipped_series_files(files, root=tmp_path, mapping=mapping)

    assert [item.path for item in skipped.values()] == ["u/seg_sa.nii.gz"]


def test_files_named_in_the_manifest_are_never_skipped(
    tmp_path: Path, mapping: SeriesMapping
) -> None:
    files = [tmp_path / "seg_sa.nii.gz", tmp_path / "la_2ch.nii.gz", tmp_path / "la_2ch_ED.nii.gz"]
    manifest_path = tmp_path / "m.csv"
    manifest_path.write_text(
        "path,study_id\nseg_sa.nii.gz,S\nla_2ch_ED.nii.gz,S\n", encoding="utf-8"
    )
    manifest, _ = read_series_manifest(manifest_path)

    assert skipped_series_files(files, root=tmp_path, mapping=mapping, manifest=manifest) == {}


def test_a_mapping_without_skip_rules_skips_nothing(tmp_path: Path) -> None:
    mapping = parse_series_mapping("rules: []\n", source="test mapping")
    files = [tmp_path / "seg_sa.nii.gz", tmp_path / "la_2ch.nii.gz", tmp_path / "la_2ch_ED.nii.gz"]

    assert skipped_series_files(files, root=tmp_path, mapping=mapping) == {}


@pytest.mark.parametrize(
    ("path", "name", "key"),
    [
        ("ukbb-1/la_2ch_ED.nii.gz", "la 2ch ed", "la 2ch"),
        ("ukbb-1/la_2ch.nii.gz", "la 2ch", "la 2ch"),
        ("m/001_LA_CINE.nii.gz", "001 la cine", "001 la"),
        ("m/001_LA_ED.nii.gz", "001 la ed", "001 la"),
        ("a/patient001_4d.nii.gz", "patient001 4d", "patient001"),
        ("a/patient001_frame01.nii.gz", "patient001 frame01", "patient001"),
        ("seg folder\\SEG_SA.NII", "seg sa", "seg sa"),
    ],
)
def test_file_names_and_cine_keys(mapping: SeriesMapping, path: str, name: str, key: str) -> None:
    assert normalise_file_name(path) == name
    assert mapping.cine_key(name) == key


@pytest.mark.parametrize(
    ("name", "phase"),
    [
        ("sa ed", "ed"),
        ("001 sa es", "es"),
        ("cine sax end diastole", "ed"),
        ("patient001 frame01", None),
    ],
)
def test_phase_tokens(mapping: SeriesMapping, name: str, phase: str | None) -> None:
    found = mapping.match_phase(name)

    assert found is not None and found.phase == phase


@pytest.mark.parametrize("name", ["sa", "oedema sa", "tested sa", "series 0007", "red sa"])
def test_names_without_a_phase_token(mapping: SeriesMapping, name: str) -> None:
    assert mapping.match_phase(name) is None
