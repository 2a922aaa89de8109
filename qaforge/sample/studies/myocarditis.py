"""Sample studies of myocarditis, acute and healed, in report-id order."""

from __future__ import annotations

from qaforge.sample.models import SampleCase
from qaforge.sample.studies.shorthand import ALL_LEVELS, NO_PERFUSION, case, motion, region

CASES: tuple[SampleCase, ...] = (
    case(
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
        lge=[region("basal mid", "inferolateral", "subepicardial")],
        t2_edema=[region("basal mid", "inferolateral", "subepicardial")],
        wall_motion=[motion("basal mid", "inferolateral", "hypokinetic")],
        series=NO_PERFUSION,
    ),
    case(
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
        lge=[region(ALL_LEVELS, "lateral", "subepicardial")],
        t2_edema=[region("mid", "inferolateral", "subepicardial")],
        wall_motion=[motion(ALL_LEVELS, "lateral", "hypokinetic")],
        pericardial_effusion=True,
        series=("cine_sax", "cine_2ch", "cine_4ch", "lge_sax", "t2_sax"),
    ),
    case(
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
            region("basal", "inferolateral", "subepicardial"),
            region("mid", "septal", "midwall"),
        ],
        t2_edema=[region("basal", "inferolateral", "subepicardial")],
        series=NO_PERFUSION,
    ),
    case(
        29,
        6,
        "2022-01-25",
        "myocarditis",
        """
Follow-up after myocarditis. LV size and systolic function have normalised (LVEF 60%) and there is no regional wall motion abnormality. T2-weighted imaging shows no residual oedema. Subepicardial enhancement persists in the basal inferolateral wall but is less extensive than before; the mid inferolateral segment is now free of enhancement. No pericardial effusion. Conclusion: healed myocarditis with residual basal inferolateral scar.
""",
        lvef=60,
        lge=[region("basal", "inferolateral", "subepicardial")],
        series=NO_PERFUSION,
    ),
)
"""The myocarditis studies."""
