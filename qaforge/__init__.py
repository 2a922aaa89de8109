"""qaforge: verified, leakage-checked VQA benchmarks from cardiac MRI reports and series.

``qaforge.load_benchmark(path, split=None)`` and ``qaforge.load_items(db_url)``
give DataFrames (:mod:`qaforge.pipeline.frames`); pandas and the store load only
when one of them is first used, so ``import qaforge`` (and the CLI) stay fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["__version__", "load_benchmark", "load_items"]

if TYPE_CHECKING:
    from qaforge.pipeline.frames import load_benchmark, load_items


def __getattr__(name: str) -> Any:
    """The DataFrame loaders, imported on first use (PEP 562)."""
    if name in ("load_benchmark", "load_items"):
        from qaforge.pipeline import frames

        return getattr(frames, name)
    raise AttributeError(f"module 'qaforge' has no attribute {name!r}")
