"""Execute notebooks headlessly, the way nbval and nbgrader will.

``refresh_outputs`` re-runs each solution notebook in place so that its
committed outputs are the ones nbval later compares against. Kernels run with
a throw-away ``COURSE_WORKSPACE`` so that executing the course never writes
into a learner's workspace.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from coursetools import nbmeta

KERNEL = "python3"
TIMEOUT_S = 600


@contextmanager
def scratch_workspace() -> Iterator[Path]:
    """Point ``COURSE_WORKSPACE`` at a temporary folder for the duration."""
    before = os.environ.get("COURSE_WORKSPACE")
    with tempfile.TemporaryDirectory(prefix="course-workspace-") as tmp:
        os.environ["COURSE_WORKSPACE"] = tmp
        try:
            yield Path(tmp)
        finally:
            if before is None:
                os.environ.pop("COURSE_WORKSPACE", None)
            else:
                os.environ["COURSE_WORKSPACE"] = before


def execute(path: Path, *, allow_errors: bool = False) -> NotebookNode:
    """Run every cell of ``path`` in a fresh kernel and return the executed notebook."""
    nb = nbmeta.read(path)
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=TIMEOUT_S,
        allow_errors=allow_errors,
        record_timing=False,
        store_widget_state=False,  # random widget ids would make outputs differ per run
        resources={"metadata": {"path": str(path.parent)}},
    )
    with scratch_workspace():
        client.execute()
    nb.metadata.pop("widgets", None)  # left by an earlier execution elsewhere
    return nb


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def normalise_outputs(nb: NotebookNode) -> NotebookNode:
    """Make the committed outputs the same from one execution to the next.

    - consecutive outputs of one stream are joined: the kernel may split one
      print in two (nbval compares merged streams too, so no meaning changes);
    - widget views are dropped, keeping their text fallback: each run gives a
      widget a new random model id, and its state is not stored anyway.
    """
    for cell in nb.cells:
        merged: list[NotebookNode] = []
        for output in cell.get("outputs", []):
            output.get("data", {}).pop(WIDGET_VIEW, None)
            previous = merged[-1] if merged else None
            if (
                previous is not None
                and output.output_type == previous.output_type == "stream"
                and output.name == previous.name
            ):
                previous.text += output.text
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged
    return nb


def refresh_outputs(paths: list[Path]) -> dict[Path, float]:
    """Execute each notebook in place; returns the wall time of each, in seconds."""
    timings = {}
    for path in paths:
        began = time.perf_counter()
        nb = normalise_outputs(execute(path))
        nbformat.write(nb, path)
        timings[path] = time.perf_counter() - began
    return timings
