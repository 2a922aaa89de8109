"""Export for evaluation harnesses: VLMEvalKit TSVs and an lmms-eval task folder.

The items are the benchmark's (:func:`~qaforge.pipeline.export.plan_database_export`:
verified, no blocking flag, PHI scanned again per record); this module
shapes them with :mod:`qaforge.export.vlmevalkit` / :mod:`qaforge.export.lmms_eval`
and writes the files (pandas for the TSV and the Parquet). See docs/formats.md.
"""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel

from qaforge.domain.export import ExportRecord
from qaforge.evaluate import metrics, parsing, prompts
from qaforge.export import lmms_eval, vlmevalkit
from qaforge.export.records import ExportPlan
from qaforge.libs.folder_swap import replace_folder
from qaforge.pipeline import lmms_eval_utils
from qaforge.pipeline.export import export_counts, plan_database_export, refuse_empty_plan
from qaforge.store.engine import Engine
from qaforge.store.exports import record_export

HarnessFormat = Literal["vlmevalkit", "lmms-eval"]

VLMEVALKIT_PREFIX = "QAForge"
FIRST_COLUMNS = ["index", "id", "question", "hint"]
LAST_COLUMNS = ["answer", "category", "l2-category", "sequence", "split", "image", "image_path"]


class FormatSummary(BaseModel):
    """What :func:`export_harness_format` wrote.

    Attributes:
        outdir: The folder written.
        format: The harness format.
        files: Path in the folder -> rows written (0 for a YAML or Python file).
        records: Records exported.
        skipped: Items left out, by reason (as the benchmark export counts them).
    """

    outdir: str
    format: HarnessFormat
    files: dict[str, int]
    records: int
    skipped: dict[str, int]


def export_harness_format(
    engine: Engine,
    outdir: Path,
    harness: HarnessFormat,
    *,
    protocol: str = "clinical",
    budget: int = 16,
    include_unverified: bool = False,
) -> FormatSummary:
    """Write the benchmark's items in a harness's format into ``outdir``.

    Args:
        engine: The store.
        outdir: The folder; replaced whole once complete, the files named in the
            summary new, the other files in it carried over.
        harness: ``vlmevalkit`` (one TSV per split and item kind) or ``lmms-eval``
            (task YAMLs, ``utils.py`` and the data as Parquet).
        protocol: The image selection protocol whose slices the items show.
        budget: The selection's budget.
        include_unverified: Also export items without an accepted verification.

    Returns:
        The files written with their row counts, and what was left out.
    """
    plan, _ = plan_database_export(
        engine, protocol=protocol, budget=budget, include_unverified=include_unverified
    )
    refuse_empty_plan(plan, outdir)
    records = plan_records(plan)
    image_bytes = _image_reader(plan)

    def write(folder: Path) -> tuple[dict[str, int], str]:
        if harness == "vlmevalkit":
            written = write_vlmevalkit(folder, records, image_bytes)
        else:
            written = write_lmms_eval(folder, records, image_bytes, final=outdir)
        return written, files_sha256(folder, written)

    # Written beside outdir and swapped in whole; the files it does not write are carried over.
    files, digest = replace_folder(outdir, write, owned=())
    with engine.begin() as connection:
        record_export(
            connection,
            outdir=str(outdir),
            export_format=harness,
            n_items=len(records),
            counts=export_counts(plan),
            manifest_sha256=digest,
        )
    return FormatSummary(
        outdir=str(outdir),
        format=harness,
        files=files,
        records=len(records),
        skipped=dict(sorted(plan.skipped.items())),
    )


def files_sha256(folder: Path, names: Iterable[str]) -> str:
    """One hash of the files written: SHA-256 of ``<sha256>  <name>`` lines, names sorted."""
    lines = [
        f"{hashlib.sha256((folder / name).read_bytes()).hexdigest()}  {name}\n"
        for name in sorted(names)
    ]
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def plan_records(plan: ExportPlan) -> list[ExportRecord]:
    """The plan's records, in id order across splits."""
    records = [
        ExportRecord.model_validate_json(line) for lines in plan.records.values() for line in lines
    ]
    return sorted(records, key=lambda record: record.id)


def _image_reader(plan: ExportPlan) -> Callable[[str], bytes]:
    def image_bytes(name: str) -> bytes:
        return plan.images[name].read_bytes()

    return image_bytes


def write_vlmevalkit(
    outdir: Path, records: Sequence[ExportRecord], image_bytes: Callable[[str], bytes]
) -> dict[str, int]:
    """Write ``<dataset>.tsv`` per VLMEvalKit table; returns file name -> rows."""
    files = {}
    tables = vlmevalkit.vlmevalkit_tables(records, image_bytes, prefix=VLMEVALKIT_PREFIX)
    for name, rows in tables.items():
        frame = pd.DataFrame(rows)
        options = sorted(c for c in frame.columns if len(c) == 1 and c.isupper())
        order = [c for c in FIRST_COLUMNS + options + LAST_COLUMNS if c in frame.columns]
        frame[order].to_csv(outdir / f"{name}.tsv", sep="\t", index=False)
        files[f"{name}.tsv"] = len(rows)
    return files


def write_lmms_eval(
    outdir: Path,
    records: Sequence[ExportRecord],
    image_bytes: Callable[[str], bytes],
    *,
    final: Path | None = None,
) -> dict[str, int]:
    """Write the lmms-eval task folder; returns path in the folder -> rows (0 for code and YAML).

    ``final`` is where the folder will live (the YAMLs name their data files
    there); ``outdir`` by default.
    """
    (outdir / "data").mkdir(exist_ok=True)
    files = {}
    for split, rows in lmms_eval.lmms_eval_rows(records, image_bytes).items():
        data_file = outdir / "data" / f"{split}.parquet"
        pd.DataFrame(rows).to_parquet(data_file, index=False)
        files[f"data/{split}.parquet"] = len(rows)
        yaml_name = f"{lmms_eval.task_name(split)}.yaml"
        # Absolute: lmms-eval resolves data_files against the folder it runs in.
        final_data = (final or outdir).resolve() / "data" / data_file.name
        text = lmms_eval.task_yaml(split, str(final_data))
        (outdir / yaml_name).write_text(text, encoding="utf-8")
        files[yaml_name] = 0
    (outdir / lmms_eval.UTILS_FILE).write_text(inspect.getsource(lmms_eval_utils), "utf-8")
    (outdir / lmms_eval.SCORING_COPY_FILE).write_text(scoring_copy_source(), "utf-8")
    files[lmms_eval.UTILS_FILE] = files[lmms_eval.SCORING_COPY_FILE] = 0
    return files


def scoring_copy_source() -> str:
    """``qaforge_scoring.py``: qaforge's answer parsing, token F1 and question format, verbatim.

    Generated from the installed modules, so the copy and qaforge never differ.
    """
    parts = [
        '"""A copy of qaforge\'s scoring functions for the lmms-eval task (generated by qaforge export)."""\n',
        inspect.getsource(parsing).split('"""', 2)[2],
        "\nfrom collections import Counter  # noqa: E402\n\n",
        inspect.getsource(metrics.token_f1),
        "\n\n" + inspect.getsource(metrics._f1),
        "\n\n" + inspect.getsource(prompts.format_question),
    ]
    return "".join(parts)
