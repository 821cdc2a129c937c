"""Latency percentiles and throughput: the numbers a load test reports."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest value with ``fraction`` of all at or below it."""
    if not values:
        raise ValueError("no values to take a percentile of")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass(frozen=True)
class Summary:
    """What a run of requests measured: how many, how fast, and the latency percentiles (s)."""

    requests: int
    seconds: float
    p50: float
    p90: float
    p99: float

    @property
    def throughput(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    def relative_to(self, baseline: Summary) -> str:
        """This run's throughput and p99 as multiples of ``baseline``'s, in words."""
        return (
            f"{self.throughput / baseline.throughput:.2f}x the throughput, "
            f"{self.p99 / baseline.p99:.2f}x the p99 latency"
        )


def summarise(latencies: Sequence[float], seconds: float) -> Summary:
    """A :class:`Summary` of ``latencies`` (seconds each) measured over ``seconds``."""
    return Summary(
        requests=len(latencies),
        seconds=seconds,
        p50=percentile(latencies, 0.50),
        p90=percentile(latencies, 0.90),
        p99=percentile(latencies, 0.99),
    )
