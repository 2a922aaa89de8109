"""The bundled sample data: reports, phantom series and their truth agree and are reproducible.

The sample is written once per module; the image checks measure the written
files, shown by the display convention (:func:`qaforge.images.display.display_orientation`
read from each file's affine), against ``series_truth.jsonl``, using the angle
convention documented in :mod:`qaforge.sample.phantoms`, recomputed here
rather than imported. Slice indices in the truth are the file's.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import nibabel as nib
import numpy as np
import pytest
from pydantic import ValidationError

from qaforge.domain.reports import ReportRecord
from qaforge.images.display import APEX_TO_BASE, display_orientation
from qaforge.sample import SampleDataSummary, write_sample_data
from qaforge.sample.cases import SAMPLE_CASES, CaseTruth, Region, case_by_study
from qaforge.sample.phantoms import Phantom, build_phantom

CASES = {case.study_id: case for case in SAMPLE_CASES}
LEVEL_NAMES = ("basal", "mid", "apical")
SECTORS = {
    "anterior": (330, 30),
    "anterolateral": (30, 90),
    "inferolateral": (90, 150),
    "inferior": (150, 210),
    "inferoseptal": (210, 270),
    "anteroseptal": (270, 330),
    "septal": (210, 330),
    "lateral": (30, 150),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleDataSummary:
    return write_sample_data(tmp_path_factory.mktemp("sample"), seed=0)


@pytest.fixture(scope="module")
def reports(sample: SampleDataSummary) -> list[dict[str, Any]]:
    lines = sample.reports_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def truth(sample: SampleDataSummary) -> list[dict[str, Any]]:
    lines = sample.series_truth_path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def load_displayed(sample: SampleDataSummary, line: dict[str, Any]) -> np.ndarray:
    """The file's voxels with every slice shown by the display convention, file slice order."""
    image = nib.load(sample.series_dir / line["path"])
    data = np.asarray(image.dataobj).astype(float)
    return np.array(display_orientation(image.affine, line["view"]).apply(data))


def as_4d(array: np.ndarray) -> np.ndarray:
    return array.reshape(array.shape + (1,) * (4 - array.ndim))


def phantom_of(line: dict[str, Any]) -> Phantom:
    key = f"{line['sequence']}_{line['view']}"
    return build_phantom(case_by_study(line["study_id"]), key, seed=0)  # type: ignore[arg-type]


def lv_file_slices(line: dict[str, Any]) -> list[int]:
    """File slices holding LV, from the base to the apex."""
    first, last = line["lv_slices"]
    slices = list(range(first, last + 1))
    return slices if line["slice_order"] == "base_first" else slices[::-1]


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def polar(line: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Radius (px) and angle (deg, clockwise from the top of the image) of every pixel."""
    height, width = line["shape"][:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(float)
    row_c, col_c = line["myocardium"]["center_rc"]
    theta = np.mod(np.degrees(np.arctan2(cols - col_c, -(rows - row_c))), 360.0)
    return np.hypot(rows - row_c, cols - col_c), theta


def wall_depth(line: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Depth in the wall (0 endocardium, 1 epicardium) per file slice and pixel, and the angles.

    Slices without LV get NaN (every comparison with it is false).
    """
    rho, theta = polar(line)
    geometry = line["myocardium"]
    depth = np.full((line["shape"][2], *rho.shape), np.nan)
    first = line["lv_slices"][0]
    radii = zip(geometry["r_endo_px"], geometry["r_epi_px"], strict=True)
    for z, (endo, epi_by_angle) in enumerate(radii, start=first):
        epi = np.interp(theta, geometry["angles_deg"], epi_by_angle, period=360)
        depth[z] = (rho - endo) / (epi - endo)
    return depth, theta


def in_sector(theta: np.ndarray, start: float, end: float, margin: float) -> np.ndarray:
    start, end = start + margin, end - margin
    return np.mod(theta - start, 360.0) < np.mod(end - start, 360.0)


def lesion_masks(
    lesion: dict[str, Any],
    depth: np.ndarray,
    theta: np.ndarray,
    *,
    grow: float,
) -> np.ndarray:
    """Pixels (Z, H, W) of a lesion: core when grow < 0, with a safety rim when grow > 0."""
    in_z = np.zeros(depth.shape[0], dtype=bool)
    for start, stop in lesion["z_ranges"]:
        in_z[start:stop] = True
    in_angle = np.zeros(theta.shape, dtype=bool)
    for start, end in lesion["sectors_deg"]:
        in_angle |= in_sector(theta, start, end, margin=-12.0 if grow > 0 else 8.0)
    low, high = lesion["depth"]
    if grow > 0:
        in_depth = (depth >= low - grow) & (depth < high + grow)
    else:
        in_depth = (depth >= max(low - grow, 0.1)) & (depth < min(high + grow, 0.9))
    return in_z[:, None, None] & in_angle[None] & in_depth


# --- reports -----------------------------------------------------------------


def test_about_thirty_reports_with_unique_ids_that_validate(reports: list[dict[str, Any]]) -> None:
    assert 28 <= len(reports) <= 32
    assert len({r["report_id"] for r in reports}) == len(reports)
    assert len({r["study_id"] for r in reports}) == len(reports)
    for raw in reports:
        assert set(raw) == {
            "report_id",
            "patient_id",
            "study_id",
            "study_date",
            "accession",
            "text",
        }
        record = ReportRecord.model_validate(raw)
        assert record.study_date is not None and record.accession
    studies_per_patient = Counter(r["patient_id"] for r in reports)
    assert 3 <= sum(n == 2 for n in studies_per_patient.values()) <= 4
    assert max(studies_per_patient.values()) == 2


def test_follow_up_studies_come_after_the_baseline(reports: list[dict[str, Any]]) -> None:
    by_patient: dict[str, list[str]] = {}
    for r in reports:
        by_patient.setdefault(r["patient_id"], []).append(r["study_date"])
    for dates in by_patient.values():
        if len(dates) == 2:
            assert dates[0] < dates[1]


PHI_PATTERNS = {
    "date": re.compile(r"\b\d{1,4}[/.\-]\d{1,2}[/.\-]\d{1,4}\b"),
    "title": re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\b\.?"),
    "age": re.compile(r"\b\d{1,3}[- ]?(?:year|yr)s?[- ]?old\b|\baged?\s+\d+", re.IGNORECASE),
    "long number": re.compile(r"\d{5,}"),
    "phone": re.compile(r"\+?\d[\d ()-]{7,}\d"),
    "record id": re.compile(r"\b(?:ACC\d|PAT-|STU-|RPT-|MRN)", re.IGNORECASE),
    "month": re.compile(
        r"\b(?:January|February|March|April|June|July|August|September|October|November|December)\b"
    ),
}


def test_report_texts_hold_nothing_that_looks_like_phi(reports: list[dict[str, Any]]) -> None:
    for r in reports:
        for name, pattern in PHI_PATTERNS.items():
            assert not pattern.search(r["text"]), f"{r['report_id']}: {name}"
        assert r["study_date"] not in r["text"]
        assert r["accession"] not in r["text"]


def test_phi_patterns_would_catch_phi() -> None:
    bad = "Seen by Dr Smith on 03/04/2021, a 54-year-old, MRN 12345678, tel 020 7946 0958."
    assert {n for n, p in PHI_PATTERNS.items() if p.search(bad)} >= {
        "date",
        "title",
        "age",
        "long number",
        "phone",
    }


def closing_statement(text: str) -> str:
    markers = list(re.finditer(r"impression|conclusion|in summary|overall", text, re.IGNORECASE))
    assert markers, "no impression, conclusion or closing summary"
    return text[markers[-1].start() :].lower()


DIAGNOSIS_WORDS = {
    "normal": ("normal",),
    "ischemic": ("infarct", "ischemi", "ischaemi"),
    "hcm": ("hypertrophic cardiomyopathy",),
    "dcm": ("dilated cardiomyopathy",),
    "myocarditis": ("myocarditis",),
    "amyloidosis": ("amyloidosis",),
}


def test_every_report_closes_with_its_diagnosis() -> None:
    assert set(DIAGNOSIS_WORDS) == {case.diagnosis for case in SAMPLE_CASES}
    for case in SAMPLE_CASES:
        closing = closing_statement(case.text)
        assert any(w in closing for w in DIAGNOSIS_WORDS[case.diagnosis]), case.report_id


def test_report_text_agrees_with_the_case_truth() -> None:
    for case in SAMPLE_CASES:
        text, t = case.text, case.truth
        ef = re.search(r"\b(?:LVEF|EF|ejection fraction)\b[^\d%]{0,25}(\d+)\s*%", text)
        assert ef and float(ef.group(1)) == t.lvef, case.report_id
        if t.wall_thickness.max_mm is not None:
            assert f"{t.wall_thickness.max_mm:g} mm" in text, case.report_id
        if t.thrombus:
            assert "thrombus" in text and "No LV thrombus" not in text
        if t.pericardial_effusion:
            assert re.search(r"(?<!No )pericardial effusion", text), case.report_id
        if "t2_sax" not in t.series:
            assert not re.search(r"STIR|T2|oedema|edema", text), case.report_id
        if "perfusion_sax" not in t.series:
            for mention in re.finditer(r"perfusion", text, re.IGNORECASE):
                assert "not performed" in text[mention.start() : mention.start() + 40].lower()
        says_no_lge = re.search(
            r"no (?:late gadolinium enhancement|late enhancement|LGE)|enhancement: none",
            text,
            re.IGNORECASE,
        )
        if "lge_sax" in t.series:
            assert bool(says_no_lge) == (not t.lge), case.report_id
        if not t.pericardial_effusion:
            for mention in re.finditer(r"effusion", text):
                assert "no " in text[max(0, mention.start() - 25) : mention.start()].lower()


def test_the_mix_covers_styles_spellings_and_negatives() -> None:
    texts = [case.text for case in SAMPLE_CASES]
    joined = "\n".join(texts)
    for word in ("oedema", "edema", "ischaemi", "ischemi", "haemorrhage", "STIR", "LVEDV"):
        assert word in joined, word
    assert sum("Impression:" in t or "IMPRESSION:" in t for t in texts) >= 8
    assert sum("Conclusion:" in t or "CONCLUSION:" in t for t in texts) >= 8
    assert sum("No late gadolinium enhancement" in t for t in texts) >= 4
    assert sum("\n" not in t.strip() for t in texts) >= 3  # single-paragraph narratives
    counts = Counter(case.diagnosis for case in SAMPLE_CASES)
    assert min(counts.values()) >= 3


def test_case_truth_rejects_inconsistent_series() -> None:
    lesion = Region(levels=("basal",), walls=("inferior",), pattern="transmural")
    with pytest.raises(ValidationError):
        CaseTruth(lvef=50, lge=(lesion,), series=("cine_sax",))
    with pytest.raises(ValidationError):
        CaseTruth(lvef=50, perfusion_defects=(lesion.model_copy(update={"pattern": "midwall"}),))


# --- series layout -----------------------------------------------------------


def test_series_files_match_the_truth_and_the_cases(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    on_disk = {
        p.relative_to(sample.series_dir).as_posix() for p in sample.series_dir.rglob("*.nii.gz")
    }
    assert on_disk == {line["path"] for line in truth}
    assert sample.n_series == len(truth)
    for study_id, case in CASES.items():
        drawn = {f"{t['sequence']}_{t['view']}" for t in truth if t["study_id"] == study_id}
        assert drawn == set(case.truth.series)
    sizes = sum(p.stat().st_size for p in sample.outdir.rglob("*") if p.is_file())
    assert sizes == sample.total_bytes < 15_000_000


def test_three_naming_styles_and_sidecars(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    names = {line["path"].split("/", 1)[1] for line in truth}
    assert {"cine_sax.nii.gz", "SA_CINE.nii.gz", "cine/sax.nii.gz"} <= names
    assert {"PSIR_LGE_SA.nii.gz", "lge/sax.nii.gz", "FPP_STRESS_SA.nii.gz"} <= names
    sidecars = sorted(sample.series_dir.rglob("*.json"))
    assert len(sidecars) == sample.n_sidecars >= 3
    kinds = {line["path"]: (line["sequence"], line["view"]) for line in truth}
    for sidecar in sidecars:
        content = json.loads(sidecar.read_text())
        assert set(content) == {"SeriesDescription", "sequence", "view"}
        series = sidecar.relative_to(sample.series_dir).as_posix().removesuffix(".json") + ".nii.gz"
        assert kinds[series] == (content["sequence"], content["view"])
        assert "_" in sidecar.name  # only style-B names get sidecars


def test_every_series_loads_with_the_expected_dimensions(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    for line in truth:
        image = nib.load(sample.series_dir / line["path"])
        shape = image.shape
        assert list(shape) == line["shape"]
        assert image.header["descrip"].item() == b"qaforge synthetic phantom"
        assert image.get_data_dtype() == np.uint8
        zooms = image.header.get_zooms()
        assert zooms == pytest.approx(tuple(line["spacing"]), abs=1e-3)
        assert zooms[:2] == pytest.approx((2.0, 2.0), abs=1e-3)
        if line["sequence"] == "cine" and line["view"] == "sax":
            assert len(shape) == 4 and 6 <= shape[2] <= 11 and 16 <= shape[3] <= 25
        elif line["sequence"] == "cine":
            assert len(shape) == 4 and shape[2] == 1 and 16 <= shape[3] <= 25
        elif line["sequence"] == "perfusion":
            assert len(shape) == 4 and shape[2] == 3 and 25 <= shape[3] <= 35
        else:
            assert len(shape) == 3 and 6 <= shape[2] <= 11
        if line["sequence"] != "perfusion":
            assert zooms[2] == pytest.approx(8.0, abs=1e-3)
        if len(shape) == 4:
            assert zooms[3] > 0 and image.header.get_xyzt_units() == ("mm", "msec")


def test_every_series_is_noisy_uint8_with_many_distinct_values(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """No phantom looks like a label map (integer images with few distinct values)."""
    for line in truth:
        data = np.asarray(nib.load(sample.series_dir / line["path"]).dataobj)
        assert data.dtype == np.uint8
        assert len(np.unique(data)) > 40, line["path"]
        first = data[..., 0, 0] if data.ndim == 4 else data[..., 0]
        assert len(np.unique(first)) > 16, line["path"]


def test_writing_twice_gives_byte_identical_files(
    sample: SampleDataSummary, tmp_path: Path
) -> None:
    write_sample_data(tmp_path, seed=0)
    first, second = digests(sample.outdir), digests(tmp_path)
    assert len(first) == sample.n_series + sample.n_sidecars + 2
    assert first == second


def test_the_seed_changes_the_phantoms() -> None:
    case = SAMPLE_CASES[0]
    a = build_phantom(case, "cine_sax", seed=0)
    b = build_phantom(case, "cine_sax", seed=1)
    assert not np.array_equal(a.array, b.array)
    assert not np.allclose(a.affine, b.affine)


# --- truth records: frames and slices -----------------------------------------


def test_every_record_carries_frames_slice_order_and_lv_slices(
    truth: list[dict[str, Any]],
) -> None:
    for line in truth:
        sax, cine = line["view"] == "sax", line["sequence"] == "cine"
        assert {"ed_frame", "es_frame", "slice_order", "lv_slices", "storage"} <= set(line)
        assert set(line["storage"]) == {"transpose", "flip_rows", "flip_cols"}
        if cine:
            frames = line["shape"][3]
            assert 0 <= line["ed_frame"] < frames and 0 <= line["es_frame"] < frames
        else:
            assert line["ed_frame"] is None and line["es_frame"] is None
        if sax:
            assert line["slice_order"] in ("base_first", "apex_first")
            first, last = line["lv_slices"]
            assert 0 <= first < last < line["shape"][2]
            assert len(line["myocardium"]["r_endo_px"]) == last - first + 1
        else:
            assert line["slice_order"] is None and line["lv_slices"] is None


def test_a_study_shares_one_cardiac_cycle_and_one_stack_layout(
    truth: list[dict[str, Any]],
) -> None:
    by_study: dict[str, list[dict[str, Any]]] = {}
    for line in truth:
        by_study.setdefault(line["study_id"], []).append(line)
    for lines in by_study.values():
        cines = [line for line in lines if line["sequence"] == "cine"]
        assert len({(c["ed_frame"], c["es_frame"], c["shape"][3]) for c in cines}) == 1
        stacks = [
            line for line in lines if line["view"] == "sax" and line["sequence"] != "perfusion"
        ]
        assert len({(s["slice_order"], tuple(s["lv_slices"]), s["shape"][2]) for s in stacks}) == 1
        assert len({line["slice_order"] for line in lines if line["view"] == "sax"}) == 1


def test_end_diastole_is_often_not_the_first_frame_and_es_follows_realistically(
    truth: list[dict[str, Any]],
) -> None:
    sax = [line for line in truth if line["sequence"] == "cine" and line["view"] == "sax"]
    ed = [(line["ed_frame"], line["shape"][3]) for line in sax]
    assert sum(e == 0 for e, _ in ed) >= 5
    assert sum(1 <= e <= 3 for e, _ in ed) >= 3  # a few frames into the cycle
    assert sum(2 <= n - e <= 5 for e, n in ed) >= 3  # a few frames before its end
    assert len({line["shape"][3] for line in sax}) >= 3
    for line in truth:
        if line["sequence"] == "cine":
            frames = line["shape"][3]
            offset = (line["es_frame"] - line["ed_frame"]) % frames
            assert 0.35 <= offset / frames <= 0.45, line["path"]


def test_some_stacks_are_apex_first_and_some_hold_slices_beyond_the_lv(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    sax = [line for line in truth if line["sequence"] == "cine" and line["view"] == "sax"]
    apex_first = {line["study_id"] for line in sax if line["slice_order"] == "apex_first"}
    assert len(apex_first) >= 2
    assert sample.n_apex_first == sum(
        line["slice_order"] == "apex_first" for line in truth if line["view"] == "sax"
    )

    def beyond(line: dict[str, Any]) -> tuple[int, int]:
        """(slices above the base, slices below the apex) of a record."""
        first, last = line["lv_slices"]
        after = line["shape"][2] - 1 - last
        return (first, after) if line["slice_order"] == "base_first" else (after, first)

    assert sum(beyond(line)[0] >= 1 for line in sax) >= 5
    assert sum(beyond(line)[0] == 2 for line in sax) >= 2
    assert sum(beyond(line)[1] >= 1 for line in sax) >= 3
    assert sum(beyond(line) == (0, 0) for line in sax) >= 3


def test_the_slice_axis_points_as_the_slice_order_says(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """Base first: slice index grows towards the apex (left, anterior, inferior)."""
    for line in (t for t in truth if t["view"] == "sax"):
        affine = nib.load(sample.series_dir / line["path"]).affine
        step = affine[:3, 2] / np.linalg.norm(affine[:3, 2])
        towards_base = float(step @ APEX_TO_BASE)
        assert abs(towards_base) > 0.8, line["path"]
        assert (towards_base < 0) == (line["slice_order"] == "base_first"), line["path"]


def cavity_radius(plane: np.ndarray, centre: tuple[float, float]) -> float:
    """Mean distance from the LV centre to the first non-bright pixel, over 8 directions."""
    row, col = (round(v) for v in centre)
    steps = []
    for d_row, d_col in itertools.product((-1, 0, 1), repeat=2):
        if (d_row, d_col) == (0, 0):
            continue
        k = 0
        while plane[row + k * d_row, col + k * d_col] > 160:
            k += 1
        steps.append(k * float(np.hypot(d_row, d_col)))
    return float(np.mean(steps))


def test_the_lv_is_on_the_lv_slices_and_nowhere_else(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """A myocardial ring on every LV slice and on no other slice (the ring of the nearest
    LV slice is looked for); the cavity narrows from the base to the apex in record order."""
    for line in (t for t in truth if t["sequence"] == "cine" and t["view"] == "sax"):
        data = load_displayed(sample, line)[..., line["ed_frame"]]
        geometry = line["myocardium"]
        rho, _ = polar(line)
        first, last = line["lv_slices"]
        for z in range(data.shape[2]):
            nearest = min(max(z, first), last) - first
            endo = geometry["r_endo_px"][nearest]
            epi = min(geometry["r_epi_px"][nearest])
            ring = (rho > endo + 1.0) & (rho < epi - 1.0)
            fraction = float((np.abs(data[..., z][ring] - 90.0) < 20.0).mean())
            if first <= z <= last:
                assert fraction > 0.9, (line["path"], z)
            else:
                assert fraction < 0.3, (line["path"], z)
        centre = line["myocardium"]["center_rc"]
        radii = [cavity_radius(data[..., z], centre) for z in lv_file_slices(line)]
        assert all(b <= a + 0.5 for a, b in itertools.pairwise(radii)), (line["path"], radii)
        assert radii[0] - radii[-1] >= 3.0, (line["path"], radii)


def test_drawn_and_file_slices_map_through_the_phantom(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """``Phantom.file_slice`` finds each drawn slice in the written file, both slice orders."""
    orders = set()
    for line in (t for t in truth if t["view"] == "sax"):
        phantom = phantom_of(line)
        data = as_4d(load_displayed(sample, line))
        drawn = as_4d(phantom.array)
        n_slices = drawn.shape[2]
        orders.add(line["slice_order"])
        assert phantom.storage.apex_first == (line["slice_order"] == "apex_first")
        for z in range(n_slices):
            k = phantom.file_slice(z)
            assert phantom.drawn_slice(k) == z
            np.testing.assert_array_equal(data[:, :, k], drawn[:, :, z], err_msg=line["path"])
        drawn_lv = phantom.truth["lv_slices"]
        assert sorted(phantom.file_slice(z) for z in drawn_lv) == line["lv_slices"]
    assert orders == {"base_first", "apex_first"}


# --- cine ----------------------------------------------------------------------


def test_cine_blood_pool_is_largest_at_ed_and_smallest_at_es(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    for line in (t for t in truth if t["sequence"] == "cine" and t["view"] == "sax"):
        data = load_displayed(sample, line)
        depth, _ = wall_depth(line)
        geometry = line["myocardium"]
        rho, _ = polar(line)
        ed, base = line["ed_frame"], lv_file_slices(line)[0]
        base_endo = geometry["r_endo_px"][base - line["lv_slices"][0]]
        base_blood = data[..., base, ed][rho < 0.5 * base_endo]
        base_myo = data[..., base, ed][(depth[base] > 0.3) & (depth[base] < 0.7)]
        threshold = (np.median(base_blood) + np.median(base_myo)) / 2.0
        # the ED endocardial disc: it holds the LV blood at every frame, never RV or effusion
        roi = np.zeros(data.shape[:3], dtype=bool)
        for z, endo in enumerate(geometry["r_endo_px"], start=line["lv_slices"][0]):
            roi[..., z] = rho <= endo
        area = ((data > threshold) & roi[..., None]).sum(axis=(0, 1, 2))
        assert np.argmax(area) == ed and np.sum(area == area.max()) == 1, line["path"]
        assert np.argmin(area) == line["es_frame"] and np.sum(area == area.min()) == 1
        voxel_ef = 100.0 * (1.0 - area.min() / area.max())
        assert voxel_ef == pytest.approx(case_by_study(line["study_id"]).truth.lvef, abs=5.0)


def test_septal_thickness_in_the_image_matches_the_report(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    for line in (t for t in truth if t["sequence"] == "cine" and t["view"] == "sax"):
        wt = case_by_study(line["study_id"]).truth.wall_thickness
        base = lv_file_slices(line)[0]
        data = load_displayed(sample, line)[..., base, line["ed_frame"]]
        row, col = (round(v) for v in line["myocardium"]["center_rc"])
        ray = data[row, :col][::-1]  # from the LV centre towards the septum (viewer's left)
        leaving_blood = int(np.argmax(ray < 160))
        septum = ray[leaving_blood:]
        thickness_px = int(np.argmax((septum < 65) | (septum > 160)))
        expected_mm = wt.max_mm if wt.max_mm is not None else 8.0
        assert thickness_px * 2.0 == pytest.approx(expected_mm, abs=3.0), line["path"]


def ellipse_mask(
    shape: tuple[int, int], centre: np.ndarray, axis: np.ndarray, a: float, b: float
) -> np.ndarray:
    """Pixels inside an ellipse with semi-axis ``a`` along the unit ``axis`` and ``b`` across."""
    rows, cols = np.mgrid[0 : shape[0], 0 : shape[1]].astype(float)
    d_row, d_col = rows - centre[0], cols - centre[1]
    along = d_row * axis[0] + d_col * axis[1]
    across = -d_row * axis[1] + d_col * axis[0]
    return (along / a) ** 2 + (across / b) ** 2 <= 1.0


def long_axis_regions(line: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """(LV cavity at ED, the region beyond the base) of a long-axis record, as masks."""
    base, apex = (np.array(line["lv_axis_rc"][k]) for k in ("base", "apex"))
    axis = (apex - base) / np.linalg.norm(apex - base)
    a = float(np.linalg.norm(apex - base)) / 2.0
    shape = tuple(line["shape"][:2])
    centre = (base + apex) / 2.0
    half_width = float(line["lv_axis_rc"]["half_width"])
    cavity = ellipse_mask(shape, centre, axis, a, half_width)  # type: ignore[arg-type]
    beyond = ellipse_mask(shape, base - 0.55 * a * axis, axis, 0.5 * a, 1.1 * a)  # type: ignore[arg-type]
    return cavity, beyond & ~cavity


def test_long_axis_atria_fill_as_the_ventricle_empties(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """The LV cavity is largest at ED and smallest at ES, the atria beyond the base grow
    meanwhile, and the whole-image bright area moves only a few per cent (as in scans)."""
    lines = [t for t in truth if t["sequence"] == "cine" and t["view"] != "sax"]
    assert {line["view"] for line in lines} == {"2ch", "3ch", "4ch"}
    for line in lines:
        data = load_displayed(sample, line)[:, :, 0]
        ed, es = line["ed_frame"], line["es_frame"]
        cavity, beyond = long_axis_regions(line)
        bright = data > 160
        lv_area = bright[cavity].sum(axis=0)
        atria = bright[beyond].sum(axis=0)
        whole = bright.sum(axis=(0, 1))
        lvef = case_by_study(line["study_id"]).truth.lvef
        assert abs(int(np.argmax(lv_area)) - ed) <= 1 or lv_area[ed] == lv_area.max(), line["path"]
        assert lv_area[es] == lv_area.min(), line["path"]
        assert lv_area[es] < (1.0 - 0.6 * lvef / 100.0) * lv_area[ed], line["path"]
        assert atria[es] > 1.15 * atria[ed], line["path"]
        assert whole.max() < 1.15 * whole.min(), line["path"]


def test_bright_static_surroundings_besides_the_heart(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """Fat stays bright and the liver intermediate at every frame: the heart is not the only
    bright thing, and what moves is the heart alone."""
    for line in (t for t in truth if t["sequence"] == "cine"):
        data = load_displayed(sample, line)
        z = lv_file_slices(line)[-1] if line["view"] == "sax" else 0
        movie = data[:, :, z]
        still = (movie.max(axis=-1) - movie.min(axis=-1)) <= 4
        bright_still = still & (movie.min(axis=-1) > 180)
        liver_like = still & (np.abs(movie.mean(axis=-1) - 120.0) < 6)
        assert bright_still.sum() >= 300, line["path"]
        assert liver_like.sum() >= 20, line["path"]
        moving_bright = ~still & (movie.max(axis=-1) > 180)
        assert moving_bright.sum() >= 30, line["path"]


# --- LGE, T2, perfusion ------------------------------------------------------


def lesion_and_remote(
    data: np.ndarray, line: dict[str, Any]
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Lesion-core pixel values per lesion, remote myocardium values, and the depth map."""
    depth, theta = wall_depth(line)
    stack = np.moveaxis(data, -1, 0)  # (Z, H, W)
    cores = [stack[lesion_masks(lesion, depth, theta, grow=-0.1)] for lesion in line["lesions"]]
    near = np.zeros(depth.shape, dtype=bool)
    for lesion in line["lesions"]:
        near |= lesion_masks(lesion, depth, theta, grow=0.2)
    remote = stack[(depth > 0.15) & (depth < 0.85) & ~near]
    return cores, remote, depth


DEPTHS = {
    "subendocardial": (0.0, 0.5),
    "midwall": (1 / 3, 2 / 3),
    "subepicardial": (2 / 3, 1.0),
    "transmural": (0.0, 1.0),
    "diffuse": (0.0, 0.5),
}


def expected_z_ranges(levels: tuple[str, ...], line: dict[str, Any]) -> list[list[int]]:
    """File slice runs of the levels: thirds of the LV slices counted from the base."""
    thirds = dict(zip(LEVEL_NAMES, np.array_split(lv_file_slices(line), 3), strict=True))
    slices = sorted(int(z) for level in levels for z in thirds[level])
    runs: list[list[int]] = []
    for z in slices:
        if runs and runs[-1][1] == z:
            runs[-1][1] = z + 1
        else:
            runs.append([z, z + 1])
    return runs


def test_drawn_lesions_are_the_case_lesions(truth: list[dict[str, Any]]) -> None:
    for line in truth:
        t = case_by_study(line["study_id"]).truth
        regions = {"lge": t.lge, "t2": t.t2_edema, "perfusion": t.perfusion_defects}.get(
            line["sequence"], ()
        )
        assert len(line["lesions"]) == len(regions), line["path"]
        for drawn, region in zip(line["lesions"], regions, strict=True):
            assert drawn["walls"] == list(region.walls)
            assert drawn["sectors_deg"] == [list(SECTORS[w]) for w in region.walls]
            assert drawn["depth"] == pytest.approx(DEPTHS[region.pattern], abs=1e-3)
            assert drawn["z_ranges"] == expected_z_ranges(region.levels, line)


@pytest.mark.parametrize(("sequence", "ratio"), [("lge", 3.0), ("t2", 1.8)])
def test_lesions_are_bright_exactly_where_the_truth_puts_them(
    sample: SampleDataSummary, truth: list[dict[str, Any]], sequence: str, ratio: float
) -> None:
    lines = [t for t in truth if t["sequence"] == sequence and t["lesions"]]
    assert lines
    for line in lines:
        cores, remote, _ = lesion_and_remote(load_displayed(sample, line), line)
        assert remote.size >= 20, line["path"]
        for core in cores:
            assert core.size >= 5, line["path"]
            assert core.mean() > ratio * remote.mean(), line["path"]
            assert remote.max() < (core.mean() + remote.mean()) / 2.0, line["path"]


def test_a_study_without_lge_has_no_bright_myocardium(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    lines = [t for t in truth if t["sequence"] == "lge" and not t["lesions"]]
    assert len(lines) >= 5
    for line in lines:
        data = load_displayed(sample, line)
        depth, _ = wall_depth(line)
        rho, _ = polar(line)
        stack = np.moveaxis(data, -1, 0)
        myocardium = stack[(depth > 0.1) & (depth < 0.9)]
        lv = lv_file_slices(line)
        blood = stack[lv][:, rho < 0.5 * min(line["myocardium"]["r_endo_px"])]
        assert myocardium.max() < blood.mean(), line["path"]


def test_perfusion_defects_stay_dark_at_peak_myocardial_enhancement(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    lines = [t for t in truth if t["sequence"] == "perfusion"]
    assert any(line["lesions"] for line in lines)
    for line in lines:
        data = load_displayed(sample, line)
        depth, _ = wall_depth(line)
        rho, _ = polar(line)
        myo_curve = [
            data[..., t][np.moveaxis((depth > 0.2) & (depth < 0.8), 0, -1)].mean()
            for t in range(data.shape[3])
        ]
        blood_curve = [data[..., 1, t][rho < 3].mean() for t in range(data.shape[3])]
        assert int(np.argmax(blood_curve)) < line["peak_frame"]
        assert int(np.argmax(myo_curve)) == line["peak_frame"]
        cores, remote, _ = lesion_and_remote(data[..., line["peak_frame"]], line)
        for core in cores:
            assert core.mean() < 0.6 * remote.mean(), line["path"]


# --- storage orders --------------------------------------------------------------


def test_series_are_stored_in_several_orders_holding_the_same_world_content(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    """Every file, shown by the convention, is the drawing; every voxel keeps its world place."""
    orders = {tuple(line["storage"].values()) for line in truth}
    assert len(orders) == 8
    assert sample.n_reordered == sum(any(line["storage"].values()) for line in truth)
    for line in truth:
        image = nib.load(sample.series_dir / line["path"])
        phantom = phantom_of(line)
        assert phantom.storage.in_plane() == line["storage"]
        assert np.allclose(image.header.get_qform(), image.affine, atol=1e-4)
        stored = np.asarray(image.dataobj)
        drawn = phantom.array
        if any(line["storage"].values()) and stored.shape == drawn.shape:
            assert not np.array_equal(stored, drawn), line["path"]
        shown = load_displayed(sample, line)
        n_slices = drawn.shape[2]
        for z in range(n_slices):
            np.testing.assert_array_equal(
                shown[:, :, phantom.file_slice(z)], drawn[:, :, z], err_msg=line["path"]
            )
        # a voxel of the file and the drawn voxel shown in its place are at one world point
        orientation = display_orientation(image.affine, line["view"])
        for row, col, z in [(0, 0, 0), (5, 40, n_slices - 1), (63, 17, n_slices // 2)]:
            i, j = orientation.stored_index(row, col, stored.shape[:2])
            k = phantom.file_slice(z)
            world_file = image.affine @ np.array([i, j, k, 1.0])
            world_drawn = phantom.affine @ np.array([row, col, z, 1.0])
            np.testing.assert_allclose(world_file, world_drawn, atol=1e-3, err_msg=line["path"])
