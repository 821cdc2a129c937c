"""The class at a glance as one HTML file: tables, and matplotlib plots inlined as PNG.

Everything from a submission (messages, reasons, student ids) is untrusted and
escaped; the page loads nothing from elsewhere, so it can be mailed or archived.
"""

from __future__ import annotations

import base64
import io
import statistics
from html import escape

from matplotlib.figure import Figure

from coursetools.grading.glance import Glance

TOP_FAILURES = 5
STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:2em auto;padding:0 1em}"
    "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
    "padding:.25em .5em;text-align:left;vertical-align:top}img{max-width:100%}"
)


def render(glance: Glance) -> str:
    """The whole page."""
    title = f"{glance.assignment}: the class at a glance"
    body = [
        f"<h1>{escape(title)}</h1>",
        _summary(glance),
        _scores(glance),
        _exercises(glance),
        _failures(glance),
        _timings(glance),
        _flags(glance),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _png(figure: Figure, alt: str) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96, metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}">'


def _table(head: list[str], rows: list[list[str]]) -> str:
    """A table of plain text cells (escaped here)."""
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    lines = [f"<tr>{cells}</tr>"]
    lines += ["<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows]
    return "<table>" + "".join(lines) + "</table>"


def _summary(glance: Glance) -> str:
    scores = list(glance.scores.values())
    full = sum(score >= glance.max_score for score in scores)
    return (
        f"<p>{len(scores)} student(s) graded out of {glance.max_score:g} points: "
        f"mean {statistics.fmean(scores):.1f}, median {statistics.median(scores):g}, "
        f"{full} at full marks; {len(glance.flags)} flag(s) below.</p>"
    )


def _scores(glance: Glance) -> str:
    figure = Figure(figsize=(6, 3))
    axes = figure.subplots()
    top = max(glance.max_score, 1.0)
    bins = [top * i / 10 for i in range(11)]
    axes.hist(list(glance.scores.values()), bins=bins, color="#4477aa", edgecolor="white")
    axes.set_xlabel(f"score (of {glance.max_score:g})")
    axes.set_ylabel("students")
    figure.tight_layout()
    rows = [[s, f"{score:g}"] for s, score in sorted(glance.scores.items())]
    return (
        "<h2>Score distribution</h2>"
        + _png(figure, "histogram of the class's scores")
        + "<details><summary>every student's score</summary>"
        + _table(["student", "score"], rows)
        + "</details>"
    )


def _exercises(glance: Glance) -> str:
    if not glance.exercises:
        return "<h2>Pass rate per exercise</h2><p>No autograded test cells.</p>"
    labels = [f"{e.notebook}: {e.grade_id}" for e in glance.exercises]
    figure = Figure(figsize=(6, 0.4 * len(labels) + 1))
    axes = figure.subplots()
    axes.barh(labels, [100 * e.pass_rate for e in glance.exercises], color="#228833")
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("students at full marks (%)")
    figure.tight_layout()
    rows = [
        [label, f"{e.passed} / {e.graded}", f"{100 * e.pass_rate:.0f}%", f"{e.max_score:g}"]
        for label, e in zip(labels, glance.exercises, strict=True)
    ]
    return (
        "<h2>Pass rate per exercise</h2>"
        + _png(figure, "pass rate of each test cell")
        + _table(["test cell", "full marks", "rate", "points"], rows)
    )


def _failures(glance: Glance) -> str:
    parts = ["<h2>Most frequent failure messages</h2>"]
    failing = [e for e in glance.exercises if e.failures]
    if not failing:
        parts.append("<p>No test cell failed.</p>")
    for e in failing:
        rows = [[str(n), message] for message, n in e.failures.most_common(TOP_FAILURES)]
        parts.append(f"<h3>{escape(e.notebook)}: {escape(e.grade_id)}</h3>")
        parts.append(_table(["students", "message (first line)"], rows))
    return "".join(parts)


def _timings(glance: Glance) -> str:
    head = "<h2>Grading time per notebook</h2>"
    if not glance.timings:
        return head + (
            "<p>Not known: pass <code>--run-report FILE</code>, the JSON a class run wrote "
            "with <code>--report FILE</code>.</p>"
        )
    timings = sorted(glance.timings, key=lambda t: (-t.seconds, t.student, t.notebook))
    phases = sorted({phase for t in timings for phase in t.phases})
    means = [statistics.fmean(t.phases.get(p, 0.0) for t in timings) for p in phases]
    figure = Figure(figsize=(9, 0.3 * len(phases) + 2))
    spread, split = figure.subplots(1, 2)
    spread.hist([t.seconds for t in timings], bins=20, color="#aa7744", edgecolor="white")
    spread.set_xlabel("seconds executing one notebook (every run)")
    spread.set_ylabel("notebooks")
    split.barh(phases, means, color="#aa7744")
    split.invert_yaxis()
    split.set_xlabel("mean seconds per notebook, by phase")
    figure.tight_layout()
    rows = [
        [
            t.student,
            t.notebook,
            f"{t.seconds:.2f}",
            *(f"{t.phases.get(p, 0.0):.3f}" for p in phases),
        ]
        for t in timings
    ]
    return (
        head
        + _png(figure, "grading times: their spread, and the mean of each phase")
        + "<details><summary>every notebook, slowest first</summary>"
        + _table(["student", "notebook", "executing (s)", *phases], rows)
        + "</details>"
    )


def _flags(glance: Glance) -> str:
    head = "<h2>Flagged submissions</h2>"
    known = (
        ""
        if glance.timings
        else (
            "<p>Answers the grader did not run are listed only with <code>--run-report</code>.</p>"
        )
    )
    if not glance.flags:
        return head + "<p>Nothing flagged.</p>" + known
    rows = [[f.student, f.notebook, f.grade_id, f.concern.value, f.reason] for f in glance.flags]
    return head + _table(["student", "notebook", "cell", "what", "reason"], rows) + known
