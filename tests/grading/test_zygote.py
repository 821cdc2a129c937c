"""The zygote's reading of a new sandbox's report (the keeper and init write to one pipe),
and its preloading of the modules a notebook imports."""

from __future__ import annotations

import importlib
import os

import pytest

from coursetools.grading.kernel import guard
from coursetools.grading.sandbox import zygote
from coursetools.grading.sandbox.zygote import started


def _report(*lines: str) -> dict[str, object]:
    read, write = os.pipe()
    os.write(write, "".join(line + "\n" for line in lines).encode())
    os.close(write)
    try:
        return started(read)
    finally:
        os.close(read)


@pytest.mark.parametrize(
    "lines", [("pid 41", "ready"), ("ready", "pid 41")], ids=["keeper first", "init first"]
)
def test_the_kernel_is_started_whichever_process_reports_first(lines: tuple[str, ...]) -> None:
    assert _report(*lines) == {"pid": 41}


def test_an_error_from_the_jail_is_passed_on() -> None:
    assert _report("pid 41", "error OSError: mount failed") == {"error": "OSError: mount failed"}


@pytest.mark.parametrize(
    "lines", [(), ("pid 41",), ("ready",)], ids=["nothing", "no ready", "no pid"]
)
def test_a_report_cut_short_is_an_error(lines: tuple[str, ...]) -> None:
    assert _report(*lines) == {"error": "the sandbox did not start (no answer from it)"}


def test_a_module_the_zygote_cannot_import_is_looked_for_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A notebook's own package (the learner's ``lending``) is not importable in the zygote:
    looking for it again cost every kernel's start 20 ms."""
    tried: list[str] = []
    real = importlib.import_module

    def counting(name: str) -> object:
        tried.append(name)
        return real(name)

    monkeypatch.setattr(importlib, "import_module", counting)
    monkeypatch.setattr(zygote, "_tried", set())
    monkeypatch.setattr(guard, "preseal", lambda: None)
    for _ in range(3):
        zygote.preload(("coursetools_no_such_module", "json"))
    assert tried == ["coursetools_no_such_module"]  # json was loaded already
