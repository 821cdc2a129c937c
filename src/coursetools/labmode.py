"""JupyterLab as the course needs it, set once per Python environment: ``course lab-mode``.

Written at the environment's own level (``sys.prefix``), the way ``jupyter
labextension disable --level=sys_prefix`` and ``jupyter server extension
disable --sys-prefix`` write it, so one command serves a venv, a conda
environment and Binder alike, and a user's own settings still win:

- quiet: no "official Jupyter news?" toast and no update check, as a settings
  override shipped with the course (``overrides.d``);
- the learner's nbgrader: Validate and the assignment list on, the
  instructor's tools (formgrader, create assignment, course list) off;
  ``instructor`` mode turns those on again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyter_server.extension.serverextension import toggle_server_extension_python
from jupyterlab.commands import AppOptions, disable_extension, enable_extension, get_app_dir
from jupyterlab_server.config import get_static_page_config

# JupyterLab's announcements: no "would you like news?" toast, no update check.
QUIET_SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}
OVERRIDES_FILE = "lending-library-course.json"


class Mode(StrEnum):
    LEARNER = "learner"
    INSTRUCTOR = "instructor"


@dataclass(frozen=True)
class Tool:
    """One nbgrader feature: its JupyterLab plugin and the server extension behind it."""

    plugin: str
    server_extension: str | None
    for_learners: bool

    def wanted_in(self, mode: Mode) -> bool:
        return self.for_learners or mode is Mode.INSTRUCTOR

    @property
    def server_name(self) -> str:
        return f"nbgrader.server_extensions.{self.server_extension}"


NBGRADER_TOOLS = (
    Tool("@jupyter/nbgrader:validate-assignment", "validate_assignment", for_learners=True),
    Tool("@jupyter/nbgrader:assignment-list", "assignment_list", for_learners=True),
    Tool("@jupyter/nbgrader:formgrader", "formgrader", for_learners=False),
    Tool("@jupyter/nbgrader:create-assignment", None, for_learners=False),
    Tool("@jupyter/nbgrader:course-list", "course_list", for_learners=False),
)


@dataclass(frozen=True)
class LabState:
    """What a JupyterLab started from this environment will load."""

    overrides: Path | None
    enabled: dict[str, bool]  # plugin -> its plugin and server extension both on

    def mismatches(self, mode: Mode) -> list[str]:
        """Tools whose state differs from what ``mode`` wants (a user setting may override)."""
        wrong = [
            f"{tool.plugin} is {'on' if self.enabled[tool.plugin] else 'off'}"
            for tool in NBGRADER_TOOLS
            if self.enabled[tool.plugin] != tool.wanted_in(mode)
        ]
        return wrong + ([] if self.overrides else ["the quiet settings are not installed"])


def overrides_path() -> Path:
    return Path(get_app_dir()) / "settings" / "overrides.d" / OVERRIDES_FILE


def apply(mode: Mode) -> LabState:
    """Write the quiet settings and switch nbgrader's tools for ``mode``; returns the result."""
    path = overrides_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(QUIET_SETTINGS, indent=2) + "\n", encoding="utf-8")
    options = AppOptions()  # one for all: each new one asks yarn for its registry
    for tool in NBGRADER_TOOLS:
        on = tool.wanted_in(mode)
        toggle = enable_extension if on else disable_extension
        toggle(tool.plugin, app_options=options, level="sys_prefix")
        if tool.server_extension:
            toggle_server_extension_python(tool.server_name, enabled=on, sys_prefix=True)
    return state()


def state() -> LabState:
    """The tools' effective state, every configuration level included."""
    disabled = get_static_page_config(level="all").get("disabledExtensions", {})
    servers = ExtensionConfigManager(read_config_path=jupyter_config_path())
    extensions = servers.get_jpserver_extensions()
    enabled = {
        tool.plugin: not disabled.get(tool.plugin, False)
        and (tool.server_extension is None or bool(extensions.get(tool.server_name)))
        for tool in NBGRADER_TOOLS
    }
    path = overrides_path()
    return LabState(path if path.is_file() else None, enabled)
