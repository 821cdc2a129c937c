"""Driving JupyterLab in Chromium the way a learner does, and reading what they see.

The server runs with ``expose_app_in_browser``, so the page has
``window.jupyterapp``: waits are conditions on JupyterLab's own state (the
notebook's kernel has answered, a run has finished) instead of fixed sleeps,
and what is asserted is read back from the rendered page.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Locator, Page

from coursetools.labserver import LabServer
from coursetools.layout import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_MS = 90_000
RUN_TIMEOUT_S = 300.0

# Shared by every script below: the notebook panel open at a path.
_PANEL = """
const panelAt = (path) => {
  const app = window.jupyterapp;
  if (!app) return null;
  for (const w of app.shell.widgets('main')) {
    if (w.context && w.context.path === path && w.content && w.sessionContext) return w;
  }
  return null;
};
"""


def _script(body: str) -> str:
    return f"async (args) => {{ {_PANEL} {body} }}"


@dataclass
class Cell:
    """A cell as the notebook model holds it after a run."""

    index: int
    cell_type: str
    source: str
    execution_count: int | None
    outputs: list[dict[str, Any]]
    nbgrader: dict[str, Any]

    @property
    def grade_id(self) -> str | None:
        return self.nbgrader.get("grade_id")

    @property
    def is_exercise(self) -> bool:
        """A solution cell or a graded test cell: where a learner's own code can fail."""
        return bool(self.nbgrader.get("solution") or self.nbgrader.get("grade"))

    def errors(self) -> list[str]:
        return [o.get("ename", "?") for o in self.outputs if o["output_type"] == "error"]

    def stderr(self) -> list[str]:
        return [
            _text(o) for o in self.outputs if o["output_type"] == "stream" and o["name"] == "stderr"
        ]

    def text(self) -> str:
        """Every output of the cell as plain text (streams, tracebacks, text/plain)."""
        parts = []
        for output in self.outputs:
            if output["output_type"] == "stream":
                parts.append(_text(output))
            elif output["output_type"] == "error":
                parts.append("\n".join(output.get("traceback", [])))
            else:
                parts.append(_text(output.get("data", {}).get("text/plain", "")))
        return "\n".join(parts)


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("text", "")
    return "".join(value) if isinstance(value, list) else str(value)


class Notebook:
    """One notebook open in JupyterLab in a page."""

    def __init__(self, page: Page, server: LabServer, path: str) -> None:
        self.page = page
        self.server = server
        self.path = path

    def call(self, body: str, **args: Any) -> Any:
        return self.page.evaluate(_script(body), {"path": self.path, **args})

    def wait_for_kernel(self, timeout: float = RUN_TIMEOUT_S) -> None:
        """Wait until the notebook's kernel has answered a request over the page's connection.

        A status of "idle" can show before the page's websocket is connected, and
        cells sent then may be dropped; a kernel_info reply proves the channel works.
        """
        self.page.wait_for_function(
            f"(path) => {{ {_PANEL} const p = panelAt(path); "
            "return !!(p && p.context.isReady && p.sessionContext.session?.kernel); }",
            arg=self.path,
            timeout=timeout * 1000,
        )
        deadline = time.monotonic() + timeout
        answer = None
        while time.monotonic() < deadline:
            answer = self.call(
                """
                const p = panelAt(args.path);
                await p.sessionContext.ready;
                const kernel = p.sessionContext.session?.kernel;
                if (!kernel || kernel.connectionStatus !== 'connected') return 'not connected';
                const reply = await Promise.race([
                  kernel.requestKernelInfo(),
                  new Promise((resolve) => setTimeout(() => resolve(null), 10000)),
                ]);
                if (!reply) return 'no kernel_info reply';
                return kernel.status;
                """
            )
            if answer == "idle" and self.server.kernel_state(self.path) == "idle":
                return
            self.page.wait_for_timeout(250)
        raise AssertionError(f"the kernel of {self.path} never answered: {answer}")

    def run_all(self, timeout: float = RUN_TIMEOUT_S) -> list[Cell]:
        """Run > Run All Cells; returns once every cell sent has finished (or was aborted)."""
        self._run("notebook:run-all-cells", [None], timeout)
        return self.cells()

    def run_cells(self, indices: list[int], timeout: float = RUN_TIMEOUT_S) -> list[Cell]:
        """Run the given cells one after another, each once the one before has finished,
        as Ctrl+Enter on each would."""
        self._run("notebook:run-cell", indices, timeout)
        return self.cells()

    def _run(self, command: str, indices: Sequence[int | None], timeout: float) -> None:
        outcome = self.call(
            """
            const app = window.jupyterapp;
            const p = panelAt(args.path);
            app.shell.activateById(p.id);
            const run = async () => {
              for (const index of args.indices) {
                if (index !== null) {
                  p.content.activeCellIndex = index;
                  p.content.deselectAll();
                }
                await app.commands.execute(args.command);
              }
              return 'done';
            };
            const timer = new Promise((resolve) => setTimeout(() => resolve('timeout'), args.ms));
            return await Promise.race([run(), timer]);
            """,
            command=command,
            indices=indices,
            ms=int(timeout * 1000),
        )
        assert outcome == "done", f"{command} on {self.path} did not finish in {timeout:.0f} s"
        self.page.wait_for_function(
            f"(path) => {{ {_PANEL} const p = panelAt(path); "
            "return p.sessionContext.session?.kernel?.status === 'idle'; }",
            arg=self.path,
            timeout=timeout * 1000,
        )

    def cells(self) -> list[Cell]:
        raw = self.call(
            """
            const p = panelAt(args.path);
            const cells = [];
            for (let i = 0; i < p.content.model.cells.length; i++) {
              const cell = p.content.model.cells.get(i);
              cells.push({
                index: i,
                cell_type: cell.type,
                source: cell.sharedModel.getSource(),
                execution_count: cell.type === 'code' ? cell.executionCount : null,
                outputs: cell.type === 'code' ? cell.outputs.toJSON() : [],
                nbgrader: cell.sharedModel.getMetadata('nbgrader') || {},
              });
            }
            return cells;
            """
        )
        return [Cell(**cell) for cell in raw]

    def set_source(self, index: int, source: str) -> None:
        """Replace a cell's code, as typing it would (the model is what the kernel gets)."""
        self.call(
            "panelAt(args.path).content.model.cells.get(args.index).sharedModel"
            ".setSource(args.source);",
            index=index,
            source=source,
        )

    def show(self, index: int) -> Locator:
        """Scroll a cell into view and return its rendered node."""
        self.call(
            """
            const p = panelAt(args.path);
            p.content.activeCellIndex = args.index;
            await p.content.scrollToItem(args.index, 'start');
            p.content.widgets[args.index].node.setAttribute('data-e2e-cell', String(args.index));
            """,
            index=index,
        )
        cell = self.page.locator(f".jp-NotebookPanel [data-e2e-cell='{index}']")
        cell.scroll_into_view_if_needed()
        return cell

    def show_output(self, index: int) -> Locator:
        """Scroll a cell's output to the middle of the view; returns the output."""
        output = self.show(index).locator(".jp-OutputArea").first
        output.evaluate("(node) => node.scrollIntoView({block: 'center'})")
        return output

    def toolbar(self) -> Locator:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar")


def open_notebook(page: Page, server: LabServer, path: str) -> Notebook:
    """Open ``path`` in a fresh JupyterLab layout and wait until its kernel answers."""
    page.goto(server.lab_url(path))
    page.wait_for_function("() => !!window.jupyterapp", timeout=TIMEOUT_MS)
    page.evaluate("async () => { await window.jupyterapp.restored; }")
    notebook = Notebook(page, server, path)
    notebook.wait_for_kernel()
    return notebook


def screenshot(page: Page, name: str) -> Path:
    """Save what the page shows as ``test-artifacts/browser/<name>.png``."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=path)
    return path
