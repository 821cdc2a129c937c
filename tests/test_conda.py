"""``environment.yml`` installs the course, as far as a machine without conda can tell.

``conda env create -f environment.yml`` installs Python from conda-forge, then
hands the ``pip:`` section to pip as a requirements file, running pip in the
environment file's folder, where ``-e .`` (relative to pip's working folder)
is the course at the repository root. This test resolves that requirements
file the same way (pip, from that folder, against the index) and checks that
the course and every pinned package come out at their pins.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from coursetools.layout import ROOT

pytestmark = pytest.mark.timeout(300)

ENVIRONMENT = ROOT / "environment.yml"


def test_environment_yml_pip_section_installs_the_course(tmp_path: Path) -> None:
    spec = yaml.safe_load(ENVIRONMENT.read_text(encoding="utf-8"))
    python = next(d for d in spec["dependencies"] if isinstance(d, str) and d.startswith("python="))
    if python.split("=", 1)[1] != f"{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"{python}: a local project resolves only for this interpreter's Python")
    pip = next(dep["pip"] for dep in spec["dependencies"] if isinstance(dep, dict))
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("\n".join(pip) + "\n", encoding="utf-8")
    report = tmp_path / "report.json"
    pip_install = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed"]
    done = subprocess.run(
        [*pip_install, "--quiet", f"--report={report}", "-r", str(requirements)],
        cwd=ENVIRONMENT.parent,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, f"environment.yml's pip section fails:\n{done.stderr[-3000:]}"
    installs = json.loads(report.read_text(encoding="utf-8"))["install"]
    resolved = {canonicalize_name(i["metadata"]["name"]): i for i in installs}

    course = resolved.get(canonicalize_name("lending-library-course"))
    assert course, "environment.yml does not install the course package"
    assert course["is_direct"] and course["download_info"]["dir_info"].get("editable")
    assert Path(course["download_info"]["url"].removeprefix("file://")) == ROOT
    for line in pip:
        if not line.startswith("-"):
            requirement = Requirement(line)
            version = resolved[canonicalize_name(requirement.name)]["metadata"]["version"]
            assert requirement.specifier.contains(version), f"{line}: resolved {version}"
