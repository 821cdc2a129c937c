"""The three descriptions of the environment agree, and the entry points hold."""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from coursetools.layout import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
ENVIRONMENTS = [ROOT / "environment.yml", ROOT / "binder" / "environment.yml"]


def _pip_and_python(path: Path) -> tuple[list[str], str]:
    spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    pip = next(dep["pip"] for dep in spec["dependencies"] if isinstance(dep, dict))
    python = next(
        dep.split("=", 1)[1]
        for dep in spec["dependencies"]
        if isinstance(dep, str) and dep.startswith("python=")
    )
    return pip, python


def test_every_dependency_is_pinned_exactly() -> None:
    project = PYPROJECT["project"]
    extras = [line for group in project["optional-dependencies"].values() for line in group]
    for line in project["dependencies"] + extras:
        requirement = Requirement(line)
        if requirement.name == project["name"]:
            continue  # one extra including another
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", line


COURSE = "-e ."  # the course package itself, from the repository root


def _installs(path: Path) -> list[str]:
    """What an environment file installs with pip; Binder's postBuild adds the course."""
    pip, _ = _pip_and_python(path)
    if path.parent.name == "binder":
        post_build = (path.parent / "postBuild").read_text(encoding="utf-8")
        if re.search(r"^python -m pip install .*-e \.$", post_build, re.MULTILINE):
            pip = [*pip, COURSE]
    return pip


def test_conda_and_binder_environments_match_pyproject() -> None:
    """The learner's three installs: make start's (pyproject), conda's and Binder's."""
    runtime = sorted([*PYPROJECT["project"]["dependencies"], COURSE])
    allowed = SpecifierSet(PYPROJECT["project"]["requires-python"])
    for path in ENVIRONMENTS:
        _, python = _pip_and_python(path)
        assert sorted(_installs(path)) == runtime, f"{path.relative_to(ROOT)} differs"
        assert f"{python}.0" in allowed, f"{path.relative_to(ROOT)}: python={python}"


def test_binder_installs_the_course_package_after_its_dependencies() -> None:
    """Binder caches the environment built from binder/environment.yml alone, so the
    course (which needs the repository) is installed by postBuild."""
    post_build = ROOT / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK), "repo2docker runs postBuild only if executable"
    pip, _ = _pip_and_python(ROOT / "binder" / "environment.yml")
    assert COURSE not in pip and COURSE in _installs(ROOT / "binder" / "environment.yml")


def test_the_learner_installs_none_of_the_maintainers_tools() -> None:
    project = PYPROJECT["project"]
    runtime = {Requirement(line).name for line in project["dependencies"]}
    extras = project["optional-dependencies"]
    tools = {Requirement(line).name for group in extras.values() for line in group}
    assert runtime & tools == set()
    assert {"playwright", "nbval", "dask"} <= tools
    # pytest is the learner's own tool from notebook 07 on: it runs their tests; ruff from
    # notebook 11 on, which lints their package
    assert {"pytest", "ruff"} <= runtime


def test_readme_starts_with_the_two_commands_and_binder_opens_notebook_00() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    head = readme[: readme.index("\n## ")]
    assert "make start" in head and "make test" in head
    badge = re.search(r"https://mybinder\.org/v2/gh/[^)\s]+", readme)
    assert badge, "README needs a Binder badge"
    target = re.search(r"urlpath=lab/tree/([^)&\s]+)", badge.group(0))
    assert target and (ROOT / target.group(1)).is_file(), badge.group(0)
    assert target.group(1) == "notebooks/00-orientation/00-orientation.ipynb"


def test_ci_runs_exactly_the_readme_test_command() -> None:
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert os.access(ROOT / ".ci" / "run", os.X_OK)
    commands = [ln for ln in run.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    assert commands[-1].strip() == "exec make test"
