"""Self-check progress: which exercises of which notebooks pass their visible checks.

Results are recorded by the test-cell hook of :mod:`helpers.notebook` each time
a learner runs a graded test cell, and kept in ``progress.json`` in the
workspace. No nbgrader database is involved, so this works on Binder and on a
laptop alike. :func:`overview` renders the table, with a refresh button when
ipywidgets is available. It counts exercises whose visible checks pass, never
points: only the grader, hidden tests included, awards points.
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from helpers.catalogue import Catalogue, NotebookEntry, load_catalogue
from helpers.files import write_atomic
from helpers.workspace import workspace_dir


class Status(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not run"


_Results = TypeAdapter(dict[str, dict[str, Status]])
_SYMBOL = {Status.PASSED: "✓", Status.FAILED: "✗", Status.NOT_RUN: "·"}
_COLOUR = {Status.PASSED: "#1a7f37", Status.FAILED: "#cf222e", Status.NOT_RUN: "#6e7781"}


class ProgressStore:
    """``progress.json``: the latest result of each exercise, by notebook and grade id."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or workspace_dir() / "progress.json"

    def save(self, results: dict[str, dict[str, Status]]) -> None:
        write_atomic(self.path, json.dumps(results, indent=1, sort_keys=True) + "\n")

    def load(self) -> dict[str, dict[str, Status]]:
        if not self.path.exists():
            return {}
        try:
            return _Results.validate_json(self.path.read_bytes())
        except ValidationError:
            aside = self.path.with_suffix(".damaged.json")
            self.path.replace(aside)
            print(f"Your progress file was damaged; it was moved to {aside} and restarted.")
            return {}

    def record(self, notebook_id: str, grade_id: str, passed: bool) -> None:
        results = self.load()
        results.setdefault(notebook_id, {})[grade_id] = Status.PASSED if passed else Status.FAILED
        self.save(results)

    def reset(self, notebook_id: str | None = None) -> None:
        """Forget the results of one notebook, or of all."""
        results = self.load() if notebook_id else {}
        results.pop(notebook_id or "", None)
        self.save(results)


def table(
    store: ProgressStore | None = None, catalogue: Catalogue | None = None
) -> list[tuple[str, str, float, Status]]:
    """Rows of (notebook, exercise title, points, status) in course order."""
    results = (store or ProgressStore()).load()
    rows = []
    for entry in (catalogue or load_catalogue()).notebooks:
        for exercise in entry.exercises:
            status = results.get(entry.id, {}).get(exercise.grade_id, Status.NOT_RUN)
            rows.append((entry.id, exercise.title, exercise.points, status))
    return rows


LABEL = {
    Status.PASSED: "visible checks passed",
    Status.FAILED: "visible checks failed",
    Status.NOT_RUN: "not run",
}
HIDDEN_NOTE = (
    "Visible checks are the ones you can see; the grader also runs hidden tests "
    "(other inputs, boundaries, failure paths), so a graded result can be lower."
)


def _by_notebook(
    store: ProgressStore | None, catalogue: Catalogue | None
) -> Iterator[tuple[NotebookEntry, list[tuple[str, str, float, Status]], int]]:
    """Each notebook with its rows and how many of its exercises pass their visible checks."""
    catalogue = catalogue or load_catalogue()
    rows = table(store, catalogue)
    for entry in catalogue.notebooks:
        mine = [row for row in rows if row[0] == entry.id]
        yield entry, mine, sum(status is Status.PASSED for *_, status in mine)


def summary_text(store: ProgressStore | None = None, catalogue: Catalogue | None = None) -> str:
    """A plain-text overview, one line per notebook, and what the counts do not promise."""
    lines = []
    for entry, rows, passed in _by_notebook(store, catalogue):
        marks = "".join(_SYMBOL[status] for *_, status in rows) or "(no graded exercises)"
        lines.append(f"{entry.id:<20} {passed}/{len(rows)} visible checks passed  {marks}")
    return "\n".join([*lines, HIDDEN_NOTE])


def render_html(store: ProgressStore | None = None, catalogue: Catalogue | None = None) -> str:
    """The overview as an HTML table (works in JupyterLab and in exported HTML)."""
    body, total, passed_total = [], 0, 0
    for entry, rows, passed in _by_notebook(store, catalogue):
        total += len(rows)
        passed_total += passed
        body.append(
            f"<tr><th colspan='3' style='text-align:left'>{html.escape(entry.title)}"
            f" <span style='font-weight:normal'>({passed} of {len(rows)} exercises: "
            "visible checks passed)</span></th></tr>"
        )
        for _, title, points, status in rows:
            body.append(
                f"<tr><td style='color:{_COLOUR[status]}'>{_SYMBOL[status]} {LABEL[status]}</td>"
                f"<td style='text-align:left'>{html.escape(title)}</td>"
                f"<td>worth {points:g}</td></tr>"
            )
    return (
        "<table class='course-progress'>"
        f"<caption>Visible checks passed: {passed_total} of {total} exercises. "
        f"{html.escape(HIDDEN_NOTE)}</caption>" + "".join(body) + "</table>"
    )


def overview(store: ProgressStore | None = None, catalogue: Catalogue | None = None) -> object:
    """A live overview: an ipywidgets panel with a refresh button, else HTML."""
    from IPython.display import HTML

    try:
        import ipywidgets as widgets
    except ImportError:
        return HTML(render_html(store, catalogue))
    panel = widgets.HTML(render_html(store, catalogue))
    button = widgets.Button(description="Refresh", icon="refresh")

    def refresh(_: object) -> None:
        panel.value = render_html(store, catalogue)

    button.on_click(refresh)
    return widgets.VBox([button, panel])
