"""Check stage: runs every check of :mod:`qaforge.checks.leakage`, replaces the
stored flags, returns (and writes) the leakage report.
"""

from __future__ import annotations

from pathlib import Path

from qaforge.checks.check_items import check_item
from qaforge.checks.leakage import CHECK_NAMES, run_all
from qaforge.checks.report import CheckReport, flag_rows, leakage_report
from qaforge.errors import QaforgeError
from qaforge.pipeline.selections import require_selection
from qaforge.store.checks import replace_flags
from qaforge.store.engine import Engine
from qaforge.store.item_views import item_views
from qaforge.store.schema import require_current_schema

__all__ = ["CheckReport", "check_database"]


def check_database(
    engine: Engine,
    *,
    references: list[Path] | None = None,
    protocol: str = "clinical",
    budget: int = 16,
    json_path: Path | None = None,
) -> CheckReport:
    """Run every check over the active items and replace the stored flags.

    Args:
        engine: The store.
        references: Text files of reference corpora for the contamination check.
        protocol: Which image selection the near-duplicate check compares.
        budget: Its budget.
        json_path: Also write the report here.

    Returns:
        The report; flags are in the ``flags`` table.

    Raises:
        InputFileError: E703 for a reference corpus that cannot be read.
        ConfigError: E706 when no selection ``protocol``/``budget`` is stored.
    """
    require_current_schema(engine)
    corpora = _read_corpora(references or [])
    with engine.connect() as connection:
        require_selection(connection, protocol=protocol, budget=budget)
        views = item_views(connection, protocol=protocol, budget=budget)
    items = [check_item(view) for view in views]
    flags = run_all(items, corpora)
    with engine.begin() as connection:
        replace_flags(connection, check_names=CHECK_NAMES, flags=flag_rows(flags))
    report = leakage_report(len(items), flags)
    if json_path is not None:
        json_path.parent.mkdir(parents=True, exist_ok=True)
        json_path.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return report


def _read_corpora(paths: list[Path]) -> dict[str, str]:
    """File name -> text of each reference corpus."""
    corpora = {}
    for path in paths:
        try:
            corpora[path.name] = path.read_text(encoding="utf-8", errors="replace")
        except OSError as error:
            raise QaforgeError.of("E703", path=path, problem=error.strerror) from None
    return corpora
