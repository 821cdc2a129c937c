"""The notebook's figures: every axis is relative to a baseline measured in the same run.

Each function draws one figure, closes it (so that pyplot does not show it a second
time) and returns it: a cell that ends with the figure shows it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.figure import Figure


def latency_distributions(latencies: Mapping[str, Sequence[float]], *, baseline: str) -> Figure:
    """One histogram per run, latencies in multiples of ``baseline``'s median."""
    ordered = sorted(latencies[baseline])
    unit = ordered[len(ordered) // 2]
    figure, axes = plt.subplots(figsize=(7, 3.2))
    for name, values in latencies.items():
        axes.hist([v / unit for v in values], bins=60, alpha=0.6, label=name)
    axes.set_xlabel(f"latency, in multiples of the {baseline} median")
    axes.set_ylabel("requests")
    axes.legend()
    figure.tight_layout()
    plt.close(figure)
    return figure


def relative_bars(values: Mapping[str, float], *, baseline: str, what: str) -> Figure:
    """Bars of ``values`` as multiples of ``values[baseline]``."""
    names = list(values)
    figure, axes = plt.subplots(figsize=(6, 3))
    bars = axes.bar(names, [values[n] / values[baseline] for n in names], color="tab:blue")
    axes.bar_label(bars, fmt="%.2fx")
    axes.set_ylabel(f"{what}, x {baseline}")
    figure.tight_layout()
    plt.close(figure)
    return figure


def cost_by_depth(depths: Sequence[int], costs: Mapping[str, Sequence[float]]) -> Figure:
    """Cost of one page against its depth, one line per way of paging, relative to page 1."""
    figure, axes = plt.subplots(figsize=(6, 3.2))
    for name, values in costs.items():
        axes.plot(depths, [v / values[0] for v in values], marker="o", label=name)
    axes.set_xlabel("rows before the page")
    axes.set_ylabel("work, x the first page")
    axes.legend()
    figure.tight_layout()
    plt.close(figure)
    return figure
