"""What a sample study is: its report record fields, its diagnosis, and the truth its phantom is drawn from.

Each :class:`SampleCase` carries a :class:`CaseTruth` that agrees with its
text (the LVEF, the maximal wall thickness, where the LGE and oedema are,
which series were acquired), so image-stage tests can check what the
phantoms show against what the report says.
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
