"""Build the gold sets' JSONL files from their hand-written source files.

    .venv/bin/python tests/data/gold/build_gold.py

gold_source.txt gives reports.jsonl and gold.jsonl; real_style_source.txt
(reports in the style of case reports, figure legends and teaching files)
gives real_style_reports.jsonl and real_style_gold.jsonl, with a "split"
("dev" or "heldout") on every line of both.

gold_source.txt holds one block per report:

    === g001
    <report text, any number of lines>
    ---
    <code> <value> [@levels;walls;segments] [?probable|?possible] | <evidence substring>

Locations are comma lists ("@basal,mid;inferior;4,10"; an empty part is
allowed). The evidence is the first occurrence of the substring in the text.
Every finding is validated against the vocabulary.

In real_style_source.txt the line right after "=== rNNN" is the split,
"# split: dev" or "# split: heldout"; report ids must be unique.
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


SPLITS = ("dev", "heldout")


def read_blocks(source: str, with_split: bool) -> list[tuple[str, str | None, str, str]]:
    """Split a source file into (report id, split, text, annotation lines) blocks."""
    blocks = []
    for block in source.split("=== ")[1:]:
        header, _, rest = block.partition("\n")
        report_id = header.strip()
        split = None
        if with_split:
            split_line, _, rest = rest.partition("\n")
            split = split_line.removeprefix("# split:").strip()
            if not split_line.startswith("# split:") or split not in SPLITS:
                raise SystemExit(f"{report_id}: no '# split: dev|heldout' line")
        text, _, annotations = rest.partition("\n---\n")
        blocks.append((report_id, split, text.strip("\n"), annotations))
    ids = [b[0] for b in blocks]
    if len(ids) != len(set(ids)):
        raise SystemExit(f"repeated report ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return blocks


def records(source_name: str, prefix: str = "G") -> tuple[list[dict], list[dict]]:
    """The report records and gold records of one source file, validated."""
    with_split = source_name.startswith("real_style")
    source = (HERE / source_name).read_text(encoding="utf-8")
    reports, golds = [], []
    for report_id, split, text, finding_lines in read_blocks(source, with_split):
        number = report_id[1:]
        report = {
            "report_id": report_id,
            "patient_id": f"{prefix}P{number}",
            "study_id": f"{prefix}S{number}",
            "text": text,
        }
        try:
            findings = [
                parse_finding(line, text)
                for line in finding_lines.splitlines()
                if line.strip() and not line.startswith("#")
            ]
        except ValueError as error:
            raise SystemExit(f"{report_id}: {error}") from None
        gold = {"report_id": report_id, "findings": findings}
        if split is not None:
            report["split"] = gold["split"] = split
        reports.append(report)
        golds.append(gold)
    return reports, golds


def to_jsonl(items: list[dict]) -> str:
    """One JSON object a line, as the JSONL files hold them."""
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)


def build(source_name: str, reports_name: str, gold_name: str, prefix: str = "G") -> None:
    """Write one gold set's reports and gold JSONL files from its source file."""
    reports, golds = records(source_name, prefix)
    (HERE / reports_name).write_text(to_jsonl(reports), encoding="utf-8")
    (HERE / gold_name).write_text(to_jsonl(golds), encoding="utf-8")
    print(
        f"{source_name}: {len(reports)} reports, {sum(len(g['findings']) for g in golds)} findings"
    )


def main() -> None:
    build("gold_source.txt", "reports.jsonl", "gold.jsonl")
    if (HERE / "real_style_source.txt").exists():
        build(
            "real_style_source.txt",
            "real_style_reports.jsonl",
            "real_style_gold.jsonl",
            prefix="R",
        )


if __name__ == "__main__":
    main()
