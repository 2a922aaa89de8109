"""Synthetic CMR reports with planted identifiers and their gold spans (the PHI benchmark's set).

Reports are built from code and templates written for qaforge: clinical
sentences full of what is *not* PHI (measurements, doses, AHA segments,
frames, field strengths, sequence names, anatomy in any casing) with
identifiers of every kind of :data:`qaforge.checks.phi.KINDS` planted in
varied positions (header lines, mid-sentence, own line, in brackets) and
casings (Title, UPPER; labels in any case). Each planted identifier is
recorded with its exact span, so recall and precision are measured, not guessed.

Two disjoint name sets and seeds: ``"dev"`` is what the scan was tuned on,
``"held_out"`` is kept for the benchmark's figures and the test that asserts
them, so the figures are not measured on the text the rules were fitted to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

NAME_SETS: dict[str, dict[str, tuple[str, ...]]] = {
    "dev": {
        "first": (
            "Sarah",
            "James",
            "Priya",
            "Tomasz",
            "Helena",
            "Kwame",
            "Aoife",
            "Mohammed",
            "Ingrid",
            "Rafael",
            "Yusuf",
            "Maria",
            "Oliver",
            "Chloe",
            "Daniel",
            "Fatima",
        ),
        "last": (
            "Connor",
            "Okafor",
            "Whitfield",
            "Nakamura",
            "Pemberton",
            "Kowalczyk",
            "Ferreira",
            "Lindqvist",
            "Abernethy",
            "Castellanos",
            "Mbeki",
            "Thornton",
            "Harrington",
            "Osei",
            "Delacroix",
            "Rahman",
        ),
        "places": ("Royal Brompton", "Papworth", "Addenbrooke's", "Freeman", "Royal Victoria"),
        "streets": ("Kingsley", "Elm Tree", "Harcourt", "Mill", "Beaumont"),
    },
    "held_out": {
        "first": (
            "Eleanor",
            "Samuel",
            "Anjali",
            "Piotr",
            "Margaret",
            "Kofi",
            "Siobhan",
            "Omar",
            "Astrid",
            "Mateo",
            "Ibrahim",
            "Lucia",
            "George",
            "Amelia",
            "Nathan",
            "Zainab",
        ),
        "last": (
            "Ashworth",
            "Adeyemi",
            "Blackwood",
            "Tanaka",
            "Fairbairn",
            "Wisniewski",
            "Carvalho",
            "Sandberg",
            "Drummond",
            "Villanueva",
            "Ndlovu",
            "Hargreaves",
            "Kingsley",
            "Mensah",
            "Beaulieu",
            "Chowdhury",
        ),
        "places": (
            "Glenfield",
            "Wythenshawe",
            "Harefield",
            "Queen Elizabeth",
            "Royal Sussex County",
        ),
        "streets": ("Ashdown", "Larch", "Pembroke", "Quarry", "Greenbank"),
    },
}

CLINICAL_SENTENCES = (
    "LVEF {ef}%, LV EDV {edv} ml (indexed {edvi} ml/m2), ESV {esv} ml.",
    "Mid inferoseptal wall thickness {wall} mm; maximal {wall2} mm in segment {seg}.",
    "Gadobutrol {dose} mmol/kg was given; LGE imaging from {minutes} minutes.",
    "Subendocardial LGE in segments {seg}-{seg2} (LAD territory).",
    "Cine SSFP in short axis, {frames} frames per cycle; frames 1-{frames} reviewed.",
    "Acquired at {tesla} on a {tesla2} system with T2-STIR, native T1 (MOLLI) and ECV.",
    "Native T1 {t1} ms, T2 {t2} ms, ECV {ecv}%.",
    "Basal Septal and Mid Inferior hypokinesia; Apical segments contract normally.",
    "RV EDV {edv} ml, RVEF {ef}%. TAPSE {tapse} mm.",
    "No pericardial effusion. Mild MR and trivial TR. Cardiac MR otherwise normal.",
    "MR imaging and MR angiography show an aortic root of {root} cm.",
    "4 Chamber View and 2 Chamber View cines; LVOT view at {tesla}.",
    "Stress perfusion with adenosine {adeno} mcg/kg/min for 4 minutes: no inducible ischaemia.",
    "HR {hr} bpm during acquisition; ECG-gated.",
)
HEADINGS = ("FINDINGS:", "Left Ventricle", "Right Heart", "IMPRESSION", "Technique:", "CONCLUSION")


@dataclass(frozen=True)
class PlantedSpan:
    """One planted identifier: its kind and where it is in the report text."""

    kind: str
    start: int
    end: int


@dataclass
class SyntheticReport:
    """A report text and its gold spans (empty for a clean report)."""

    text: str
    spans: list[PlantedSpan] = field(default_factory=list)


class _Builder:
    """Appends pieces to a text, recording the spans of planted identifiers."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[PlantedSpan] = []

    def add(self, text: str, kind: str | None = None) -> None:
        if kind is not None:
            self.spans.append(PlantedSpan(kind, self.length, self.length + len(text)))
        self.parts.append(text)
        self.length += len(text)

    def report(self) -> SyntheticReport:
        return SyntheticReport("".join(self.parts), list(self.spans))


def _clinical(rng: random.Random) -> str:
    values = {
        "ef": rng.randint(25, 70),
        "edv": rng.randint(90, 260),
        "edvi": rng.randint(50, 140),
        "esv": rng.randint(30, 160),
        "wall": rng.randint(6, 14),
        "wall2": rng.randint(10, 24),
        "seg": rng.randint(1, 11),
        "seg2": rng.randint(12, 17),
        "dose": rng.choice(["0.1", "0.15", "0.2"]),
        "minutes": rng.randint(8, 15),
        "frames": rng.choice([25, 30, 40]),
        "t1": rng.randint(950, 1150),
        "tesla": rng.choice(["1.5 T", "3T", "3 T", "1.5T"]),
        "tesla2": rng.choice(["1.5 T", "3.0 T"]),
        "t2": rng.randint(42, 60),
        "ecv": rng.randint(22, 40),
        "tapse": rng.randint(12, 28),
        "root": rng.choice(["3.1", "3.6", "4.2"]),
        "adeno": rng.choice([140, 175, 210]),
        "hr": rng.randint(50, 99),
    }
    sentence = rng.choice(CLINICAL_SENTENCES).format(**values)
    return sentence.upper() if rng.random() < 0.2 else sentence


def _cased(rng: random.Random, text: str) -> str:
    return text.upper() if rng.random() < 0.4 else text


def _label(rng: random.Random, label: str) -> str:
    return rng.choice([label, label.upper(), label.lower()])


def _date(rng: random.Random) -> str:
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(1930, 2024)
    months = (
        "January February March April May June July August September October November December"
    ).split()
    forms = (
        f"{day:02d}/{month:02d}/{year}",
        f"{day}/{month}/{year % 100:02d}",
        f"{year}-{month:02d}-{day:02d}",
        f"{day} {months[month - 1]} {year}",
        f"{months[month - 1]} {day}, {year}",
        f"{day}.{month}.{year}",
        f"{day}-{months[month - 1][:3].upper()}-{year}",
        f"{day}th of {months[month - 1]} {year}",
        f"{months[month - 1][:3]} {year}",
    )
    return rng.choice(forms)


def _name(rng: random.Random, names: dict[str, tuple[str, ...]]) -> tuple[str, str]:
    return rng.choice(names["first"]), rng.choice(names["last"])


Piece = tuple[str, str | None]
"""A piece of a report: its text and the kind it plants (``None``: plain text)."""


def _people(rng: random.Random, names: dict[str, tuple[str, ...]], kind: str) -> list[Piece]:
    first, last = _name(rng, names)
    if kind == "person_name":
        lead, tail = rng.choice(
            [
                ("This is the scan of ", "."),
                ("Images of ", " were reviewed."),
                ("Discussed with ", " today."),
                ("", " tolerated the study well."),
            ]
        )
        return [(lead, None), (_cased(rng, f"{first} {last}"), kind), (tail, None)]
    if kind == "title_name":
        title = rng.choice(["Dr", "Dr.", "DR", "Mr", "MR", "Mrs", "Ms", "Prof", "Prof."])
        who = rng.choice([f"{first} {last}", last, f"{first[0]}. {last}"])
        lead = rng.choice(["Seen by ", "Supervised by ", "Report verified by ", ""])
        return [(lead, None), (_cased(rng, f"{title} {who}"), kind), (".", None)]
    label = rng.choice(["Pt", "Patient", "Name", "Patient name", "Referred by", "Reported by"])
    if rng.random() < 0.25:
        return [("Images of pt ", None), (_cased(rng, last), kind), (" reviewed.", None)]
    value = rng.choice([f"{last.upper()}, {first}", f"{first} {last}", f"{last}, {first[0]}."])
    return [(_label(rng, label) + ": ", None), (_cased(rng, value), kind)]


def _numbers(rng: random.Random, kind: str) -> list[Piece]:
    digits = lambda n: "".join(str(rng.randint(0, 9)) for _ in range(n))  # noqa: E731
    letters = lambda n: "".join(rng.choice("ABCDEFGHJKLMNPRSTUWXYZ") for _ in range(n))  # noqa: E731
    if kind == "record_number":
        label = rng.choice(["MRN: ", "MRN ", "Hospital No. ", "Patient ID: ", "Unit number "])
        value = rng.choice([digits(8), f"{letters(2)}{digits(7)}", digits(7)])
    elif kind == "accession_number":
        label = rng.choice(["Acc# ", "Accession: ", "ACC NO: ", "accession number "])
        value = rng.choice(
            [f"{letters(2)}-{digits(4)}-{digits(4)}", digits(8), f"CMR-{digits(4)}-{digits(6)}"]
        )
    elif kind == "nhs_number":
        label = rng.choice(["NHS No: ", "NHS number ", "NHS: "])
        value = rng.choice([f"{digits(3)} {digits(3)} {digits(4)}", digits(10)])
    elif kind == "phone":
        label = rng.choice(["Tel: ", "Phone ", "Contact number ", "Bleep ", "call "])
        value = rng.choice(
            [
                f"020 7946 {digits(4)}",
                f"0161 496 {digits(4)}",
                f"+44 20 7946 {digits(4)}",
                f"07700 900{digits(3)}",
                f"(0113) 496 {digits(4)}",
            ]
        )
    else:
        label = rng.choice(["PACS node ", "from host ", "workstation "])
        value = f"{rng.choice([10, 172, 192])}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    return [
        (_label(rng, label.strip()) + label[len(label.strip()) :], None),
        (value, kind),
        (".", None),
    ]


def _places(rng: random.Random, names: dict[str, tuple[str, ...]], kind: str) -> list[Piece]:
    first, last = _name(rng, names)
    if kind == "email":
        domain = rng.choice(["nhs.net", "example.org", "cardio-trust.nhs.uk"])
        return [
            ("Queries to ", None),
            (f"{first.lower()}.{last.lower()}@{domain}", kind),
            (".", None),
        ]
    if kind == "url":
        value = rng.choice(
            [
                f"https://www.{last.lower()}-heart.org/results",
                f"www.portal-{last.lower()}.co.uk/r/{rng.randint(10, 999)}",
                f"http://pacs.{last.lower()}.nhs.uk/view?id={rng.randint(1000, 9999)}",
            ]
        )
        return [("Images at ", None), (value, kind), (" for review.", None)]
    if kind == "address":
        suffix = rng.choice(
            ["Road", "Street", "Lane", "Avenue", "Close", "Drive", "Crescent", "Way"]
        )
        value = f"{rng.randint(1, 240)} {rng.choice(names['streets'])} {suffix}"
        if rng.random() < 0.25:
            value = f"Flat {rng.randint(1, 30)}, {value}"
        return [(_label(rng, "Address") + ": ", None), (_cased(rng, value), kind)]
    if kind == "postcode":
        allowed = "ABDEFGHJLNPQRSTUWXYZ"
        area = rng.choice(["LS", "M", "B", "NE", "CB", "SW", "EH", "G", "BS", "L"])
        value = f"{area}{rng.randint(1, 20)} {rng.randint(0, 9)}{rng.choice(allowed)}{rng.choice(allowed)}"
        return [("Postcode ", None), (value, kind)]
    place = rng.choice(names["places"])
    value, lead = rng.choice(
        [
            (f"{place} Hospital", "Previous scan at "),
            (f"St {first}'s Hospital", "Transferred from "),
            (f"{place} Infirmary", "Referred from "),
            (place, "Scanned at "),
        ]
    )
    return [(lead, None), (_cased(rng, value), kind), (".", None)]


def _dates(rng: random.Random, kind: str) -> list[Piece]:
    if kind == "date":
        lead, tail = rng.choice(
            [
                ("Scanned on ", "."),
                ("Compared with the study of ", "."),
                ("Date of scan: ", ""),
                ("(", ")"),
            ]
        )
        return [(lead, None), (_date(rng), kind), (tail, None)]
    if kind == "date_of_birth":
        label = rng.choice(["DOB: ", "Date of birth: ", "D.O.B. ", "born "])
        return [(_label(rng, label.strip()) + " ", None), (_date(rng), kind)]
    age = rng.randint(90, 104)
    value = rng.choice([f"{age}-year-old", f"{age} year old", f"{age} yo", f"{age} years"])
    return [("A ", None), (value, kind), (" patient with breathlessness.", None)]


PEOPLE_KINDS = ("person_name", "title_name", "name_field")
NUMBER_KINDS = ("record_number", "accession_number", "nhs_number", "phone", "ip_address")
PLACE_KINDS = ("email", "url", "address", "postcode", "institution")
DATE_KINDS = ("date", "date_of_birth", "age_over_89")
PLANTED_KINDS = PEOPLE_KINDS + NUMBER_KINDS + PLACE_KINDS + DATE_KINDS


def planted_pieces(rng: random.Random, names: dict[str, tuple[str, ...]], kind: str) -> list[Piece]:
    """The pieces of one planted identifier of ``kind`` with its surrounding words."""
    if kind in PEOPLE_KINDS:
        return _people(rng, names, kind)
    if kind in NUMBER_KINDS:
        return _numbers(rng, kind)
    if kind in PLACE_KINDS:
        return _places(rng, names, kind)
    return _dates(rng, kind)


def synthetic_reports(name_set: str, *, seed: int, count: int) -> list[SyntheticReport]:
    """``count`` reports, each with 6 to 10 identifiers planted among clinical sentences.

    Kinds are dealt in turn, so every kind is planted about equally often;
    an identifier goes on a header line, inside a paragraph, on a line of
    its own (names) or in the footer.

    Args:
        name_set: ``"dev"`` or ``"held_out"`` (:data:`NAME_SETS`).
        seed: Seeds the random choices.
        count: Reports to make.

    Returns:
        The reports with their gold spans.
    """
    rng = random.Random(seed)
    names = NAME_SETS[name_set]
    kinds = [kind for _ in range(count * 10 // len(PLANTED_KINDS) + 1) for kind in PLANTED_KINDS]
    reports = []
    for _ in range(count):
        builder = _Builder()
        for _ in range(rng.randint(6, 10)):
            kind = kinds.pop(0)
            _plant(builder, rng, names, kind)
        reports.append(builder.report())
    return reports


def _plant(
    builder: _Builder, rng: random.Random, names: dict[str, tuple[str, ...]], kind: str
) -> None:
    """Clinical text, then one identifier in a varied position, onto the report."""
    where = rng.choice(["line", "paragraph", "paragraph", "own_line"])
    if rng.random() < 0.3:
        builder.add(_cased(rng, rng.choice(HEADINGS)) + "\n")
    for _ in range(rng.randint(0, 2)):
        builder.add(_clinical(rng) + " ")
    if where == "own_line" and kind == "person_name":
        first, last = _name(rng, names)
        name = rng.choice([f"{first} {last}", f"{last}, {first}", f"{first} {last[0]}. {last}"])
        builder.add("\n")
        builder.add(_cased(rng, name), kind)
        builder.add("\n")
        return
    pieces = planted_pieces(rng, names, kind)
    for text, planted in pieces:
        builder.add(text, planted)
    if where == "paragraph":
        builder.add(" " if pieces[-1][0].endswith(".") else ". ")
        builder.add(_clinical(rng) + "\n")
    else:
        builder.add("\n")


def clean_reports(*, seed: int, count: int) -> list[SyntheticReport]:
    """``count`` reports of clinical text only (headings and sentences, no identifier)."""
    rng = random.Random(seed)
    reports = []
    for _ in range(count):
        lines = []
        for _ in range(rng.randint(4, 8)):
            lines.append(_cased(rng, rng.choice(HEADINGS)))
            lines.append(" ".join(_clinical(rng) for _ in range(rng.randint(1, 4))))
        reports.append(SyntheticReport("\n".join(lines) + "\n"))
    return reports
