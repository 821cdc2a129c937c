"""Phase 2 on Dask: a local cluster's executor grades a class like the process pool."""

from __future__ import annotations

import pytest

from coursetools.grading.grade import Options, grade_class
from coursetools.grading.pool import executor

from . import demo
from .support import TEST_LIMITS, make_course


@pytest.mark.timeout(300)
def test_a_local_dask_cluster_grades_a_class(tmp_path_factory: pytest.TempPathFactory) -> None:
    course = make_course(tmp_path_factory.mktemp("dask"))
    course.submit("solution", course.solved)
    course.answer("wrong", add="def add(a, b):\n    return a * b")
    course.answer("crash", year="import os\n\ndef check_year(year):\n    os.kill(os.getpid(), 9)")
    with executor(workers=2, dask="local", processes=False) as pool:
        report = grade_class(
            Options(
                course=course.root,
                assignment=demo.ASSIGNMENT,
                limits=TEST_LIMITS,
                progress=False,
                use_screen=False,
            ),
            pool,
        )
    assert report.errors == []
    assert course.scores("solution") == demo.POINTS
    assert course.scores("wrong") == {**demo.POINTS, "add-tests": 0.0}
    assert course.scores("crash") == {**demo.POINTS, "year-tests": 0.0}


@pytest.mark.timeout(300)
def test_the_command_grades_on_a_dask_scheduler(tmp_path_factory: pytest.TempPathFactory) -> None:
    from distributed import LocalCluster

    from coursetools.grading.cli import main

    course = make_course(tmp_path_factory.mktemp("dask-scheduler"))
    course.submit("solution", course.solved)
    course.answer("partial", total="def total(numbers):\n    return 0")
    with LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        address = cluster.scheduler_address
        code = main(
            ["class", demo.ASSIGNMENT, "--course", str(course.root), "--quiet", "--dask", address]
        )
    assert code == 0
    assert course.scores("solution") == demo.POINTS
    assert course.scores("partial") == {**demo.POINTS, "total-tests": 0.0}
