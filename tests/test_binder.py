"""``binder/`` is a complete repo2docker configuration, as far as this machine can tell.

repo2docker builds a conda environment from ``binder/environment.yml`` (its pip
section holds the course's packages), then runs ``binder/postBuild`` from the
repository root. Without Docker, these tests prove each step on its own:

- the pip requirements resolve, for the environment's Python, from the index;
- ``postBuild`` runs in a fresh environment that holds exactly those resolved
  distributions, and afterwards ``helpers`` imports from the repository and
  nbgrader's student extensions are enabled;
- the README's Binder badge opens notebook 00 in JupyterLab.

The fresh environment is assembled rather than downloaded: a new venv whose
site-packages links the resolved distributions already installed in this test
run's environment (the pinned versions are checked to be the same; unpinned
transitive ones may be older than a fresh resolution), with the Jupyter data and config
files copied in. Only the build backend the resolution picked is installed for
real, so that ``postBuild`` builds the course with what Binder would have.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import urllib.parse
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from coursetools.layout import ROOT

pytestmark = pytest.mark.timeout(300)

BINDER = ROOT / "binder"
NOTEBOOK_00 = "notebooks/00-orientation/00-orientation.ipynb"
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


def _fresh_environment(
    root: Path, resolved: dict[str, str], exclude: set[str]
) -> tuple[Path, dict[str, str]]:
    """A new venv holding the resolved distributions (linked from this environment)."""
    env_dir = root / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    here = Path(sysconfig.get_paths()["purelib"])
    there = Path(
        sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"]
    )
    wanted = (set(resolved) | {"pip"}) - exclude
    missing = []
    for name in sorted(wanted):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            if (here / top).exists() and not (there / top).exists():
                (there / top).symlink_to(here / top)
    assert missing == [], f"resolved for Binder but not installed here: {missing}"
    for line in binder_spec()[0]:
        pinned = Requirement(line)
        assert pinned.specifier.contains(metadata.version(pinned.name)), f"{line} differs here"
    for data in ("etc/jupyter", "share/jupyter"):
        if (Path(sys.prefix) / data).is_dir():
            shutil.copytree(Path(sys.prefix) / data, env_dir / data, symlinks=True)
    scripts = {ep.name: ep.value for ep in metadata.entry_points(group="console_scripts")}
    for name, target in scripts.items():
        module, _, function = target.partition(":")
        script = env_dir / "bin" / name
        if not script.exists():
            script.write_text(
                f"#!{env_dir / 'bin' / 'python'}\nimport sys\nfrom {module} import "
                f"{function.split('.')[0]}\nsys.exit({function}())\n"
            )
            script.chmod(0o755)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER_", "VIRTUAL_ENV", "PYTHON"))
    }
    env.update(
        PATH=os.pathsep.join([str(env_dir / "bin"), "/usr/bin", "/bin"]),
        JUPYTER_CONFIG_DIR=str(root / "user-config"),
        JUPYTER_DATA_DIR=str(root / "user-data"),
    )
    return env_dir, env


def _run(args: list[str | Path], env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    command = " ".join(str(arg) for arg in args)
    assert done.returncode == 0, f"{command} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def test_post_build_installs_the_course(tmp_path: Path, resolved: dict[str, str]) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(ROOT, repo, ignore=COPIED)
    env_dir, env = _fresh_environment(tmp_path, resolved, exclude={"setuptools"})
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
    for extension in ("validate_assignment", "assignment_list"):
        pattern = rf"nbgrader\.server_extensions\.{extension}\S* +\S*enabled"
        assert re.search(pattern, servers), f"{extension} is not enabled:\n{servers}"
    labextensions = _run([jupyter, "labextension", "list"], env, tmp_path)
    assert re.search(r"@jupyter/nbgrader v\S+ \S*enabled", labextensions), labextensions


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
