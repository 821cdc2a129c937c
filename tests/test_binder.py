"""``binder/`` is a complete repo2docker configuration, as far as this machine can tell.

repo2docker builds a conda environment from ``binder/environment.yml`` (its pip
section holds the course's packages), then runs ``binder/postBuild`` from the
repository root. Without Docker, these tests prove each step on its own:

- the pip requirements resolve, for the environment's Python, from the index;
- ``postBuild`` runs, under the variables repo2docker sets, in a fresh
  environment that holds exactly those resolved distributions; afterwards
  ``helpers`` imports from the repository, JupyterLab is quiet and nbgrader's
  student extensions are on, its instructor extensions off;
- the README's Binder badge opens notebook 00 in JupyterLab.

The fresh environment is assembled rather than downloaded (``linked_venv``:
the resolved distributions as installed in this test run; the pinned versions
are checked to be the same, unpinned transitive ones may be older than a fresh
resolution). Only the build backend the resolution picked is installed for
real, so that ``postBuild`` builds the course with what Binder would have.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from linked_venv import clean_env, linked_venv
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from coursetools.labmode import QUIET_SETTINGS
from coursetools.layout import ROOT

pytestmark = pytest.mark.timeout(300)

BINDER = ROOT / "binder"
NOTEBOOK_00 = "notebooks/00-orientation/00-orientation.ipynb"
# A learner's nbgrader: the student tools on, the instructor's off.
LEARNER_SERVER_EXTENSIONS = {
    "validate_assignment": True,
    "assignment_list": True,
    "formgrader": False,
    "course_list": False,
}
COPIED = shutil.ignore_patterns(
    ".venv", ".git", "test-artifacts", "workspace", "__pycache__", "*.egg-info", ".*_cache"
)


def binder_spec() -> tuple[list[str], str]:
    """The pip requirements and the Python version of ``binder/environment.yml``."""
    spec = yaml.safe_load((BINDER / "environment.yml").read_text(encoding="utf-8"))
    pip = next(dep["pip"] for dep in spec["dependencies"] if isinstance(dep, dict))
    python = next(
        dep.split("=", 1)[1]
        for dep in spec["dependencies"]
        if isinstance(dep, str) and dep.startswith("python=")
    )
    return list(pip), python


@pytest.fixture(scope="module")
def resolved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """``{distribution: version}`` that pip resolves for Binder's requirements and Python."""
    requirements, python = binder_spec()
    report = tmp_path_factory.mktemp("binder-resolve") / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--dry-run",
            "--ignore-installed",
            "--quiet",
            f"--python-version={python}",
            "--only-binary=:all:",
            f"--report={report}",
            *requirements,
        ],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"binder requirements do not resolve:\n{done.stderr[-3000:]}"
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    return {
        canonicalize_name(item["metadata"]["name"]): item["metadata"]["version"]
        for item in installs
    }


def test_binder_requirements_resolve_to_their_pins(resolved: dict[str, str]) -> None:
    requirements, _ = binder_spec()
    for line in requirements:
        requirement = Requirement(line)
        assert requirement.specifier.contains(resolved[canonicalize_name(requirement.name)]), line
    assert "jupyterlab" in resolved, "the Binder badge opens JupyterLab: it must be installed"


def repo2docker_env(env_dir: Path, home: Path, repo: Path) -> dict[str, str]:
    """The variables repo2docker's image sets while ``postBuild`` runs, and in the container.

    ``PYTHONUNBUFFERED=1`` is the running container's (a learner re-running
    ``postBuild`` there meets it); with it, a pipeline into ``grep -q`` fails
    on a broken pipe.
    """
    return clean_env(
        env_dir,
        DEBIAN_FRONTEND="noninteractive",
        LANG="C.UTF-8",  # repo2docker: en_US.UTF-8, which this machine may not have
        LC_ALL="C.UTF-8",
        SHELL="/bin/bash",
        HOME=str(home),
        REPO_DIR=str(repo),
        CONDA_DIR=str(env_dir.parent),
        NB_PYTHON_PREFIX=str(env_dir),
        KERNEL_PYTHON_PREFIX=str(env_dir),
        CONDA_DEFAULT_ENV=str(env_dir),
        PYTHONUNBUFFERED="1",
        JUPYTER_CONFIG_DIR=str(home / ".jupyter"),
        JUPYTER_DATA_DIR=str(home / ".local" / "share" / "jupyter"),
    )


def _run(args: list[str | Path], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    command = " ".join(str(arg) for arg in args)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_post_build_installs_the_course(tmp_path: Path, resolved: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=COPIED)
    env_dir = linked_venv(tmp_path / "env", (set(resolved) | {"pip"}) - {"setuptools"})
    for line in binder_spec()[0]:
        pinned = Requirement(line)
        assert pinned.specifier.contains(metadata.version(pinned.name)), f"{line} differs here"
    env = repo2docker_env(env_dir, tmp_path / "home", repo)
    python = env_dir / "bin" / "python"
    jupyter = env_dir / "bin" / "jupyter"
    if "setuptools" in resolved:  # the build backend as Binder's environment has it
        pin = f"setuptools=={resolved['setuptools']}"
        _run([python, "-m", "pip", "install", "--quiet", "--no-deps", pin], env, tmp_path)

    post_build = repo / "binder" / "postBuild"
    assert os.access(post_build, os.X_OK), "repo2docker runs postBuild only if executable"
    _run([post_build], env, repo)

    probe = "import helpers.catalogue as c; c.load_catalogue(); print(c.__file__)"
    location = _run([python, "-c", probe], env, tmp_path).strip().splitlines()[-1]
    assert Path(location).is_relative_to(repo / "src" / "helpers"), location

    servers = _run([jupyter, "server", "extension", "list"], env, tmp_path)
    for extension, on in LEARNER_SERVER_EXTENSIONS.items():
        pattern = rf"nbgrader\.server_extensions\.{extension}\S* +\S*{'en' if on else 'dis'}abled"
        assert re.search(pattern, servers), f"{extension} is not {on=}:\n{servers}"
    labextensions = _run([jupyter, "labextension", "list"], env, tmp_path)
    assert re.search(r"@jupyter/nbgrader v\S+ \S*enabled", labextensions), labextensions
    disabled = labextensions[labextensions.index("Disabled extensions:") :]
    assert "@jupyter/nbgrader:formgrader" in disabled
    assert "@jupyter/nbgrader:validate-assignment" not in disabled
    quiet = env_dir / "share/jupyter/lab/settings/overrides.d/lending-library-course.json"
    assert json.loads(quiet.read_text(encoding="utf-8")) == QUIET_SETTINGS


def test_post_build_has_no_pipeline() -> None:
    """Under ``pipefail`` a reader that stops early (``grep -q``) can fail the build."""
    code = [
        line.split("#", 1)[0]
        for line in (BINDER / "postBuild").read_text(encoding="utf-8").splitlines()
    ]
    assert not [line for line in code if re.search(r"(?<!\|)\|(?!\|)", line)]


def test_binder_badge_opens_notebook_00_in_jupyterlab() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    badge = re.search(r"\(https://mybinder\.org/v2/[^)\s]+\)", readme)
    assert badge, "README needs a Binder badge"
    url = urllib.parse.urlsplit(badge.group(0)[1:-1])
    provider, owner, repository, ref = url.path.split("/")[2:6]
    assert (provider, bool(owner), bool(repository), bool(ref)) == ("gh", True, True, True)
    urlpath = urllib.parse.parse_qs(url.query)["urlpath"][0]
    assert urlpath.startswith("lab/tree/"), f"{urlpath} does not open JupyterLab"
    target = urllib.parse.unquote(urlpath.removeprefix("lab/tree/"))
    assert target == NOTEBOOK_00 and (ROOT / target).is_file()
