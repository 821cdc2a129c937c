"""The zygote's reading of a new sandbox's report (the keeper and init write to one pipe)."""

from __future__ import annotations

import os

import pytest

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
