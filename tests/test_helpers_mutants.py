"""helpers.testrun and helpers.mutants: real pytest sessions, bounded, and fair grading."""

from __future__ import annotations

import mutant_suites as suites
import pytest

from helpers.checks import ExerciseFailure
from helpers.mutants import Fixtures, check_tests, mutation_score, rewritten, suite_named
from helpers.testrun import Outcome, run_tests
from lending_reference import schemas

BUGS = [
    rewritten(
        "the weights are swapped",
        schemas,
        "isbn13_check_digit",
        "3 if i % 2 else 1",
        "1 if i % 2 else 3",
    ),
    rewritten(
        "the remainder is taken for the digit",
        schemas,
        "isbn13_check_digit",
        "(10 - total % 10) % 10",
        "total % 10",
    ),
]


def test_a_session_reports_each_test_and_the_line_that_failed() -> None:
    class TestWrong:
        def test_wrong(self) -> None:
            assert schemas.isbn13_check_digit("978054777374") == 3

    result = run_tests(suites.TestCheckDigit, TestWrong)
    assert [t.outcome for t in result.tests] == [Outcome.PASSED] * 3 + [Outcome.FAILED]
    message = result.tests[-1].message
    assert message.startswith("AssertionError")
    assert message.endswith('(at: assert schemas.isbn13_check_digit("978054777374") == 3)')


def test_sleeping_the_network_and_hanging_fail_with_their_reason() -> None:
    result = run_tests(suites.TestForbidden, test_timeout=1)
    messages = {t.name.split("::")[-1]: (t.outcome, t.message) for t in result.tests}
    messages = {name.removesuffix("[asyncio]"): found for name, found in messages.items()}
    assert messages["test_may_yield"] == (Outcome.PASSED, "")
    assert "this test sleeps (time.sleep(0.5))" in messages["test_sleeps"][1]
    assert "this test sleeps (asyncio.sleep(0.5))" in messages["test_sleeps_async"][1]
    network = messages["test_reads_the_network"][1]
    assert "opens a network connection to ('192.0.2.1', 80)" in network
    assert "ran longer than 1 s" in messages["test_hangs"][1]


def test_nothing_to_run_is_a_problem_not_a_crash() -> None:
    assert run_tests().problem is not None
    assert "no tests were collected" in (run_tests(suites.TestCheckDigit.__init__).problem or "")


def test_a_mutant_must_really_change_the_code() -> None:
    with pytest.raises(ValueError, match="occurs 0 times"):
        rewritten("nothing", schemas, "isbn13_check_digit", "no such text", "x")


def test_the_score_is_the_share_of_mutants_killed_and_the_same_every_time() -> None:
    scores = {mutation_score(suites.TestCheckDigit, BUGS, points=3) for _ in range(5)}
    assert scores == {3.0}
    assert mutation_score(suites.TestHappyOnly, BUGS, points=3) == 0.0


def test_tests_that_notice_the_patching_rather_than_the_behaviour_earn_nothing() -> None:
    assert run_tests(suites.TestIdentity).all_passed  # honest on the real code
    assert mutation_score(suites.TestIdentity, BUGS, points=3) == 0.0


def test_visible_feedback_names_the_bug_missed() -> None:
    check_tests(suites.TestCheckDigit, BUGS, what="the check digit")
    with pytest.raises(ExerciseFailure, match="catch this bug: the weights are swapped"):
        check_tests(suites.TestHappyOnly, BUGS, what="the check digit")


def test_an_unsolved_suite_is_reported_as_not_solved() -> None:
    with pytest.raises(NotImplementedError):
        check_tests(suites.TestUnsolved, BUGS, what="the check digit")
    with pytest.raises(NotImplementedError):
        suite_named({}, "TestLoanLimit")
    with pytest.raises(ExerciseFailure, match="TestLoanLimit is a class with tests"):
        suite_named({"TestLoanLimit": type("TestLoanLimit", (), {})}, "TestLoanLimit")


def test_a_fixture_that_is_not_defined_or_does_not_fit_is_named() -> None:
    (result,) = run_tests(suites.TestUnknownFixture).tests
    assert (result.outcome, result.missing_fixture) == (Outcome.ERROR, "twelv")
    with pytest.raises(ExerciseFailure, match="asks for the fixture `twelv`, which is not defined"):
        check_tests(suites.TestUnknownFixture, BUGS, what="the check digit")
    guide = Fixtures(use="Take `twelve`.", misfits={"thirteen": "a whole ISBN", "twelve": "x"})
    with pytest.raises(ExerciseFailure) as failure:
        check_tests(suites.TestWrongFixture, BUGS, what="the check digit", fixtures=guide)
    shown = str(failure.value)
    assert "takes the fixture `thirteen`, a whole ISBN; it failed with: AssertionError" in shown
    assert "`twelve`, x" not in shown  # only a fixture that thirteen itself depends on
    assert "Take `twelve`." in shown
    with pytest.raises(ExerciseFailure, match="passes against the correct service\n"):
        check_tests(suites.TestWrongFixture, BUGS, what="the check digit")  # no guide: general
