"""Small helpers shared by the benchmarks: timing and a side-by-side table."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Measurement:
    """One timed run: what it was, how many units it processed, how long it took."""

    name: str
    units: int
    seconds: float

    @property
    def rate(self) -> float:
        return self.units / self.seconds if self.seconds > 0 else float("inf")


def timed(name: str, units: int, work: Callable[[], T]) -> tuple[Measurement, T]:
    """Run ``work`` once and measure wall time."""
    start = time.perf_counter()
    result = work()
    return Measurement(name, units, time.perf_counter() - start), result


def print_side_by_side(
    title: str, unit: str, candidate: Measurement, baseline: Measurement
) -> None:
    """Print candidate and baseline rates and their ratio."""
    print(f"\n{title}")
    width = max(len(candidate.name), len(baseline.name))
    for m in (candidate, baseline):
        print(
            f"  {m.name:<{width}}  {m.units:>9,} {unit} in {m.seconds:8.2f} s = {m.rate:>12,.0f} {unit}/s"
        )
    print(f"  ratio {candidate.name} / {baseline.name}: {candidate.rate / baseline.rate:.3f}")
