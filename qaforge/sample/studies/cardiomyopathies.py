"""Sample studies of cardiomyopathies: hypertrophic, dilated and amyloid, in report-id order."""

from __future__ import annotations

from qaforge.sample.models import SampleCase, WallThickness
from qaforge.sample.studies.shorthand import (
    ALL_LEVELS,
    ALL_WALLS,
    CINE_LGE,
    NO_PERFUSION,
    case,
    region,
)

CASES: tuple[SampleCase, ...] = (
    case(
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
        lge=[region("basal mid", "anteroseptal inferoseptal", "midwall")],
    ),
    case(
        5,
        5,
        "2021-06-14",
        "dcm",
        """
The left ventricle is dilated (LVEDV 265 ml, indexed 138 ml/m2) with globally reduced systolic function; the ejection fraction is 28%. There is no regional variation in wall motion and the walls are of normal thickness. The right ventricle is mildly dilated with mildly reduced function. Mild functional mitral regurgitation. A linear stripe of mid-wall enhancement is seen in the basal and mid septum. There is no subendocardial or infarct-type enhancement. No pericardial effusion. T2-weighted imaging shows no oedema, and adenosine stress perfusion shows no perfusion defect. Overall the findings are those of a dilated cardiomyopathy with septal mid-wall fibrosis.
""",
        lvef=28,
        lv_dilated=True,
        lge=[region("basal mid", "septal", "midwall")],
    ),
    case(
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
        lge=[region(ALL_LEVELS, ALL_WALLS, "diffuse")],
        pericardial_effusion=True,
        series=CINE_LGE,
    ),
    case(
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
        lge=[region("basal mid", "septal", "midwall")],
        lvot_obstruction=True,
    ),
    case(
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
    case(
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
        lge=[region(ALL_LEVELS, ALL_WALLS, "diffuse")],
        series=CINE_LGE,
    ),
    case(
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
    case(
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
        lge=[region(ALL_LEVELS, ALL_WALLS, "diffuse")],
        pericardial_effusion=True,
        series=CINE_LGE,
    ),
    case(
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
        lge=[region("basal mid", "septal", "midwall")],
    ),
    case(
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
        lge=[region("basal", "anteroseptal inferoseptal", "midwall")],
        series=NO_PERFUSION,
    ),
    case(
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
        lge=[region("basal mid", "septal", "midwall")],
    ),
    case(
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
        lge=[region("basal mid", "anteroseptal inferoseptal", "midwall")],
        series=CINE_LGE,
    ),
)
"""The hcm, dcm and amyloidosis studies."""
