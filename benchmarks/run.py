"""Run qaforge's benchmarks; each prints its figures next to a baseline measured in the same run.

.venv/bin/python benchmarks/run.py                  # all benchmarks, default sizes
.venv/bin/python benchmarks/run.py ingest-reports --reports 20000
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import ingest_reports  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("benchmark", nargs="?", default="all", choices=["all", "ingest-reports"])
    parser.add_argument("--reports", type=int, default=100_000, help="reports for ingest-reports")
    args = parser.parse_args()
    if args.benchmark in ("all", "ingest-reports"):
        ingest_reports.run(reports=args.reports)


if __name__ == "__main__":
    main()
