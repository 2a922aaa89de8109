"""Sample studies of ischaemic heart disease: infarcts, scars and inducible ischaemia, in report-id order."""

from __future__ import annotations

from qaforge.sample.models import SampleCase
from qaforge.sample.studies.shorthand import ALL_WALLS, CINE_LGE, NO_PERFUSION, case, motion, region

CASES: tuple[SampleCase, ...] = (
    case(
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
        lge=[region("basal mid", "inferior", "transmural")],
        perfusion_defects=[region("basal mid", "inferior", "transmural")],
        wall_motion=[motion("basal mid", "inferior", "akinetic")],
    ),
    case(
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
        lge=[region("mid apical", "anterior anteroseptal", "transmural")],
        t2_edema=[region("mid apical", "anterior anteroseptal", "transmural")],
        wall_motion=[motion("mid apical", "anterior anteroseptal", "akinetic")],
        series=NO_PERFUSION,
    ),
    case(
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
        lge=[region("basal mid", "inferolateral", "subendocardial")],
        perfusion_defects=[region("basal mid", "inferolateral anterolateral", "subendocardial")],
        wall_motion=[motion("basal mid", "inferolateral", "hypokinetic")],
    ),
    case(
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
            region("mid apical", "anterior anteroseptal", "transmural"),
            region("apical", ALL_WALLS, "transmural"),
        ],
        wall_motion=[
            motion("mid apical", "anterior anteroseptal", "akinetic"),
            motion("apical", ALL_WALLS, "akinetic"),
        ],
        thrombus=True,
        series=CINE_LGE,
    ),
    case(
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
        perfusion_defects=[region("basal mid", "anterior anteroseptal", "subendocardial")],
        series=("cine_sax", "cine_2ch", "cine_4ch", "lge_sax", "perfusion_sax"),
    ),
    case(
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
            region("mid apical", "anterior", "transmural"),
            region("basal mid", "inferior", "subendocardial"),
        ],
        wall_motion=[
            motion("mid apical", "anterior", "akinetic"),
            motion("basal mid", "inferior", "hypokinetic"),
        ],
        series=NO_PERFUSION,
    ),
    case(
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
        lge=[region("basal", "inferior inferoseptal", "subendocardial")],
        perfusion_defects=[region("basal mid", "inferior", "subendocardial")],
        wall_motion=[motion("basal", "inferior", "hypokinetic")],
    ),
    case(
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
        lge=[region("mid apical", "anterior anteroseptal", "transmural")],
        perfusion_defects=[region("mid apical", "anterior anteroseptal", "transmural")],
        wall_motion=[motion("mid apical", "anterior anteroseptal", "akinetic")],
    ),
)
"""The ischemic studies."""
