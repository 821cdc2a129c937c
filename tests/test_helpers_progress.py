"""helpers.progress: the self-check record in progress.json and its overview."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

import helpers.progress
from helpers.catalogue import Catalogue
from helpers.progress import (
    HIDDEN_NOTE,
    ProgressStore,
    Status,
    overview,
    render_html,
    summary_text,
    table,
)


@pytest.fixture
def store(tmp_path: Path) -> ProgressStore:
    return ProgressStore(tmp_path / "progress.json")


@pytest.fixture
def catalogue(catalogue_factory: Callable[..., Catalogue]) -> Catalogue:
    return catalogue_factory(
        (
            "01-schemas",
            "Schemas <& validation>",
            [
                ("member-tests", "Exercise 1: <b>members</b> & co", 2, "# Exercise 1\npass"),
                ("loan-tests", "Exercise 2: loans", 3, "# Exercise 2\npass"),
            ],
        ),
        ("02-models", "Models", [("model-tests", "Exercise 1: models", 1.5, "# Ex\npass")]),
        ("03-empty", "No exercises", []),
    )


# --- ProgressStore -------------------------------------------------------------------------------


def test_a_new_store_is_empty(store: ProgressStore) -> None:
    assert store.load() == {}
    assert not store.path.exists()


def test_record_and_load_round_trip(store: ProgressStore) -> None:
    store.record("01-schemas", "member-tests", passed=True)
    store.record("01-schemas", "loan-tests", passed=False)
    store.record("02-models", "model-tests", passed=True)

    results = ProgressStore(store.path).load()

    assert results == {
        "01-schemas": {"member-tests": Status.PASSED, "loan-tests": Status.FAILED},
        "02-models": {"model-tests": Status.PASSED},
    }
    assert results["01-schemas"]["member-tests"] is Status.PASSED


def test_the_file_is_plain_sorted_json(store: ProgressStore) -> None:
    store.record("02-models", "model-tests", passed=False)
    store.record("01-schemas", "member-tests", passed=True)
    text = store.path.read_text("utf-8")
    assert json.loads(text) == {
        "01-schemas": {"member-tests": "passed"},
        "02-models": {"model-tests": "failed"},
    }
    assert text.index("01-schemas") < text.index("02-models")
    assert text.endswith("\n")


def test_the_latest_result_wins(store: ProgressStore) -> None:
    store.record("01-schemas", "member-tests", passed=False)
    store.record("01-schemas", "member-tests", passed=True)
    assert store.load() == {"01-schemas": {"member-tests": Status.PASSED}}
    store.record("01-schemas", "member-tests", passed=False)
    assert store.load() == {"01-schemas": {"member-tests": Status.FAILED}}


def test_reset_one_notebook(store: ProgressStore) -> None:
    store.record("01-schemas", "member-tests", passed=True)
    store.record("02-models", "model-tests", passed=True)
    store.reset("01-schemas")
    assert store.load() == {"02-models": {"model-tests": Status.PASSED}}


def test_reset_an_unknown_notebook_changes_nothing(store: ProgressStore) -> None:
    store.record("02-models", "model-tests", passed=True)
    store.reset("99-nothing")
    assert store.load() == {"02-models": {"model-tests": Status.PASSED}}


def test_reset_everything(store: ProgressStore) -> None:
    store.record("01-schemas", "member-tests", passed=True)
    store.record("02-models", "model-tests", passed=True)
    store.reset()
    assert store.load() == {}


def test_the_default_store_lives_in_the_workspace(workspace: Path) -> None:
    store = ProgressStore()
    assert store.path == workspace / "progress.json"
    store.record("01-schemas", "member-tests", passed=True)
    assert (workspace / "progress.json").is_file()


@pytest.mark.parametrize(
    "damage",
    [
        "{oops",
        '{"01-schemas": {"member-tests": "maybe"}}',
        '{"01-schemas": ["member-tests"]}',
        "",
    ],
)
def test_a_damaged_file_is_set_aside(
    store: ProgressStore, capsys: pytest.CaptureFixture[str], damage: str
) -> None:
    store.path.write_text(damage, "utf-8")

    assert store.load() == {}

    aside = store.path.with_name("progress.damaged.json")
    assert aside.read_text("utf-8") == damage
    assert not store.path.exists()
    assert f"moved to {aside}" in capsys.readouterr().out


def test_recording_after_damage_starts_afresh(
    store: ProgressStore, capsys: pytest.CaptureFixture[str]
) -> None:
    store.path.write_text("{oops", "utf-8")
    store.record("01-schemas", "member-tests", passed=True)
    assert "damaged" in capsys.readouterr().out
    assert store.load() == {"01-schemas": {"member-tests": Status.PASSED}}


# --- table, summary_text, render_html ------------------------------------------------------------


def test_table_lists_every_exercise_in_course_order(
    store: ProgressStore, catalogue: Catalogue
) -> None:
    store.record("01-schemas", "loan-tests", passed=False)
    store.record("02-models", "model-tests", passed=True)
    store.record("02-models", "retired-tests", passed=True)  # not in the catalogue: ignored
    store.record("77-gone", "x-tests", passed=True)

    assert table(store, catalogue) == [
        ("01-schemas", "Exercise 1: <b>members</b> & co", 2, Status.NOT_RUN),
        ("01-schemas", "Exercise 2: loans", 3, Status.FAILED),
        ("02-models", "Exercise 1: models", 1.5, Status.PASSED),
    ]


def test_summary_text_has_one_line_per_notebook(store: ProgressStore, catalogue: Catalogue) -> None:
    store.record("01-schemas", "member-tests", passed=True)
    store.record("01-schemas", "loan-tests", passed=False)

    assert summary_text(store, catalogue).splitlines() == [
        "01-schemas           1/2 visible checks passed  ✓✗",
        "02-models            0/1 visible checks passed  ·",
        "03-empty             0/0 visible checks passed  (no graded exercises)",
        HIDDEN_NOTE,
    ]


def test_summary_text_counts_exercises_never_points(
    store: ProgressStore, catalogue: Catalogue
) -> None:
    for grade_id in ("member-tests", "loan-tests"):
        store.record("01-schemas", grade_id, passed=True)
    store.record("02-models", "model-tests", passed=True)
    text = summary_text(store, catalogue)
    lines = text.splitlines()
    assert lines[0].startswith("01-schemas           2/2 visible checks passed  ✓✓")
    assert lines[1].startswith("02-models            1/1 visible checks passed  ✓")
    assert "point" not in text.replace(HIDDEN_NOTE, "")
    assert "hidden tests" in HIDDEN_NOTE


def test_render_html_shows_totals_and_statuses(store: ProgressStore, catalogue: Catalogue) -> None:
    store.record("01-schemas", "member-tests", passed=True)
    store.record("01-schemas", "loan-tests", passed=False)

    page = render_html(store, catalogue)

    assert page.startswith("<table class='course-progress'>")
    assert page.endswith("</table>")
    assert "<caption>Visible checks passed: 1 of 3 exercises. Visible checks are" in page
    assert "the grader also runs hidden tests" in page
    assert "(1 of 2 exercises: visible checks passed)" in page
    assert "(0 of 1 exercises: visible checks passed)" in page
    assert "✓ visible checks passed</td>" in page and "✗ visible checks failed</td>" in page
    assert "· not run</td>" in page
    assert "<td>worth 2</td>" in page
    assert " points" not in page  # points are the grader's to give
    assert page.count("<tr>") == 3 + 3  # a header row per notebook, a row per exercise


def test_render_html_escapes_titles(store: ProgressStore, catalogue: Catalogue) -> None:
    page = render_html(store, catalogue)
    assert "Schemas &lt;&amp; validation&gt;" in page
    assert "Exercise 1: &lt;b&gt;members&lt;/b&gt; &amp; co" in page
    assert "<b>" not in page
    assert "<& " not in page


def test_the_overview_uses_the_shipped_catalogue_by_default(
    store: ProgressStore, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helpers.progress, "load_catalogue", lambda: catalogue)
    store.record("02-models", "model-tests", passed=True)
    assert table(store) == table(store, catalogue)
    assert summary_text(store) == summary_text(store, catalogue)
    assert render_html(store) == render_html(store, catalogue)


def test_overview_is_a_panel_whose_button_refreshes_it(
    store: ProgressStore, catalogue: Catalogue, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(helpers.progress, "load_catalogue", lambda: catalogue)
    panel = overview(store)
    # ipywidgets ships no types: ``children`` is unknown to mypy.
    button, html = panel.children  # type: ignore[attr-defined]
    assert "Visible checks passed: 0 of 3 exercises" in html.value

    store.record("02-models", "model-tests", passed=True)
    assert "Visible checks passed: 0 of 3 exercises" in html.value  # not live until refreshed
    button.click()

    assert "Visible checks passed: 1 of 3 exercises" in html.value
