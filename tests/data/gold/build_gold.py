"""Build reports.jsonl and gold.jsonl from the hand-written gold_source.txt.

    .venv/bin/python tests/data/gold/build_gold.py

gold_source.txt holds one block per report:

    === g001
    <report text, any number of lines>
    ---
    <code> <value> [@levels;walls;segments] [?probable|?possible] | <evidence substring>

Locations are comma lists ("@basal,mid;inferior;4,10"; an empty part is
allowed). The evidence is the first occurrence of the substring in the text.
Every finding is validated against the vocabulary.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))

from qaforge.domain.vocabulary import Finding  # noqa: E402


def parse_finding(line: str, text: str) -> dict:
    spec, _, evidence = line.partition("|")
    evidence = evidence.strip()
    parts = spec.split()
    code, value = parts[0], parts[1]
    levels: list[str] = []
    walls: list[str] = []
    segments: list[int] = []
    certainty = "definite"
    for part in parts[2:]:
        if part.startswith("@"):
            chunks = (part[1:].split(";") + ["", "", ""])[:3]
            levels = [x for x in chunks[0].split(",") if x]
            walls = [x for x in chunks[1].split(",") if x]
            segments = [int(x) for x in chunks[2].split(",") if x]
        elif part.startswith("?"):
            certainty = part[1:]
    start = text.index(evidence) if evidence else 0
    end = start + len(evidence) if evidence else len(text)
    number: str | float = value
    if code in ("cine.lvef", "cine.max_wall_thickness"):
        number = float(value)
    finding = {
        "code": code,
        "value": number,
        "levels": levels,
        "walls": walls,
        "segments": segments,
        "certainty": certainty,
        "evidence": {"start": start, "end": end, "text": text[start:end]},
        "extractor": "gold",
    }
    Finding.model_validate(finding)
    return finding


def main() -> None:
    source = (HERE / "gold_source.txt").read_text(encoding="utf-8")
    reports, golds = [], []
    for block in source.split("=== ")[1:]:
        header, _, rest = block.partition("\n")
        report_id = header.strip()
        text, _, annotations = rest.partition("\n---\n")
        text = text.strip("\n")
        number = report_id[1:]
        reports.append(
            {
                "report_id": report_id,
                "patient_id": f"GP{number}",
                "study_id": f"GS{number}",
                "text": text,
            }
        )
        findings = [
            parse_finding(line, text)
            for line in annotations.splitlines()
            if line.strip() and not line.startswith("#")
        ]
        golds.append({"report_id": report_id, "findings": findings})
    with (HERE / "reports.jsonl").open("w", encoding="utf-8") as handle:
        for record in reports:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    with (HERE / "gold.jsonl").open("w", encoding="utf-8") as handle:
        for record in golds:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(reports)} reports, {sum(len(g['findings']) for g in golds)} findings")


if __name__ == "__main__":
    main()
