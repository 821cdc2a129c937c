"""Slow-looking notebooks are handed to workers first; nothing else changes."""

from __future__ import annotations

from coursetools.grading.jobs import ANSWER, TRUSTED, CellPlan, ExecJob
from coursetools.grading.limits import Limits
from coursetools.grading.order import looks_slow, slow_first


def _job(key: str, *answers: str, trusted: str = "x = 1") -> ExecJob:
    cells = (
        CellPlan(0, TRUSTED, trusted),
        *(CellPlan(i + 1, ANSWER, a) for i, a in enumerate(answers)),
    )
    return ExecJob(key, cells, {}, "a", Limits())


def test_answers_that_cannot_end_by_themselves_look_slow() -> None:
    assert looks_slow(_job("loop", "def f():\n    return 1\n\nwhile True:\n    pass"))
    assert looks_slow(_job("exit", "import os\n\nos._exit(0)"))
    assert looks_slow(_job("sys", "import sys\nsys.exit()"))
    assert looks_slow(_job("kill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)"))


def test_ordinary_answers_do_not() -> None:
    assert not looks_slow(_job("ok", "def f():\n    while True:\n        return 1"))
    assert not looks_slow(_job("break", "while True:\n    break"))
    assert not looks_slow(_job("bounded", "n = 0\nwhile n < 3:\n    n += 1"))
    assert not looks_slow(_job("broken", "def f(:"))
    assert not looks_slow(_job("stop a server", "server.kill()\nserver.wait()"))
    assert not looks_slow(_job("a method", "app.exit()"))
    assert not looks_slow(_job("trusted", "x = 2", trusted="while True:\n    pass"))


def test_slow_ones_go_first_and_the_rest_keep_their_order() -> None:
    jobs = [
        _job("a", "x = 1"),
        _job("b", "while 1:\n    pass"),
        _job("c", "y = 2"),
        _job("d", "exit()"),
    ]
    assert [job.key for job in slow_first(jobs)] == ["b", "d", "a", "c"]
