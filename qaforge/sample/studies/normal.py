"""Sample studies with a normal heart, in report-id order."""

from __future__ import annotations

from qaforge.sample.models import SampleCase
from qaforge.sample.studies.shorthand import case

CASES: tuple[SampleCase, ...] = (
    case(
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
    case(
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
    case(
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
    case(
        17,
        17,
        "2022-08-03",
        "normal",
        """
Athletic individual referred with palpitations. LV size is at the upper limit of normal, in keeping with physiological adaptation, with normal wall thickness and good systolic function (LVEF 58%). There are no regional wall motion abnormalities. RV size and function are normal. T2-weighted imaging is unremarkable with no myocardial oedema. There is no late gadolinium enhancement, and stress perfusion imaging shows no perfusion defect. No pericardial effusion. In summary, a structurally normal heart with no evidence of cardiomyopathy or myocarditis.
""",
        lvef=58,
    ),
    case(
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
    case(
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
)
"""The normal studies."""
