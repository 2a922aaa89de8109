"""The bundled sample data: reports, phantom series and their truth agree and are reproducible.

The sample is written once per module; the image checks measure the written
files (reoriented to RAS) against ``series_truth.jsonl``, using the angle
convention documented in :mod:`qaforge.sample.phantoms`, recomputed here
rather than imported.
"""

from __future__ import annotations

import hashlib
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
from qaforge.sample import SampleDataSummary, write_sample_data
from qaforge.sample.cases import SAMPLE_CASES, CaseTruth, Region, case_by_study
from qaforge.sample.phantoms import build_phantom

CASES = {case.study_id: case for case in SAMPLE_CASES}
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


def load_canonical(sample: SampleDataSummary, line: dict[str, Any]) -> np.ndarray:
    image = nib.as_closest_canonical(nib.load(sample.series_dir / line["path"]))
    return np.asarray(image.dataobj).astype(float)


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
    """Depth in the wall (0 endocardium, 1 epicardium) per slice and pixel, and the angles."""
    rho, theta = polar(line)
    geometry = line["myocardium"]
    depth = []
    for endo, epi_by_angle in zip(geometry["r_endo_px"], geometry["r_epi_px"], strict=True):
        epi = np.interp(theta, geometry["angles_deg"], epi_by_angle, period=360)
        depth.append((rho - endo) / (epi - endo))
    return np.stack(depth), theta


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
        zooms = image.header.get_zooms()
        assert zooms[:3] == pytest.approx((2.0, 2.0, 8.0))
        if line["sequence"] == "cine" and line["view"] == "sax":
            assert len(shape) == 4 and 6 <= shape[2] <= 10 and 16 <= shape[3] <= 25
        elif line["sequence"] == "cine":
            assert len(shape) == 4 and shape[2] == 1 and 16 <= shape[3] <= 25
        elif line["sequence"] == "perfusion":
            assert len(shape) == 4 and shape[2] == 3 and 25 <= shape[3] <= 35
        else:
            assert len(shape) == 3 and 6 <= shape[2] <= 10
        if len(shape) == 4:
            assert zooms[3] > 0 and image.header.get_xyzt_units() == ("mm", "msec")


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


# --- cine ----------------------------------------------------------------------


def test_end_diastole_is_not_always_the_first_frame(truth: list[dict[str, Any]]) -> None:
    cines = [line for line in truth if line["sequence"] == "cine"]
    assert len({line["ed_frame"] for line in cines}) > 3
    for line in cines:
        frames = line["shape"][3]
        offset = (line["es_frame"] - line["ed_frame"]) % frames
        assert 0.35 <= offset / frames <= 0.40


def test_cine_blood_pool_is_largest_at_ed_and_smallest_at_es(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    for line in (t for t in truth if t["sequence"] == "cine" and t["view"] == "sax"):
        data = load_canonical(sample, line)
        depth, _ = wall_depth(line)
        geometry = line["myocardium"]
        rho, _ = polar(line)
        ed = line["ed_frame"]
        base_blood = data[..., 0, ed][rho < 0.5 * geometry["r_endo_px"][0]]
        base_myo = data[..., 0, ed][(depth[0] > 0.3) & (depth[0] < 0.7)]
        threshold = (np.median(base_blood) + np.median(base_myo)) / 2.0
        # the ED endocardial disc: it holds the LV blood at every frame, never RV or effusion
        roi = np.stack([rho <= endo for endo in geometry["r_endo_px"]], axis=-1)
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
        data = load_canonical(sample, line)[..., 0, line["ed_frame"]]
        row, col = (round(v) for v in line["myocardium"]["center_rc"])
        ray = data[row, :col][::-1]  # from the LV centre towards the septum (viewer's left)
        leaving_blood = int(np.argmax(ray < 160))
        septum = ray[leaving_blood:]
        thickness_px = int(np.argmax((septum < 65) | (septum > 160)))
        expected_mm = wt.max_mm if wt.max_mm is not None else 8.0
        assert thickness_px * 2.0 == pytest.approx(expected_mm, abs=3.0), line["path"]


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


def expected_z_ranges(levels: tuple[str, ...], n_slices: int) -> list[list[int]]:
    thirds = dict(
        zip(("basal", "mid", "apical"), np.array_split(np.arange(n_slices), 3), strict=True)
    )
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
            assert drawn["z_ranges"] == expected_z_ranges(region.levels, line["shape"][2])


@pytest.mark.parametrize(("sequence", "ratio"), [("lge", 3.0), ("t2", 1.8)])
def test_lesions_are_bright_exactly_where_the_truth_puts_them(
    sample: SampleDataSummary, truth: list[dict[str, Any]], sequence: str, ratio: float
) -> None:
    lines = [t for t in truth if t["sequence"] == sequence and t["lesions"]]
    assert lines
    for line in lines:
        cores, remote, _ = lesion_and_remote(load_canonical(sample, line), line)
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
        data = load_canonical(sample, line)
        depth, _ = wall_depth(line)
        rho, _ = polar(line)
        stack = np.moveaxis(data, -1, 0)
        myocardium = stack[(depth > 0.1) & (depth < 0.9)]
        blood = stack[:, rho < 0.5 * line["myocardium"]["r_endo_px"][-1]]
        assert myocardium.max() < blood.mean(), line["path"]


def test_perfusion_defects_stay_dark_at_peak_myocardial_enhancement(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    lines = [t for t in truth if t["sequence"] == "perfusion"]
    assert any(line["lesions"] for line in lines)
    for line in lines:
        data = load_canonical(sample, line)
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


# --- orientation ---------------------------------------------------------------


def test_flipped_series_hold_the_same_world_content(
    sample: SampleDataSummary, truth: list[dict[str, Any]]
) -> None:
    flipped = [line for line in truth if line["flipped"]]
    assert 2 <= len({line["study_id"] for line in flipped}) <= 3
    for line in truth:
        image = nib.load(sample.series_dir / line["path"])
        assert nib.aff2axcodes(image.affine) == (
            ("L", "A", "S") if line["flipped"] else ("R", "A", "S")
        )
    for line in flipped:
        image = nib.load(sample.series_dir / line["path"])
        key = f"{line['sequence']}_{line['view']}"
        expected = build_phantom(case_by_study(line["study_id"]), key, seed=0)
        assert image.affine[0, 0] < 0
        assert not np.array_equal(np.asarray(image.dataobj), expected.array)
        canonical = nib.as_closest_canonical(image)
        assert np.array_equal(np.asarray(canonical.dataobj), expected.array)
        assert np.allclose(canonical.affine, expected.affine)
        assert np.allclose(image.header.get_qform(), image.affine)
