"""The bundled sample cases: synthetic CMR reports with the truth their phantoms are drawn from.

Every report below was written for qaforge; none is copied from a real
department. The texts hold no names, dates, ages, phone numbers, hospital
names or record numbers: identifiers and study dates live only in the record
fields. Each case carries a :class:`CaseTruth` that agrees with its text (the
LVEF, the maximal wall thickness, where the LGE and oedema are, which series
were acquired), so later image-stage tests can check what the phantoms show
against what the report says.

Four patients have a baseline and a follow-up study (PAT-003, PAT-004,
PAT-005, PAT-006), so 30 reports come from 26 patients.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from qaforge.domain.series import Sequence, View
from qaforge.domain.vocabulary import Wall

Diagnosis = Literal["normal", "ischemic", "hcm", "dcm", "myocarditis", "amyloidosis"]
# The phantoms split the stack in thirds; "apex" (segment 17) is not drawn.
Level = Literal["basal", "mid", "apical"]
Pattern = Literal["subendocardial", "midwall", "subepicardial", "transmural", "diffuse"]
MotionKind = Literal["hypokinetic", "akinetic", "dyskinetic"]
SeriesKey = Literal[
    "cine_sax", "cine_2ch", "cine_3ch", "cine_4ch", "lge_sax", "t2_sax", "perfusion_sax"
]

LEVELS: tuple[Level, ...] = ("basal", "mid", "apical")
SIX_WALLS: tuple[Wall, ...] = (
    "anterior",
    "anteroseptal",
    "inferoseptal",
    "inferior",
    "inferolateral",
    "anterolateral",
)
ALL_SERIES: tuple[SeriesKey, ...] = (
    "cine_sax",
    "cine_2ch",
    "cine_3ch",
    "cine_4ch",
    "lge_sax",
    "t2_sax",
    "perfusion_sax",
)
CINE_ALL: tuple[SeriesKey, ...] = ALL_SERIES[:4]


SERIES_KINDS: dict[SeriesKey, tuple[Sequence, View]] = {
    "cine_sax": ("cine", "sax"),
    "cine_2ch": ("cine", "2ch"),
    "cine_3ch": ("cine", "3ch"),
    "cine_4ch": ("cine", "4ch"),
    "lge_sax": ("lge", "sax"),
    "t2_sax": ("t2", "sax"),
    "perfusion_sax": ("perfusion", "sax"),
}


def series_kind(key: SeriesKey) -> tuple[Sequence, View]:
    """Split a series key into its sequence and view.

    Args:
        key: A key such as ``"cine_4ch"``.

    Returns:
        The (sequence, view) pair, e.g. ``("cine", "4ch")``.
    """
    return SERIES_KINDS[key]


class Region(BaseModel):
    """A lesion drawn into a phantom: where along the ventricle, which walls, how deep.

    Attributes:
        levels: Long-axis levels (basal = first third of slices, mid, apical).
        walls: Walls as in the vocabulary; ``septal`` / ``lateral`` are the coarse
            120-degree sectors.
        pattern: Radial depth inside the wall.
    """

    model_config = ConfigDict(frozen=True)

    levels: tuple[Level, ...] = Field(min_length=1)
    walls: tuple[Wall, ...] = Field(min_length=1)
    pattern: Pattern


class WallMotion(BaseModel):
    """A regional wall motion abnormality (drawn as reduced endocardial excursion).

    Attributes:
        levels: Long-axis levels affected.
        walls: Walls affected.
        kind: Hypokinetic, akinetic or dyskinetic.
    """

    model_config = ConfigDict(frozen=True)

    levels: tuple[Level, ...] = Field(min_length=1)
    walls: tuple[Wall, ...] = Field(min_length=1)
    kind: MotionKind


class WallThickness(BaseModel):
    """End-diastolic LV wall thickness.

    Attributes:
        kind: ``normal``, ``concentric`` or ``asymmetric_septal``.
        max_mm: Maximal wall thickness in mm (required unless normal).
    """

    model_config = ConfigDict(frozen=True)

    kind: Literal["normal", "concentric", "asymmetric_septal"] = "normal"
    max_mm: float | None = Field(default=None, gt=12, lt=40)

    @model_validator(mode="after")
    def _max_given_when_thickened(self) -> WallThickness:
        if (self.kind == "normal") != (self.max_mm is None):
            raise ValueError("max_mm is required for thickened walls and only for them")
        return self


class CaseTruth(BaseModel):
    """What the phantom of a study shows; it agrees with the report text.

    Attributes:
        lvef: Left ventricular ejection fraction in percent.
        lv_dilated: Whether the LV cavity is dilated.
        wall_thickness: Normal, concentric or asymmetric septal thickening.
        lge: Late gadolinium enhancement lesions.
        t2_edema: Regions of myocardial oedema on T2-weighted imaging.
        perfusion_defects: Stress perfusion defects (pattern subendocardial or transmural).
        wall_motion: Regional wall motion abnormalities.
        pericardial_effusion: Whether a pericardial effusion is drawn.
        thrombus: Whether an apical LV thrombus is drawn.
        lvot_obstruction: Whether a systolic LVOT flow void is drawn (3CH).
        series: The series the study has.
    """

    model_config = ConfigDict(frozen=True)

    lvef: float = Field(gt=5, lt=90)
    lv_dilated: bool = False
    wall_thickness: WallThickness = WallThickness()
    lge: tuple[Region, ...] = ()
    t2_edema: tuple[Region, ...] = ()
    perfusion_defects: tuple[Region, ...] = ()
    wall_motion: tuple[WallMotion, ...] = ()
    pericardial_effusion: bool = False
    thrombus: bool = False
    lvot_obstruction: bool = False
    series: tuple[SeriesKey, ...] = ALL_SERIES

    @model_validator(mode="after")
    def _consistent(self) -> CaseTruth:
        if "cine_sax" not in self.series:
            raise ValueError("every sample study has a cine SAX series")
        if len(set(self.series)) != len(self.series):
            raise ValueError("series listed twice")
        for name, regions in (("lge", self.lge), ("t2_edema", self.t2_edema)):
            sequence = "lge_sax" if name == "lge" else "t2_sax"
            if regions and sequence not in self.series:
                raise ValueError(f"{name} lesions without a {sequence} series")
        if self.perfusion_defects and "perfusion_sax" not in self.series:
            raise ValueError("perfusion defects without a perfusion series")
        for defect in self.perfusion_defects:
            if defect.pattern not in ("subendocardial", "transmural"):
                raise ValueError("perfusion defects are subendocardial or transmural")
        return self


class SampleCase(BaseModel):
    """One sample study: its report record fields, its diagnosis and its phantom truth.

    Attributes:
        report_id: Report id, ``RPT-0001`` ...
        patient_id: Pseudonymous patient id, ``PAT-001`` ...
        study_id: Study id, ``STU-0001`` ...; series folders are named by it.
        study_date: Synthetic study date (record only, never in the text).
        accession: Synthetic accession number (record only).
        text: The report text.
        diagnosis: The diagnosis the impression states.
        truth: What the phantom draws.
    """

    model_config = ConfigDict(frozen=True)

    report_id: str
    patient_id: str
    study_id: str
    study_date: dt.date
    accession: str
    text: str = Field(min_length=1)
    diagnosis: Diagnosis
    truth: CaseTruth

    def record(self) -> dict[str, str]:
        """The report input record (DESIGN.md report contract) as JSON-ready strings."""
        return {
            "report_id": self.report_id,
            "patient_id": self.patient_id,
            "study_id": self.study_id,
            "study_date": self.study_date.isoformat(),
            "accession": self.accession,
            "text": self.text,
        }


def _case(
    number: int,
    patient: int,
    date: str,
    diagnosis: Diagnosis,
    text: str,
    **truth: object,
) -> SampleCase:
    """Build a case whose ids all derive from its number (report, study, accession)."""
    return SampleCase(
        report_id=f"RPT-{number:04d}",
        patient_id=f"PAT-{patient:03d}",
        study_id=f"STU-{number:04d}",
        study_date=dt.date.fromisoformat(date),
        accession=f"ACC{100000 + number}",
        text=text.strip() + "\n",
        diagnosis=diagnosis,
        truth=CaseTruth.model_validate(truth),
    )


def _r(levels: str, walls: str, pattern: Pattern) -> Region:
    """Shorthand: ``_r("basal mid", "inferior inferoseptal", "transmural")``."""
    return Region(levels=tuple(levels.split()), walls=tuple(walls.split()), pattern=pattern)


def _wm(levels: str, walls: str, kind: MotionKind) -> WallMotion:
    """Shorthand for a wall motion abnormality, like :func:`_r`."""
    return WallMotion(levels=tuple(levels.split()), walls=tuple(walls.split()), kind=kind)


ALL_LEVELS = " ".join(LEVELS)
ALL_WALLS = " ".join(SIX_WALLS)
NO_PERFUSION = tuple(s for s in ALL_SERIES if s != "perfusion_sax")
CINE_LGE = (*CINE_ALL, "lge_sax")

SAMPLE_CASES: tuple[SampleCase, ...] = (
    _case(
        1,
        1,
        "2021-02-09",
        "normal",
        """
CARDIAC MRI

Indication: Atypical chest pain. Please exclude structural heart disease.

Technique: SSFP cines in short-axis and 2-, 3- and 4-chamber long-axis planes. T2-weighted STIR. Adenosine stress and rest first-pass perfusion. Late gadolinium enhancement imaging.

Cine imaging: Normal left ventricular size with normal wall thickness. Normal global and regional systolic function, LVEF 62%. No regional wall motion abnormality. Normal right ventricular size and function. No significant valvular abnormality. No pericardial effusion.

Tissue characterisation: STIR images show no myocardial oedema.

Stress perfusion: No perfusion defect at stress or at rest.

LGE: No late gadolinium enhancement.

Impression: Normal cardiac MRI study. No evidence of inducible ischaemia or myocardial scar.
""",
        lvef=62,
    ),
    _case(
        2,
        2,
        "2021-03-17",
        "ischemic",
        """
Clinical details: Previous inferior myocardial infarction treated with a stent to the right coronary artery. Viability and ischaemia assessment.

LV: Not dilated. LVEDV 172 ml, LVESV 96 ml, LVEF 44%.
Akinesis of the basal and mid inferior wall. The remaining segments contract normally.
RV: Normal size and function.

T2 STIR: No myocardial oedema.

Stress perfusion (adenosine): Perfusion defect in the basal and mid inferior wall, matching the area of infarction. No perfusion defect in the other territories.

LGE: Transmural late enhancement of the basal and mid inferior wall, in keeping with a completed infarct in the RCA territory. No enhancement elsewhere.

Conclusion: Transmural inferior myocardial infarction (RCA territory), non-viable. Fixed inferior perfusion defect with no inducible ischaemia in the other territories. Mildly impaired LV systolic function.
""",
        lvef=44,
        lge=[_r("basal mid", "inferior", "transmural")],
        perfusion_defects=[_r("basal mid", "inferior", "transmural")],
        wall_motion=[_wm("basal mid", "inferior", "akinetic")],
    ),
    _case(
        3,
        3,
        "2021-04-22",
        "hcm",
        """
Referred for family screening after a relative was diagnosed with hypertrophic cardiomyopathy; abnormal ECG.

Findings: There is asymmetric hypertrophy of the interventricular septum, most marked in the basal and mid septum, with a maximal end-diastolic wall thickness of 21 mm. The LV cavity is small to normal in size with hyperdynamic function, LVEF 70%. No systolic anterior motion of the mitral valve and no LVOT obstruction at rest. Normal RV. No pericardial effusion.

Post-contrast imaging shows patchy mid-wall enhancement at both RV insertion points in the basal and mid ventricle. STIR imaging shows no myocardial oedema, and adenosine stress perfusion shows no perfusion defect.

Conclusion: Appearances are consistent with asymmetric septal hypertrophic cardiomyopathy, with fibrosis at the RV insertion points.
""",
        lvef=70,
        wall_thickness=WallThickness(kind="asymmetric_septal", max_mm=21),
        lge=[_r("basal mid", "anteroseptal inferoseptal", "midwall")],
    ),
    _case(
        4,
        4,
        "2021-05-06",
        "ischemic",
        """
CMR after anterior ST-elevation infarction, treated with primary PCI to the proximal LAD.

Cine: LV size at the upper limit of normal. Akinesis of the mid and apical anterior wall and anteroseptum. LVEF 38%.

STIR: High signal throughout the thickness of the mid and apical anterior and anteroseptal walls, consistent with myocardial oedema. No intramyocardial haemorrhage.

LGE: Transmural enhancement in the same segments. No LV thrombus.

Pericardium: No effusion.

Impression: Acute anterior myocardial infarction in the LAD territory with transmural necrosis and myocardial oedema. Moderately impaired LV systolic function.
""",
        lvef=38,
        lge=[_r("mid apical", "anterior anteroseptal", "transmural")],
        t2_edema=[_r("mid apical", "anterior anteroseptal", "transmural")],
        wall_motion=[_wm("mid apical", "anterior anteroseptal", "akinetic")],
        series=NO_PERFUSION,
    ),
    _case(
        5,
        5,
        "2021-06-14",
        "dcm",
        """
The left ventricle is dilated (LVEDV 265 ml, indexed 138 ml/m2) with globally reduced systolic function; the ejection fraction is 28%. There is no regional variation in wall motion and the walls are of normal thickness. The right ventricle is mildly dilated with mildly reduced function. Mild functional mitral regurgitation. A linear stripe of mid-wall enhancement is seen in the basal and mid septum. There is no subendocardial or infarct-type enhancement. No pericardial effusion. T2-weighted imaging shows no oedema, and adenosine stress perfusion shows no perfusion defect. Overall the findings are those of a dilated cardiomyopathy with septal mid-wall fibrosis.
""",
        lvef=28,
        lv_dilated=True,
        lge=[_r("basal mid", "septal", "midwall")],
    ),
    _case(
        6,
        6,
        "2021-07-01",
        "myocarditis",
        """
Indication: Chest pain with a troponin rise and unobstructed coronary arteries at angiography.

Cine imaging: Normal LV dimensions. Mild hypokinesis of the basal and mid inferolateral wall. LVEF 56%. Normal RV. No pericardial effusion.

Tissue characterisation: T2-weighted STIR shows increased signal in the subepicardial basal and mid inferolateral wall, indicating myocardial oedema. Late gadolinium enhancement imaging demonstrates subepicardial enhancement in the same region, sparing the subendocardium.

Impression: Findings consistent with acute myocarditis.
""",
        lvef=56,
        lge=[_r("basal mid", "inferolateral", "subepicardial")],
        t2_edema=[_r("basal mid", "inferolateral", "subepicardial")],
        wall_motion=[_wm("basal mid", "inferolateral", "hypokinetic")],
        series=NO_PERFUSION,
    ),
    _case(
        7,
        7,
        "2021-08-19",
        "amyloidosis",
        """
Cine imaging: Concentric left ventricular hypertrophy with a maximal wall thickness of 16 mm. Small LV cavity with low-normal systolic function, LVEF 52%. Small pericardial effusion.

LGE: Diffuse, global subendocardial late enhancement. Abnormal nulling, with the blood pool nulling before the myocardium.

Conclusion: Appearances strongly suggestive of cardiac amyloidosis.
""",
        lvef=52,
        wall_thickness=WallThickness(kind="concentric", max_mm=16),
        lge=[_r(ALL_LEVELS, ALL_WALLS, "diffuse")],
        pericardial_effusion=True,
        series=CINE_LGE,
    ),
    _case(
        8,
        8,
        "2021-09-30",
        "normal",
        """
Normal left ventricular size, wall thickness and systolic function (LVEF 60%). No regional wall motion abnormalities. Normal right ventricle. No late gadolinium enhancement to suggest infarction, infiltration or fibrosis. No myocardial edema on T2-weighted images. Stress perfusion imaging is normal, with no perfusion defect.

Impression: Normal cardiac MRI.
""",
        lvef=60,
    ),
    _case(
        9,
        9,
        "2021-11-02",
        "ischemic",
        """
History: Exertional breathlessness. Previous non-ST-elevation infarction; circumflex disease at angiography, not revascularised.

Cine: Normal LV size. Hypokinesis of the basal and mid inferolateral wall. LVEF 54%.

T2 STIR: No myocardial oedema.

Stress perfusion: Inducible subendocardial perfusion defect in the basal and mid inferolateral and anterolateral walls.

LGE: Subendocardial enhancement involving less than 50% of the wall thickness in the basal and mid inferolateral wall.

Impression: Subendocardial infarction in the circumflex territory with additional inducible ischaemia in the lateral wall. The anterolateral segments are viable.
""",
        lvef=54,
        lge=[_r("basal mid", "inferolateral", "subendocardial")],
        perfusion_defects=[_r("basal mid", "inferolateral anterolateral", "subendocardial")],
        wall_motion=[_wm("basal mid", "inferolateral", "hypokinetic")],
    ),
    _case(
        10,
        10,
        "2021-12-08",
        "ischemic",
        """
Findings
The LV is dilated, with a large akinetic region involving the anterior wall, the anteroseptum and the apex. LVEF is severely reduced at 30%. Within the apical cavity there is a rounded filling defect of about 9 mm that stays dark on early and late post-contrast images, in keeping with LV thrombus.
LGE: Transmural enhancement of the mid and apical anterior and anteroseptal walls and of all apical segments.
No pericardial effusion.

Conclusion: Chronic extensive LAD territory infarction with severe LV systolic dysfunction and an apical LV thrombus.
""",
        lvef=30,
        lv_dilated=True,
        lge=[
            _r("mid apical", "anterior anteroseptal", "transmural"),
            _r("apical", ALL_WALLS, "transmural"),
        ],
        wall_motion=[
            _wm("mid apical", "anterior anteroseptal", "akinetic"),
            _wm("apical", ALL_WALLS, "akinetic"),
        ],
        thrombus=True,
        series=CINE_LGE,
    ),
    _case(
        11,
        11,
        "2022-01-12",
        "hcm",
        """
HCM - assessment of LVOT obstruction.

LV: Not dilated, hyperdynamic, LVEF 74%. Asymmetric septal hypertrophy with a maximum wall thickness of 24 mm at the basal to mid septum. Systolic anterior motion of the anterior mitral leaflet with flow acceleration in the LVOT, indicating dynamic LVOT obstruction. Mild posteriorly directed mitral regurgitation.

STIR: No oedema.

Stress perfusion: No perfusion defect.

LGE: Patchy mid-wall enhancement within the hypertrophied basal and mid septum, including the inferior RV insertion point.

Impression: Obstructive hypertrophic cardiomyopathy with septal fibrosis.
""",
        lvef=74,
        wall_thickness=WallThickness(kind="asymmetric_septal", max_mm=24),
        lge=[_r("basal mid", "septal", "midwall")],
        lvot_obstruction=True,
    ),
    _case(
        12,
        12,
        "2022-02-23",
        "normal",
        """
EXAM: Stress perfusion cardiac MRI.
INDICATION: Chest pain, intermediate pretest probability.

FINDINGS:
Left ventricle: Normal size, wall thickness and function. LVEF 65%. No regional wall motion abnormality.
Right ventricle: Normal.
T2-weighted imaging: Normal, no myocardial edema.
Regadenoson stress perfusion: No perfusion defect.
Late gadolinium enhancement: None.
Pericardium: Normal, no effusion.

IMPRESSION: Normal stress CMR. No evidence of ischemia or infarction.
""",
        lvef=65,
    ),
    _case(
        13,
        13,
        "2022-03-15",
        "myocarditis",
        """
Clinical: Fever and pleuritic chest pain with elevated troponin.

Cine images demonstrate a normal LV size with mildly reduced systolic function, EF 50%, and mild hypokinesis of the lateral wall. There is a small circumferential pericardial effusion. T2-weighted imaging shows edema in the mid inferolateral wall. Delayed enhancement images show subepicardial enhancement along the lateral wall from base to apex.

Impression: Findings in keeping with acute myocarditis with pericardial involvement (myopericarditis).
""",
        lvef=50,
        lge=[_r(ALL_LEVELS, "lateral", "subepicardial")],
        t2_edema=[_r("mid", "inferolateral", "subepicardial")],
        wall_motion=[_wm(ALL_LEVELS, "lateral", "hypokinetic")],
        pericardial_effusion=True,
        series=("cine_sax", "cine_2ch", "cine_4ch", "lge_sax", "t2_sax"),
    ),
    _case(
        14,
        14,
        "2022-04-04",
        "dcm",
        """
Cardiac MRI with contrast.
Indication: Newly diagnosed heart failure.

Measurements:
LVEDV 298 ml (indexed 151 ml/m2)
LVESV 232 ml
LVEF 22%
LV mass 168 g
RVEF 38%

Cine imaging: Severely dilated left ventricle with global hypokinesis and severely impaired systolic function. Normal wall thickness. Moderate functional mitral regurgitation. Mildly impaired right ventricular function. No pericardial effusion.

T2 STIR: No oedema.

Stress perfusion: No perfusion defect.

LGE: No late gadolinium enhancement.

Conclusion: Dilated cardiomyopathy with severely impaired LV function. No evidence of previous infarction.
""",
        lvef=22,
        lv_dilated=True,
    ),
    _case(
        15,
        15,
        "2022-05-18",
        "ischemic",
        """
Indication: Exertional angina.

Function: LV normal in size with normal systolic function (EF 60%). No wall motion abnormality at rest.

Stress perfusion (adenosine): Subendocardial perfusion defect in the basal and mid anterior and anteroseptal walls at stress, which resolves at rest.

Viability: No late gadolinium enhancement.

Conclusion: Inducible ischemia in the LAD territory without infarction.
""",
        lvef=60,
        perfusion_defects=[_r("basal mid", "anterior anteroseptal", "subendocardial")],
        series=("cine_sax", "cine_2ch", "cine_4ch", "lge_sax", "perfusion_sax"),
    ),
    _case(
        16,
        16,
        "2022-06-27",
        "amyloidosis",
        """
CMR for increased wall thickness on echocardiography and low-voltage ECG.

Cine: Concentric LV hypertrophy measuring up to 18 mm. The LV cavity is not dilated. Mildly reduced systolic function, LVEF 45%. No pericardial effusion.

LGE: Difficult myocardial nulling. Global subendocardial enhancement throughout the LV.

Impression: Pattern typical of cardiac amyloidosis.
""",
        lvef=45,
        wall_thickness=WallThickness(kind="concentric", max_mm=18),
        lge=[_r(ALL_LEVELS, ALL_WALLS, "diffuse")],
        series=CINE_LGE,
    ),
    _case(
        17,
        17,
        "2022-08-03",
        "normal",
        """
Athletic individual referred with palpitations. LV size is at the upper limit of normal, in keeping with physiological adaptation, with normal wall thickness and good systolic function (LVEF 58%). There are no regional wall motion abnormalities. RV size and function are normal. T2-weighted imaging is unremarkable with no myocardial oedema. There is no late gadolinium enhancement, and stress perfusion imaging shows no perfusion defect. No pericardial effusion. In summary, a structurally normal heart with no evidence of cardiomyopathy or myocarditis.
""",
        lvef=58,
    ),
    _case(
        18,
        18,
        "2022-09-12",
        "hcm",
        """
Cine imaging: Mild asymmetric septal hypertrophy with a maximal wall thickness of 17 mm in the basal septum. Normal LV cavity size, LVEF 68%. No SAM and no LVOT obstruction.

STIR: No oedema.

Stress perfusion: No perfusion defect.

LGE: No late enhancement.

Impression: Mild hypertrophic cardiomyopathy, non-obstructive. No myocardial fibrosis.
""",
        lvef=68,
        wall_thickness=WallThickness(kind="asymmetric_septal", max_mm=17),
    ),
    _case(
        19,
        19,
        "2022-10-05",
        "ischemic",
        """
Technique: Cines, STIR and LGE. Stress perfusion was not performed.

Cine imaging: Dilated LV (LVEDV 248 ml), LVEF 35%. Akinesis of the mid and apical anterior wall and hypokinesis of the basal and mid inferior wall.

STIR: No oedema.

LGE: Transmural scar in the mid and apical anterior wall. Subendocardial scar (25-50% of wall thickness) in the basal and mid inferior wall.

Impression: Ischaemic cardiomyopathy with infarction in two territories (LAD and RCA). The anterior wall is non-viable; the inferior wall is viable.
""",
        lvef=35,
        lv_dilated=True,
        lge=[
            _r("mid apical", "anterior", "transmural"),
            _r("basal mid", "inferior", "subendocardial"),
        ],
        wall_motion=[
            _wm("mid apical", "anterior", "akinetic"),
            _wm("basal mid", "inferior", "hypokinetic"),
        ],
        series=NO_PERFUSION,
    ),
    _case(
        20,
        20,
        "2022-11-21",
        "myocarditis",
        """
Referred with palpitations after a recent viral illness. The LV is normal in size with mildly reduced function, EF 48%. There is subepicardial late enhancement in the basal inferolateral wall and a separate focus of mid-wall enhancement in the mid septum. T2-weighted images show increased signal in the basal inferolateral wall consistent with edema. No pericardial effusion.

Impression: Acute myocarditis.
""",
        lvef=48,
        lge=[
            _r("basal", "inferolateral", "subepicardial"),
            _r("mid", "septal", "midwall"),
        ],
        t2_edema=[_r("basal", "inferolateral", "subepicardial")],
        series=NO_PERFUSION,
    ),
    _case(
        21,
        21,
        "2023-01-10",
        "normal",
        """
Normal biventricular size and function, LVEF 63%. No LGE.
Conclusion: Normal study.
""",
        lvef=63,
        series=("cine_sax", "cine_2ch", "cine_4ch", "lge_sax"),
    ),
    _case(
        22,
        22,
        "2023-02-14",
        "ischemic",
        """
Indication: Known right coronary artery disease. Ischaemia assessment.

Cine: Normal LV size and systolic function, LVEF 57%. Mild hypokinesis of the basal inferior wall.

T2: No oedema.

Perfusion: Stress-induced subendocardial perfusion defect in the basal and mid inferior wall.

LGE: Small subendocardial infarct in the basal inferior and inferoseptal wall.

Impression: Small inferior subendocardial infarction with inducible ischaemia in the RCA territory.
""",
        lvef=57,
        lge=[_r("basal", "inferior inferoseptal", "subendocardial")],
        perfusion_defects=[_r("basal mid", "inferior", "subendocardial")],
        wall_motion=[_wm("basal", "inferior", "hypokinetic")],
    ),
    _case(
        23,
        23,
        "2023-03-29",
        "amyloidosis",
        """
Findings: Increased LV wall thickness in a concentric distribution, 15 mm at most. Normal cavity size. LVEF 55%. Small pericardial effusion. Diffuse subendocardial LGE involving all segments, with the blood pool nulling before the myocardium.

Impression: Cardiac amyloidosis.
""",
        lvef=55,
        wall_thickness=WallThickness(kind="concentric", max_mm=15),
        lge=[_r(ALL_LEVELS, ALL_WALLS, "diffuse")],
        pericardial_effusion=True,
        series=CINE_LGE,
    ),
    _case(
        24,
        24,
        "2023-05-02",
        "dcm",
        """
LEFT VENTRICLE: Dilated, with global hypokinesis. EF 33%. Normal wall thickness.
RIGHT VENTRICLE: Normal size, low-normal function.
T2 IMAGING: No edema.
STRESS PERFUSION: No perfusion defect.
LATE ENHANCEMENT: Linear midwall enhancement in the basal and mid septum.
PERICARDIUM: No effusion.

IMPRESSION: Nonischemic dilated cardiomyopathy with septal midwall fibrosis.
""",
        lvef=33,
        lv_dilated=True,
        lge=[_r("basal mid", "septal", "midwall")],
    ),
    _case(
        25,
        25,
        "2023-06-20",
        "hcm",
        """
Cardiac MRI

Measurements:
  LVEDV 128 ml
  LVEF 72%
  Maximum wall thickness 19 mm (basal inferoseptum)
  LV mass 205 g

Cine: Asymmetric septal hypertrophy. No SAM or LVOT obstruction.
STIR: No oedema.
LGE: Patchy midwall enhancement at the superior and inferior RV insertion points at basal level.
Stress perfusion: Not performed.

Conclusion: Hypertrophic cardiomyopathy (asymmetric septal) with RV insertion point fibrosis.
""",
        lvef=72,
        wall_thickness=WallThickness(kind="asymmetric_septal", max_mm=19),
        lge=[_r("basal", "anteroseptal inferoseptal", "midwall")],
        series=NO_PERFUSION,
    ),
    _case(
        26,
        26,
        "2023-08-08",
        "normal",
        """
MEASUREMENTS: LVEDV 142 ml, LVESV 57 ml, LVEF 60%, LV mass 98 g, RVEDV 150 ml, RVEF 56%.
FINDINGS: Normal left and right ventricular size and function. No regional wall motion abnormality. No late gadolinium enhancement. No perfusion defect. No myocardial oedema on T2-weighted imaging. Normal pericardium.
CONCLUSION: Normal study.
""",
        lvef=60,
    ),
    _case(
        27,
        4,
        "2021-11-16",
        "ischemic",
        """
Follow-up after anterior infarction; compared with the previous study.

Cine: The LV is not dilated. Akinesis of the mid and apical anterior wall and anteroseptum persists. LVEF 42%, previously 38%.

STIR: The previously seen oedema has resolved.

Stress perfusion: Fixed perfusion defect in the scarred mid and apical anterior and anteroseptal segments; no inducible ischaemia elsewhere.

LGE: Transmural scar in the mid and apical anterior and anteroseptal walls, slightly smaller than before. No LV thrombus.

Impression: Established anterior (LAD territory) myocardial infarction; the oedema has resolved.
""",
        lvef=42,
        lge=[_r("mid apical", "anterior anteroseptal", "transmural")],
        perfusion_defects=[_r("mid apical", "anterior anteroseptal", "transmural")],
        wall_motion=[_wm("mid apical", "anterior anteroseptal", "akinetic")],
    ),
    _case(
        28,
        5,
        "2022-06-09",
        "dcm",
        """
Interval follow-up on optimised heart failure therapy.

Cine imaging: The LV remains mildly dilated, with improved global systolic function; LVEF now 41%.

STIR: No oedema.

Stress perfusion: No inducible perfusion defect.

LGE: Unchanged mid-wall stripe in the basal and mid septum.

No pericardial effusion.

Conclusion: Dilated cardiomyopathy with partial recovery of LV function and stable septal mid-wall fibrosis.
""",
        lvef=41,
        lv_dilated=True,
        lge=[_r("basal mid", "septal", "midwall")],
    ),
    _case(
        29,
        6,
        "2022-01-25",
        "myocarditis",
        """
Follow-up after myocarditis. LV size and systolic function have normalised (LVEF 60%) and there is no regional wall motion abnormality. T2-weighted imaging shows no residual oedema. Subepicardial enhancement persists in the basal inferolateral wall but is less extensive than before; the mid inferolateral segment is now free of enhancement. No pericardial effusion. Conclusion: healed myocarditis with residual basal inferolateral scar.
""",
        lvef=60,
        lge=[_r("basal", "inferolateral", "subepicardial")],
        series=NO_PERFUSION,
    ),
    _case(
        30,
        3,
        "2022-05-03",
        "hcm",
        """
Annual surveillance, known hypertrophic cardiomyopathy.

Cine: Asymmetric septal hypertrophy, maximal wall thickness 22 mm (21 mm on the previous study). LVEF 68%. No SAM. No LVOT obstruction.

LGE: Patchy midwall enhancement at both RV insertion points in the basal and mid ventricle, not significantly changed.

Stress perfusion: Not performed.

Conclusion: Stable hypertrophic cardiomyopathy.
""",
        lvef=68,
        wall_thickness=WallThickness(kind="asymmetric_septal", max_mm=22),
        lge=[_r("basal mid", "anteroseptal inferoseptal", "midwall")],
        series=CINE_LGE,
    ),
)
"""The sample studies, in report-id order."""


def case_by_study(study_id: str) -> SampleCase:
    """Look up a sample case by its study id.

    Args:
        study_id: A study id such as ``"STU-0007"``.

    Returns:
        The case.

    Raises:
        KeyError: If no sample case has that study id.
    """
    for case in SAMPLE_CASES:
        if case.study_id == study_id:
            return case
    raise KeyError(study_id)
