"""The static screen: honest answers run; grader-tampering capabilities do not."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from traitlets.config import Config

from coursetools import nbmeta
from coursetools.grading import rebuild
from coursetools.grading.screen import screen
from coursetools.layout import ROOT
from coursetools.nbcourse import strip_markers

IMPORTED = {"start": "helpers.start"}
TEST_NAMES = {"expected", "add", "expect_equal"}

HONEST = {
    "model": (
        "from pydantic import BaseModel, Field, field_validator\n\n\n"
        "class MemberCreate(BaseModel):\n"
        "    name: str = Field(min_length=1)\n\n"
        "    @field_validator('name')\n"
        "    @classmethod\n"
        "    def strip(cls, value: str) -> str:\n"
        "        return value.strip()\n\n"
        "    def __repr__(self) -> str:\n"
        "        return f'{self.__class__.__name__}({self.name!r})'\n"
    ),
    "eq": "class Point:\n    def __eq__(self, other):\n        return isinstance(other, Point)\n",
    "async": "import asyncio\n\n\nasync def go():\n    await asyncio.sleep(0)\n\nawait go()\n",
    "subprocess": "import subprocess\n\nserver = subprocess.Popen(['true'])\nserver.kill()\n",
    "env": "import os\n\nurl = os.environ.get('DATABASE_URL', 'sqlite:///')\n",
    "sys": "import sys\n\nsys.path.insert(0, 'workspace')\nprint(sys.version_info >= (3, 11))\n",
    "magics": "%%time\ntotal = sum(range(10))\n",
    "writefile": "%%writefile lending/schemas.py\nx = 1\n",
    "counter": "count = 0\n\n\ndef bump():\n    global count\n    count += 1\n",
    "shadow-local": "def f(type_: str, id: int) -> str:\n    len = 3\n    return type_ * len\n",
}
HOSTILE = {
    "get_ipython": ("get_ipython().events.register('pre_run_cell', print)", "get_ipython"),
    "In": ("print(In[3])", "IPython's internals"),
    "dynamic": ("f = eval('get_' + 'ipython')", "eval"),
    "import": ("__import__('IPython')", "__import__"),
    "builtins": ("import builtins\nbuiltins.ValueError = Exception", "imports builtins"),
    "rebind": ("ValueError = BaseException", "rebinds the built-in name 'ValueError'"),
    "rebind-import": ("from builtins import BaseException as AssertionError", "AssertionError"),
    "isinstance": ("def isinstance(*a):\n    return True", "isinstance"),
    "monkeypatch": ("import helpers.checks as c\nc.fail = print", "monkeypatching"),
    "setattr": ("from helpers import checks\nsetattr(checks, 'fail', print)", "setattr"),
    "dunder": ("def f(): pass\nf.__globals__['x'] = 1", "__globals__"),
    "dunder-string": ("getattr(len, '__self' + '__')\nx = '__globals__'", "__globals__"),
    "frames": ("import sys\nsys._getframe(1).f_back", "sys._getframe"),
    "frames-alias": ("from sys import _getframe as g", "_getframe"),
    "gc": ("import gc\ngc.get_objects()", "imports gc"),
    "ctypes": ("import ctypes", "imports ctypes"),
    "exit": ("import os\nos._exit(0)", "os._exit"),
    "kill": ("from os import kill\nkill(1, 9)", "os.kill"),
    "signal": ("import signal\nsignal.signal(2, signal.SIG_IGN)", "signal"),
    "env": ("import os\nprint(os.environ['NBGRADER_EXECUTION'])", "NBGRADER"),
    "gradebook": ("open('../../gradebook.db')", "gradebook"),
    "global": ("def f():\n    global expected\n    expected = 1", "global 'expected'"),
    "config-magic": ("%config InteractiveShell.ast_node_interactivity='all'", "%config"),
    "class-assign": ("x = object()\nx.__class__ = int", "__class__"),
    "modules": ("import sys\nsys.modules['helpers.checks'] = None", "sys.modules"),
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_answers_run(source: str) -> None:
    assert screen(source, IMPORTED, TEST_NAMES).reasons == ()


@pytest.mark.parametrize(("source", "reason"), HOSTILE.values(), ids=HOSTILE.keys())
def test_tampering_capabilities_are_refused_with_a_reason(source: str, reason: str) -> None:
    verdict = screen(source, IMPORTED, TEST_NAMES)
    assert not verdict.allowed
    assert reason in verdict.message()


def test_a_syntax_error_is_left_to_fail_on_its_own() -> None:
    assert screen("def broken(:\n", IMPORTED, TEST_NAMES).allowed


def _course_answers() -> list[tuple[str, str, Path]]:
    found = []
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        try:
            nb = nbmeta.read(path)
        except ValueError:
            continue
        for cell in nb.cells:
            if nbmeta.is_solution(cell) and cell.cell_type == "code":
                found.append(
                    (f"{path.stem}:{nbmeta.grade_id(cell)}", strip_markers(cell.source), path)
                )
        samples = ROOT / "tests" / "submissions" / path.stem
        for sample in sorted(samples.glob("*/*.py")):
            found.append(
                (f"{path.stem}:{sample.parent.name}/{sample.stem}", sample.read_text(), path)
            )
    return found


@pytest.mark.parametrize(
    ("label", "source", "notebook"),
    _course_answers(),
    ids=lambda v: v if isinstance(v, str) and ":" in v else "",
)
def test_the_course_reference_answers_and_samples_pass_the_screen(
    label: str, source: str, notebook: Path
) -> None:
    imported, test_names = _names(notebook)
    assert screen(source, imported, test_names).reasons == (), label


@functools.cache
def _names(notebook: Path) -> tuple[dict[str, str], set[str]]:
    return rebuild._names(rebuild.generate(notebook, Config()))
