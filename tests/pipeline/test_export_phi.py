"""End to end on SQLite: reports with planted identifiers of every kind, through export;
no exported file holds any of them."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sqlalchemy import insert, select

from qaforge.domain.qa import GenerationConfig
from qaforge.errors import QaforgeError
from qaforge.export.manifest import SCHEMA_FILE
from qaforge.pipeline.check import check_database
from qaforge.pipeline.export import export_database, refuse_files_with_phi
from qaforge.pipeline.extract import extract_database
from qaforge.pipeline.generate import generate_database
from qaforge.pipeline.ingest import ingest_reports, ingest_series
from qaforge.pipeline.select import select_images
from qaforge.pipeline.split import assign_database_splits
from qaforge.store.models import Finding, Flag, QAItem, Verification

HEADER = (
    "Helena Marsh\n"
    "Pt: OKONKWO, Adaeze\n"
    "DOB: 04/11/1941   MRN: 00123456   NHS No: 943 476 5919\n"
    "Acc# QX-4821-0937\n"
    "22 Kingsley Road, LS6 2QT. Tel: 0161 496 0123\n\n"
)
CLAUSES = (
    " (Mr Pemberton, scanned on 3rd of March 2021 at Royal Brompton)",
    " (pt KOWALCZYK, a 93 year old, referred by DR TOBIAS WREN)",
    " (the scan of Sarah Connor; queries to r.ahmed@example.org)",
    " (images at https://portal.example.org/p/1 from 192.168.14.20)",
)
FOOTER = "\n\nReported by Prof. Ingrid Solberg, St Mary's Hospital.\n"
PLANTED = (
    "Helena Marsh", "Marsh", "OKONKWO", "Okonkwo", "Adaeze", "04/11/1941", "00123456",
    "943 476 5919", "QX-4821-0937", "4821", "Kingsley Road", "LS6 2QT", "0161 496 0123",
    "Pemberton", "3rd of March 2021", "Royal Brompton", "Brompton", "KOWALCZYK", "Kowalczyk",
    "93 year old", "TOBIAS", "Tobias", "WREN", "Sarah Connor", "Connor", "r.ahmed",
    "example.org", "192.168.14.20", "Solberg", "Ingrid", "St Mary's",
)  # fmt: skip


def planted(text: str, index: int) -> str:
    """A sample report with the header, a clause in each paragraph's first sentence, a footer."""
    paragraphs = text.split("\n\n")
    for number, paragraph in enumerate(paragraphs[1:], start=1):
        clause = CLAUSES[(index + number) % len(CLAUSES)]
        paragraphs[number] = re.sub(r"\.(\s|$)", clause + r".\1", paragraph, count=1)
    return HEADER + "\n\n".join(paragraphs) + FOOTER


def test_an_export_of_reports_with_planted_identifiers_holds_none_of_them(
    sqlite_engine, small_source, tmp_path
):
    engine = sqlite_engine
    data = tmp_path / "data"
    shutil.copytree(small_source, data)
    records = [json.loads(line) for line in (data / "reports.jsonl").read_text().splitlines()]
    for index, record in enumerate(records):
        record["text"] = planted(record["text"], index)
    (data / "reports.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))

    ingest_reports(engine, data / "reports.jsonl")
    ingest_series(engine, data / "series")
    extract_database(engine)
    generate_database(engine, config=GenerationConfig(majority_cap=1.0))
    select_images(engine, protocols=["clinical"], budgets=[4], images_dir=tmp_path / "img")
    assign_database_splits(engine, ratios={"train": 0.5, "test": 0.5})
    check_database(engine, protocol="clinical", budget=4)
    with engine.begin() as connection:
        ids = connection.execute(select(QAItem.id).where(QAItem.status == "active")).scalars()
        connection.execute(
            insert(Verification),
            [{"item_id": i, "annotator": "dr-test", "verdict": "accept"} for i in ids],
        )
    outdir = tmp_path / "bench"
    summary = export_database(engine, outdir, protocol="clinical", budget=4)

    exported = [path for path in outdir.rglob("*") if path.is_file()]
    assert any(path.suffix == ".jsonl" for path in exported)
    for path in exported:
        content = path.read_bytes()
        for secret in PLANTED:
            assert secret.encode() not in content, (secret, path.relative_to(outdir))
    assert sum(summary.records.values()) > 0, "something is exported"
    with engine.connect() as connection:
        checks = {name for (name,) in connection.execute(select(Flag.check_name))}
        valves = connection.execute(
            select(Finding.evidence_text).where(Finding.code == "cine.valve_regurgitation")
        ).scalars()
        titled = [text for text in valves if "Mr Pemberton" in text and " MR" not in text]
    assert {"phi", "phi_redacted"} <= checks, "the scan flagged and generation redacted"
    assert titled == [], "'Mr Pemberton' is no mitral regurgitation"


def test_the_last_guard_refuses_a_file_with_phi_and_names_file_and_kind_not_the_text():
    clean = {"README.md": b"# Card\n\nLVEF 55%", "card/a.png": b"\x89PNG Dr Jane Doe"}
    refuse_files_with_phi({**clean, SCHEMA_FILE: '{"$id": "https://qaforge.invalid/x"}'})
    with pytest.raises(QaforgeError) as refused:
        refuse_files_with_phi(
            {**clean, "provenance.jsonl": '{"evidence": ["Seen by Dr Jane Doe"]}'}
        )
    assert refused.value.code == "E704"
    assert "provenance.jsonl" in str(refused.value) and "title_name" in str(refused.value)
    assert "Jane" not in str(refused.value)
