"""The PHI scan on the forms that leaked (issue 20), on clinical text, and redaction."""

from __future__ import annotations

import csv

import pytest

from qaforge.checks.leakage import CheckItem, phi_redacted
from qaforge.checks.phi import KINDS, PLACEHOLDERS, has_placeholder, redact_phi, scan_phi
from qaforge.sample.cases import SAMPLE_CASES


def found(text: str) -> set[tuple[str, str]]:
    return {(hit.kind, text[hit.start : hit.end]) for hit in scan_phi(text)}


def covered(text: str, secret: str) -> bool:
    """Whether every character of ``secret`` in ``text`` lies inside some hit."""
    start = text.index(secret)
    inside = {i for hit in scan_phi(text) for i in range(hit.start, hit.end)}
    return all(i in inside for i in range(start, start + len(secret)))


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("CARDIAC MRI REPORT\nHelena Marsh\nIndication: chest pain.", "Helena Marsh"),
        ("Pt: OKONKWO, Adaeze\nLVEF 55%.", "OKONKWO, Adaeze"),
        ("Acc# QX-4821-0937. Cine SSFP.", "QX-4821-0937"),
        ("Reported by DR TOBIAS WREN.", "DR TOBIAS WREN"),
        ("Images of pt KOWALCZYK reviewed.", "KOWALCZYK"),
        ("This is the scan of Sarah Connor at Royal Brompton.", "Sarah Connor"),
        ("This is the scan of Sarah Connor at Royal Brompton.", "Royal Brompton"),
        ("Mr Pemberton tolerated the study.", "Mr Pemberton"),
        ("MR PEMBERTON tolerated the study.", "MR PEMBERTON"),
    ],
)
def test_the_forms_that_leaked_are_caught(text, secret):
    assert covered(text, secret), found(text)


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("Patient: Liam O'Hara", "name_field", "Liam O'Hara"),
        ("Referred by: A. Ferreira", "name_field", "A. Ferreira"),
        ("Patient: smith, john", "name_field", "smith, john"),
        ("Discussed with his daughter, Jennifer.", "person_name", "Jennifer"),
        ("Seen by Prof. Ingrid Solberg", "title_name", "Prof. Ingrid Solberg"),
        ("DOB: 04/11/1941", "date_of_birth", "04/11/1941"),
        ("scanned on 3rd of March 2021", "date", "3rd of March 2021"),
        ("scanned 2021-03-04", "date", "2021-03-04"),
        ("a 93 year old man", "age_over_89", "93 year old"),
        ("Tel: 0161 496 0123", "phone", "0161 496 0123"),
        ("write to r.ahmed@example.org", "email", "r.ahmed@example.org"),
        ("see https://portal.example.org/p/1", "url", "https://portal.example.org/p/1"),
        ("host 192.168.14.20", "ip_address", "192.168.14.20"),
        ("MRN: 00123456", "record_number", "00123456"),
        ("Hospital No: RX9981234", "record_number", "RX9981234"),
        ("NHS No: 943 476 5919", "nhs_number", "943 476 5919"),
        ("Accession number: 55120987", "accession_number", "55120987"),
        ("lives at 22 Kingsley Road", "address", "22 Kingsley Road"),
        ("postcode LS6 2QT", "postcode", "LS6 2QT"),
        ("admitted to St Mary's Hospital", "institution", "St Mary's Hospital"),
        ("Patient: John Smith attended.", "name_field", "John Smith"),
        ("Seen by Dr. Jane Doe today", "title_name", "Dr. Jane Doe"),
        ("DOB 12/03/1950", "date_of_birth", "12/03/1950"),
        ("DOB 12/03/1950", "date", "12/03/1950"),
        ("scanned on 2024-03-05", "date", "2024-03-05"),
        ("scanned on 3 March 2024", "date", "3 March 2024"),
        ("a 92-year-old woman", "age_over_89", "92-year-old"),
        ("aged 95", "age_over_89", "aged 95"),
        ("Tel 020 7946 0958.", "phone", "020 7946 0958"),
        ("mail a.b@example.org", "email", "a.b@example.org"),
        ("MRN: A1234567", "record_number", "A1234567"),
        ("accession 88812345", "accession_number", "88812345"),
        ("ref 99912345 today", "record_number", "99912345"),
        ("lives at 14 Baker Street", "address", "14 Baker Street"),
        ("postcode NW1 6XE", "postcode", "NW1 6XE"),
    ],
)
def test_each_kind_is_found_with_its_span(text, kind, value):
    assert (kind, value) in found(text)


def test_there_are_at_least_twelve_kinds_each_with_a_placeholder():
    assert len(KINDS) >= 12
    assert set(PLACEHOLDERS.values()) >= {"[NAME]", "[DATE]", "[ID]", "[ADDRESS]", "[PHONE]"}


@pytest.mark.parametrize(
    "text",
    [
        "LVEF 55%. EDV 180 ml, ESV 81 ml. Wall thickness 2.5 cm.",
        "Gadobutrol 0.1 mmol/kg. LGE in segments 7-12 and 13-16, and in 13-14-15.",
        "Frames 1-25 of 30. Acquired at 1.5 T; repeat at 3T.",
        "Sequences: SSFP cine, LGE, T2-STIR, native T1 mapping (MOLLI).",
        "Basal Septal and Mid Inferolateral hypokinesia. Apical segments spared.",
        "Cardiac MR: normal. CMR and MRI findings agree. Mild MR. MR imaging and MR angiography.",
        "Native T1 1020 ms, ECV 28%, T2 48 ms. Aged 64. HR 72 bpm.",
        "IMPRESSION\nLeft Ventricle\nRight Heart\nNormal study.",
        "4 Chamber View and 2 Chamber View cines.",
        "Patient: male, 54. Patient tolerated the scan well.",
        "Only radiologist-verified items with no blocking check flag.",
        "LVEF 55%. LV EDV 150 ml, LVEDVi 80 ml/m2. Mid inferior wall 8 mm.",
        "Native T1 1020 ms, ECV 28%, T2 48 ms. Aged 64.",
        "Subendocardial LGE in the basal inferior wall (segments 4 and 10).",
    ],
)
def test_clinical_text_is_not_phi(text):
    assert found(text) == set()


def test_the_sample_reports_carry_no_phi():
    flagged = {case.study_id: found(case.record()["text"]) for case in SAMPLE_CASES}
    assert {study: hits for study, hits in flagged.items() if hits} == {}


def test_real_clinical_sentences_are_rarely_flagged(negex_file):
    """NegEx's sentences without de-identification markers: at most 1 in 200 flagged."""
    with negex_file.open(encoding="latin-1", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    clean = [row[2] for row in rows if "**" not in row[2] and "[" not in row[2]]
    flagged = [sentence for sentence in clean if scan_phi(sentence)]
    assert len(clean) > 2000
    assert len(flagged) <= len(clean) / 200


def test_redaction_puts_placeholders_in_place_of_each_identifier():
    text = "Pt: SMITH, John. DOB 12/03/1950. MRN: 00123456. Seen at Royal Brompton. Mild MR."
    redacted, kinds = redact_phi(text)
    assert redacted == "Pt: [NAME]. DOB [DATE]. MRN: [ID]. Seen at [INSTITUTION]. Mild MR."
    assert {"name_field", "date_of_birth", "record_number", "institution"} <= set(kinds)
    assert scan_phi(redacted) == [] and has_placeholder(redacted)


def test_redaction_leaves_clean_text_alone():
    text = "Mild LV dilatation; LVEF 45%. Subendocardial LGE in segments 1, 7 and 13."
    assert redact_phi(text) == (text, [])
    assert not has_placeholder(text)


def test_a_redacted_item_gets_a_warning_flag_with_the_kinds():
    item = CheckItem(
        item_id="i1", study_id="s", patient_id="p", split="train", subtask_id="lge_report",
        question="Describe the LGE.", options={}, answer="[NAME] has LGE.",
        redacted_phi=("title_name",),
    )  # fmt: skip
    (flag,) = phi_redacted([item, CheckItem("i2", "s", "p", "train", "x", "q", {}, "a")])
    assert (flag.check, flag.severity, flag.item_id) == ("phi_redacted", "warning", "i1")
    assert flag.detail == {"kinds": ["title_name"]}
