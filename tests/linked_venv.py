"""A fresh virtual environment in seconds, offline: distributions linked from this one.

The Binder test and the ``make start`` test each need an environment that holds
exactly one set of distributions (what Binder resolves; what a learner
installs), not the test run's own, which has the maintainer's tools too.
Installing one for real takes minutes and the network; instead a new venv's
site-packages links the chosen distributions already installed here, console
scripts are written for them, and the Jupyter data and config files are copied
in, so that what a test configures there never changes this environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def runtime_closure(project: str) -> set[str]:
    """``project`` and every distribution its install needs, without extras it does not ask for."""
    wanted: dict[str, set[str]] = {}
    todo: list[tuple[str, set[str]]] = [(project, set())]
    while todo:
        name, extras = todo.pop()
        key = canonicalize_name(name)
        if key in wanted and extras <= wanted[key]:
            continue
        wanted[key] = wanted.get(key, set()) | extras
        for line in metadata.requires(name) or []:
            requirement = Requirement(line)
            marker = requirement.marker
            if marker is None or any(
                marker.evaluate({"extra": extra}) for extra in wanted[key] or {""}
            ):
                todo.append((requirement.name, set(requirement.extras)))
    return set(wanted)


def linked_venv(env_dir: Path, names: set[str]) -> Path:
    """A new venv at ``env_dir`` whose site-packages links the distributions ``names``."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    here = Path(sysconfig.get_paths()["purelib"])
    there = Path(
        sysconfig.get_paths(vars={"base": str(env_dir), "platbase": str(env_dir)})["purelib"]
    )
    missing = []
    scripts: dict[str, str] = {}
    for name in sorted(names):
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            missing.append(name)
            continue
        tops = {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}
        for top in tops - {"__pycache__"}:
            if (here / top).exists() and not (there / top).exists():
                (there / top).symlink_to(here / top)
        scripts |= {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"}
    assert missing == [], f"wanted but not installed here: {missing}"
    for data in ("etc/jupyter", "share/jupyter"):
        if (Path(sys.prefix) / data).is_dir():
            shutil.copytree(Path(sys.prefix) / data, env_dir / data, symlinks=True)
    for name, target in scripts.items():
        module, _, function = target.partition(":")
        script = env_dir / "bin" / name
        if not script.exists():
            script.write_text(
                f"#!{env_dir / 'bin' / 'python'}\nimport sys\nfrom {module} import "
                f"{function.split('.')[0]}\nsys.exit({function}())\n"
            )
            script.chmod(0o755)
    return env_dir


def clean_env(env_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without its Python and Jupyter settings, ``env_dir`` on PATH."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("JUPYTER_", "VIRTUAL_ENV", "PYTHON"))
    }
    env["PATH"] = os.pathsep.join([str(env_dir / "bin"), "/usr/bin", "/bin"])
    env.update(extra)
    return env
