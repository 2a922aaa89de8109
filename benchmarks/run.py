"""Run qaforge's benchmarks; each prints its figures next to a baseline measured in the same run.

.venv/bin/python benchmarks/run.py                  # all benchmarks, default sizes
.venv/bin/python benchmarks/run.py ingest-reports --reports 20000
.venv/bin/python benchmarks/run.py extract --reports 10000 --workers 2
.venv/bin/python benchmarks/run.py generate --generate-reports 50000
.venv/bin/python benchmarks/run.py render --slices 20000
.venv/bin/python benchmarks/run.py llm --llm-reports 2000
.venv/bin/python benchmarks/run.py near-duplicates --questions 1000000
.venv/bin/python benchmarks/run.py labelstudio --tasks 2000
.venv/bin/python benchmarks/run.py negex              # assertion on the NegEx test set
.venv/bin/python benchmarks/run.py confidence         # gold vs extracted items; doubts' precision
.venv/bin/python benchmarks/run.py phi                # PHI scan recall / precision per kind
.venv/bin/python benchmarks/run.py select-memory      # peak RSS of select on a 256 MiB volume
.venv/bin/python benchmarks/run.py scale --studies 24 --workers 2  # whole build vs the I/O floor
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _benchmark(name: str):
    """Import one benchmark module when it runs.

    Not at the top: the process pools of the benchmarks spawn their workers,
    and a spawned worker runs this file again as ``__mp_main__``; importing
    every benchmark (spaCy, presidio, ...) there cost each worker about 3 s,
    on the clock of the stage it serves.
    """
    return importlib.import_module(f"benchmarks.{name}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "benchmark",
        nargs="?",
        default="all",
        choices=[
            "all",
            "ingest-reports",
            "extract",
            "generate",
            "render",
            "llm",
            "near-duplicates",
            "labelstudio",
            "negex",
            "confidence",
            "phi",
            "select-memory",
            "scale",
        ],
    )
    parser.add_argument("--reports", type=int, default=100_000, help="reports for ingest-reports")
    parser.add_argument(
        "--extract-reports",
        dest="extract_reports",
        type=int,
        default=10_000,
        help="reports for extract",
    )
    parser.add_argument(
        "--generate-reports", type=int, default=50_000, help="reports' findings for generate"
    )
    parser.add_argument(
        "--generate-db-reports",
        type=int,
        default=5_000,
        help="reports for the database part of generate",
    )
    parser.add_argument("--slices", type=int, default=20_000, help="slices for render")
    parser.add_argument(
        "--studies",
        type=int,
        default=None,
        help="realistic-size studies for render's select part (6) and for scale (24)",
    )
    parser.add_argument("--llm-reports", type=int, default=2000, help="reports for llm")
    parser.add_argument("--tasks", type=int, default=2000, help="tasks for labelstudio")
    parser.add_argument("--questions", type=int, default=1_000_000, help="for near-duplicates")
    parser.add_argument(
        "--negex-file",
        type=Path,
        default=None,
        help="the NegEx test set (default ../shared/negex/Annotations-1-120.txt)",
    )
    parser.add_argument("--phi-reports", type=int, default=60, help="planted reports for phi")
    parser.add_argument(
        "--workers", type=int, default=None, help="worker processes for extract, render and scale"
    )
    parser.add_argument(
        "--executor",
        choices=["process", "dask"],
        default="process",
        help="for scale: also rebuild from generate on with select on a local Dask cluster "
        "(--workers workers) and compare the two exports' manifest hashes",
    )
    parser.add_argument(
        "--select-source",
        type=Path,
        default=None,
        help="for select-memory: run the child's qaforge from this checkout (a baseline)",
    )
    args = parser.parse_args()
    if args.benchmark in ("all", "ingest-reports"):
        _benchmark("ingest_reports").run(reports=args.reports)
    if args.benchmark in ("all", "extract"):
        _benchmark("extract_reports").run(reports=args.extract_reports, workers=args.workers)
    if args.benchmark in ("all", "generate"):
        _benchmark("generate_items").run(
            reports=args.generate_reports, database_reports=args.generate_db_reports
        )
    if args.benchmark in ("all", "render"):
        _benchmark("render_slices").run(slices=args.slices, workers=args.workers)
        _benchmark("select_realistic").run(studies=args.studies or 6)
    if args.benchmark in ("all", "llm"):
        _benchmark("llm_throughput").run(reports=args.llm_reports)
    if args.benchmark in ("all", "near-duplicates"):
        _benchmark("near_duplicates").run(questions=args.questions)
    if args.benchmark in ("all", "labelstudio"):
        _benchmark("labelstudio_sync").run(tasks=args.tasks)
    if args.benchmark in ("all", "negex"):
        _benchmark("negex_assertion").run(path=args.negex_file)
    if args.benchmark in ("all", "confidence"):
        _benchmark("gold_items").run()
    if args.benchmark in ("all", "phi"):
        _benchmark("phi_scan").run(reports=args.phi_reports)
    if args.benchmark in ("all", "select-memory"):
        _benchmark("select_memory").run(source=args.select_source)
    if args.benchmark == "scale":  # minutes: not part of "all"
        _benchmark("scale_build").run(
            studies=args.studies or 24, workers=args.workers, executor=args.executor
        )


if __name__ == "__main__":
    main()
