"""Export stage: verified items with no blocking flag (or every item with
``include_unverified``, marked), one JSONL per split, images, provenance apart,
the record schema, a manifest with hashes and a dataset card. Deterministic:
the same data gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from qaforge.charts import bar_chart
from qaforge.checks.leakage import (
    CHECK_NAMES,
    scan_phi,
)
from qaforge.domain.export import SCHEMA_VERSION, ExportRecord, export_record_json_schema
from qaforge.store.annotation import stored_outcomes
from qaforge.store.checks import (
    blocking_item_ids,
    check_rows,
    flag_counts,
    latest_verifications,
    split_sizes,
    verification_counts,
)
from qaforge.store.engine import Engine
from qaforge.store.schema import require_current_schema

ACCEPTED_VERDICTS = {"accept": "verified", "correct": "corrected", "demo_accept": "demo_verified"}


REVIEWED_STATUSES = {"verified": "verified", "corrected": "corrected"}


"""Review outcomes that export; rejected and needs_adjudication items stay out."""


EXPORT_FOLDERS = ("data", "images", "card", "schema")


"""Folders export owns (rewritten each time); other files in OUTDIR are left alone and not in the manifest."""


class ExportSummary(BaseModel):
    """What :func:`export_database` wrote."""

    outdir: str
    records: dict[str, int]
    images: int
    skipped_unverified: int
    skipped_blocked: int
    skipped_no_split: int
    manifest_sha256: str


def export_database(
    engine: Engine,
    outdir: Path,
    *,
    protocol: str = "clinical",
    budget: int = 16,
    include_unverified: bool = False,
) -> ExportSummary:
    """Write the benchmark folder; see the module docstring and docs/export.md.

    Items with a blocking flag are never exported. ``check`` should run
    first; the PHI scan runs again here on every string written, so an item
    flagged since is left out too.
    """
    require_current_schema(engine)
    with engine.connect() as connection:
        rows = check_rows(connection, protocol=protocol, budget=budget)
        blocked = blocking_item_ids(connection)
        verdicts = latest_verifications(connection)
        outcomes = stored_outcomes(connection)
        verification = verification_counts(connection)
        sizes = split_sizes(connection)
        flags = flag_counts(connection)
    outdir.mkdir(parents=True, exist_ok=True)
    for sub in EXPORT_FOLDERS:
        shutil.rmtree(outdir / sub, ignore_errors=True)
    (outdir / "data").mkdir()
    (outdir / "images").mkdir()
    records: dict[str, list[str]] = defaultdict(list)
    provenance: list[str] = []
    copied: set[str] = set()
    skipped = Counter()
    exported: list[dict[str, Any]] = []
    for row in rows:
        verdict = verdicts.get(row["id"])
        status = ACCEPTED_VERDICTS.get(verdict["verdict"]) if verdict else None
        outcome = outcomes.get(row["id"])
        if outcome is not None and outcome["status"] != "pending":
            # Label Studio verdicts (annotate pull) decide over any single verification.
            status = REVIEWED_STATUSES.get(outcome["status"])
            verdict = {"corrected_answer": outcome["answer"]}
        if row["id"] in blocked:
            skipped["blocked"] += 1
            continue
        if status is None and not include_unverified:
            skipped["unverified"] += 1
            continue
        if not row["split"]:
            skipped["no_split"] += 1
            continue
        answer = row["answer"]
        if status == "corrected" and verdict["corrected_answer"] is not None:
            answer = verdict["corrected_answer"]
        images, sources = [], {}
        for image in row["images"]:
            name = f"images/{image['sha256']}.png"
            sources[name] = (Path(image["images_root"]) / image["path"], outdir / name)
            images.append(name)
        record = ExportRecord(
            id=row["id"],
            split=row["split"],
            tier=row["tier"],
            sequence=row["sequence"],
            subtask=row["subtask_id"],
            question=row["question"],
            options=row["options"] or {},
            answer=answer,
            answer_type=row["answer_type"],
            images=images,
            image_provenance=[
                {k: image[k] for k in ("series_id", "z", "t", "protocol", "budget", "rank")}
                for image in row["images"]
            ],
            verification=status or "unverified",
        )
        line = json.dumps(record.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        origin = json.dumps(
            {
                "id": row["id"],
                "study_id_sha256": hashlib.sha256(row["study_id"].encode()).hexdigest(),
                "template": {"id": row["template_id"], "version": row["template_version"]},
                "extraction_run": row["provenance"].get("extraction_run"),
                "catalogue_sha256": row["provenance"].get("catalogue_sha256"),
                "evidence": row["evidence"],
                "report_sha256": sorted(
                    hashlib.sha256(t.encode()).hexdigest() for t in row["report_texts"]
                ),
                "slices": record.model_dump(mode="json")["image_provenance"],
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        if scan_phi(line) or scan_phi(" ".join(row["evidence"])):
            skipped["blocked"] += 1
            continue
        for name in images:
            if name not in copied:
                shutil.copyfile(*sources[name])
                copied.add(name)
        records[row["split"]].append(line)
        provenance.append(origin)
        exported.append(
            {
                "tier": row["tier"],
                "sequence": row["sequence"],
                "subtask": row["subtask_id"],
                "split": row["split"],
                "answer": json.dumps(answer),
            }
        )
    for split, lines in sorted(records.items()):
        (outdir / "data" / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (outdir / "provenance.jsonl").write_text(
        "\n".join(provenance) + ("\n" if provenance else ""), encoding="utf-8"
    )
    (outdir / "schema").mkdir()
    (outdir / "schema" / "export_record.schema.json").write_text(
        json.dumps(export_record_json_schema(), indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    _write_card(outdir, exported, verification, sizes, include_unverified, flags)
    manifest = _manifest(outdir)
    manifest_bytes = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
    (outdir / "manifest.json").write_bytes(manifest_bytes)
    return ExportSummary(
        outdir=str(outdir),
        records={split: len(lines) for split, lines in sorted(records.items())},
        images=len(copied),
        skipped_unverified=skipped["unverified"],
        skipped_blocked=skipped["blocked"],
        skipped_no_split=skipped["no_split"],
        manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
    )


def _write_card(
    outdir: Path, exported, verification, sizes, include_unverified: bool, flags
) -> None:
    (outdir / "card").mkdir()
    charts = {
        "tiers": ("Items per tier", Counter(e["tier"] for e in exported)),
        "sequences": ("Items per sequence", Counter(e["sequence"] for e in exported)),
        "splits": ("Items per split", Counter(e["split"] for e in exported)),
        "subtasks": ("Items per subtask", Counter(e["subtask"] for e in exported)),
        "verification": ("Verification status of active items", Counter(verification)),
    }
    for name, (title, counts) in charts.items():
        ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        (outdir / "card" / f"{name}.png").write_bytes(bar_chart(title, ordered))
    answers: dict[str, Counter] = defaultdict(Counter)
    for e in exported:
        answers[e["subtask"]][e["answer"]] += 1
    lines = [
        "# Dataset card",
        "",
        f"Made by qaforge (export schema {SCHEMA_VERSION}). One JSON record per line in",
        "`data/<split>.jsonl`, images in `images/`, provenance in `provenance.jsonl`,",
        "the record's JSON Schema in `schema/`, every file's SHA-256 in `manifest.json`.",
        "",
        _provenance_line(include_unverified, verification),
        "",
        "## Splits",
        "",
        "| split | patients | studies | active items | exported |",
        "|---|---|---|---|---|",
    ]
    per_split = Counter(e["split"] for e in exported)
    for split, size in sorted(sizes.items()):
        lines.append(
            f"| {split} | {size['patients']} | {size['studies']} | {size['items']} | {per_split.get(split, 0)} |"
        )
    lines += ["", "![splits](card/splits.png)", "", "## Tiers, sequences, subtasks", ""]
    lines += [
        "![tiers](card/tiers.png)",
        "",
        "![sequences](card/sequences.png)",
        "",
        "![subtasks](card/subtasks.png)",
        "",
    ]
    lines += [
        "## Answers per subtask",
        "",
        "| subtask | items | answers (count) |",
        "|---|---|---|",
    ]
    for subtask, counts in sorted(answers.items()):
        shown = ", ".join(
            f"{a} ({n})" for a, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
        )
        lines.append(f"| {subtask} | {sum(counts.values())} | {shown} |")
    lines += ["", "## Verification", "", "![verification](card/verification.png)", ""]
    lines += [f"- {k}: {v}" for k, v in sorted(verification.items())]
    lines += ["", "## Checks (leakage report summary)", ""]
    if flags:
        lines += ["| check | blocking | warning |", "|---|---|---|"]
        for check in CHECK_NAMES:
            counts = flags.get(check, {})
            lines.append(f"| {check} | {counts.get('blocking', 0)} | {counts.get('warning', 0)} |")
        lines += ["", "Blocked items are not in this export. Details: `qaforge check --json`.", ""]
    else:
        lines += ["`qaforge check` was not run before this export.", ""]
    (outdir / "README.md").write_text("\n".join(lines), encoding="utf-8")


def _provenance_line(include_unverified: bool, verification: dict[str, int]) -> str:
    if include_unverified:
        return "**Includes unverified items (pilot export; each record says so).**"
    if verification.get("demo_accept"):
        return (
            "**Demo export: items were auto-accepted by `qaforge demo`, not verified by a "
            "radiologist (records say `demo_verified`).**"
        )
    return "Only radiologist-verified items with no blocking check flag."


def _manifest(outdir: Path) -> dict[str, Any]:
    files = {}
    written = [outdir / "README.md", outdir / "provenance.jsonl"]
    for folder in EXPORT_FOLDERS:
        written.extend((outdir / folder).rglob("*"))
    for path in sorted(written):
        if path.is_file():
            data = path.read_bytes()
            files[path.relative_to(outdir).as_posix()] = {
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
            }
    return {"schema_version": SCHEMA_VERSION, "files": files}
