"""The static screen: honest answers run unremarked; only the shell is refused.

Every other capability the screen knows runs under the runtime defences and is
listed for the instructor (a finding), never a refusal.
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest
from traitlets.config import Config

from coursetools import nbmeta
from coursetools.grading import rebuild
from coursetools.grading.screen import Capability, screen
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
    "matplotlib": "%matplotlib inline\nimport matplotlib.pyplot as plt\n",
    "writefile": "%%writefile lending/schemas.py\nx = 1\n",
    "counter": "count = 0\n\n\ndef bump():\n    global count\n    count += 1\n",
    "shadow-local": "def f(type_: str, id: int) -> str:\n    len = 3\n    return type_ * len\n",
    "id-at-top": "book = Book(id=1)\nid = book.id\nfor id in [1, 2]:\n    print(id)\n",
    "hash-name": "import hashlib\n\nhash = hashlib.sha256(b'pw').hexdigest()\n",
    "inspect": "import inspect\n\nasync def f(): ...\n\nassert inspect.iscoroutinefunction(f)\n",
    "signature": "from inspect import signature\n\nprint(signature(print).parameters)\n",
    "metadata": "import importlib.metadata\n\nprint(importlib.metadata.version('fastapi'))\n",
    "import-module": "import importlib\n\nrouters = importlib.import_module('lending.routers')\n",
    "patch-own-module": "import lending.clock\n\nlending.clock.today = lambda: None\n",
    "patch-stdlib": "import random\n\nrandom.seed(1)\nrandom.random = lambda: 0.5\n",
    "monkeypatch": (
        "def test_clock(monkeypatch):\n"
        "    import lending.clock as clock\n\n"
        "    monkeypatch.setattr(clock, 'today', lambda: 1)\n"
    ),
    "words": (
        "# the gradebook, autograded, submitted/, ipykernel, __globals__ and get_ipython\n"
        "NOTE = 'eval(), exec(), __import__, __dict__, __subclasses__, In and Out'\n"
    ),
    "dunders": "class A:\n    pass\n\nprint(A.__mro__, A.__dict__, A.__name__, vars(A))\n",
    "functools": "from functools import wraps\n\ndef deco(f):\n    return wraps(f)(f)\n",
    "display": "from IPython.display import Markdown, display\n\ndisplay(Markdown('# hi'))\n",
    "gc-collect": "import gc\n\ngc.collect()\n",
    "regex-compile": "import re\n\nISBN = re.compile(r'\\d{13}')\n",
}
REFUSED = {
    "shell": ("get_ipython().events.register('pre_run_cell', print)", "events"),
    "shell-alias": ("ip = get_ipython()\nip.set_custom_exc((Exception,), print)", "set_custom_exc"),
    "pipeline": ("shell.input_transformers_cleanup.append(f)", "input_transformers_cleanup"),
    "config-magic": ("%config InteractiveShell.ast_node_interactivity='all'", "%config"),
    "patch-ipython": ("from IPython.core.interactiveshell import InteractiveShell", "IPython.core"),
    "grader": ("import coursetools.grading", "coursetools"),
}
FLAGGED = {
    "In": ("print(In[3])", Capability.HISTORY),
    "dynamic": ("f = eval('get_' + 'ipython')", Capability.DYNAMIC),
    "import": ("__import__('IPython')", Capability.DYNAMIC),
    "builtins": ("import builtins\nbuiltins.ValueError = Exception", Capability.INTERPRETER),
    "rebind": ("ValueError = BaseException", Capability.SHADOWS_BUILTIN),
    "rebind-import": (
        "from builtins import BaseException as AssertionError",
        Capability.SHADOWS_BUILTIN,
    ),
    "isinstance": ("def isinstance(*a):\n    return True", Capability.SHADOWS_BUILTIN),
    "monkeypatch": ("import helpers.checks as c\nc.fail = print", Capability.PATCHES_GRADER),
    "setattr": (
        "from helpers import checks\nsetattr(checks, 'fail', print)",
        Capability.PATCHES_GRADER,
    ),
    "dict-patch": ("import helpers.checks as c\nc.__dict__['x'] = 1", Capability.PATCHES_GRADER),
    "dunder": ("def f(): pass\nf.__globals__['x'] = 1", Capability.INTROSPECTION),
    "frames": ("import sys\nsys._getframe(1).f_back", Capability.INTROSPECTION),
    "frames-alias": ("from sys import _getframe as g", Capability.INTROSPECTION),
    "gc": ("import gc\ngc.get_objects()", Capability.INTROSPECTION),
    "ctypes": ("import ctypes", Capability.INTROSPECTION),
    "exit": ("import os\nos._exit(0)", Capability.PROCESS),
    "kill": ("from os import kill\nkill(1, 9)", Capability.PROCESS),
    "signal": ("import signal\nsignal.signal(2, signal.SIG_IGN)", Capability.PROCESS),
    "env": ("import os\nprint(os.environ['NBGRADER_EXECUTION'])", Capability.MENTIONS_GRADER),
    "global": ("def f():\n    global expected\n    expected = 1", Capability.GLOBAL_TEST_NAME),
    "class-assign": ("x = object()\nx.__class__ = int", Capability.INTERPRETER),
    "modules": ("import sys\nsys.modules['helpers.checks'] = None", Capability.INTERPRETER),
}


@pytest.mark.parametrize("source", HONEST.values(), ids=HONEST.keys())
def test_honest_answers_run_unremarked(source: str) -> None:
    assert screen(source, IMPORTED, TEST_NAMES).findings == ()


@pytest.mark.parametrize(("source", "detail"), REFUSED.values(), ids=REFUSED.keys())
def test_reaching_into_the_shell_is_refused_with_a_reason(source: str, detail: str) -> None:
    verdict = screen(source, IMPORTED, TEST_NAMES)
    assert not verdict.allowed
    assert detail in "; ".join(map(str, verdict.refused))


@pytest.mark.parametrize(("source", "capability"), FLAGGED.values(), ids=FLAGGED.keys())
def test_other_capabilities_run_and_are_flagged(source: str, capability: Capability) -> None:
    verdict = screen(source, IMPORTED, TEST_NAMES)
    assert verdict.allowed
    assert capability in {f.capability for f in verdict.flags}


def test_a_syntax_error_is_left_to_fail_on_its_own() -> None:
    assert screen("def broken(:\n", IMPORTED, TEST_NAMES).findings == ()


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
    names = _names(notebook)
    assert screen(source, names.imported, set(names.test_names)).findings == (), label


@functools.cache
def _names(notebook: Path) -> rebuild.Names:
    return rebuild.trusted_names(rebuild.generate(notebook, Config()))
