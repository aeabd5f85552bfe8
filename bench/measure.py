"""Timing and statistics: perf_counter_ns samples, medians, spread."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def time_ns(action: Callable[[], Any]) -> int:
    start = time.perf_counter_ns()
    action()
    return time.perf_counter_ns() - start


@dataclass
class Samples:
    """Durations in nanoseconds of one repeated measurement."""

    values: list[int] = field(default_factory=list)

    def add(self, value: int) -> None:
        self.values.append(value)

    @property
    def median(self) -> float:
        return float(statistics.median(self.values)) if self.values else float("nan")

    def quantile(self, q: float) -> float:
        if len(self.values) < 2:
            return self.median
        cuts = statistics.quantiles(self.values, n=20, method="inclusive")  # 5 % steps
        return float(cuts[round(q * 20) - 1])

    def summary(self) -> dict[str, float | int]:
        """Median and the 10th/90th percentiles in milliseconds, with the sample count."""
        return {
            "median_ms": ms(self.median),
            "p10_ms": ms(self.quantile(0.10)),
            "p90_ms": ms(self.quantile(0.90)),
            "samples": len(self.values),
        }


def ms(nanoseconds: float) -> float:
    return round(nanoseconds / 1e6, 4)


def ratio(value: float, floor: float) -> float:
    return round(value / floor, 2) if floor > 0 else float("nan")
