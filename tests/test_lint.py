"""The tree passes ``make lint``: CI runs ``make test`` only, so the habits are a test.

Each tool runs as ``make lint`` runs it (its configuration is in ``pyproject.toml``),
in its own process, and a failure shows the tool's own report.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tokenize
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from coursetools.layout import ROOT

BIN = Path(sys.executable).parent
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _makefile_list(variable: str) -> list[str]:
    """A list ``make lint`` uses, read from the Makefile so the two cannot drift apart."""
    match = re.search(rf"^{variable}\s*:=\s*(.+)$", MAKEFILE, re.MULTILINE)
    assert match is not None, f"the Makefile sets no {variable}"
    return match[1].split()


LINTED = _makefile_list("LINTED")  # the folders ruff checks
TYPED_CELLS = _makefile_list("TYPED_CELLS")  # the notebooks whose every cell mypy checks


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", *LINTED],
        ["ruff", "format", "--check", *LINTED],
        ["mypy"],
        ["course", "typecheck", "--cells", *TYPED_CELLS],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict", "mypy-strict-notebooks"],
)
def test_make_lint_passes(command: list[str]) -> None:
    done = subprocess.run(
        [str(BIN / command[0]), *command[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
PRAGMA = re.compile(r"#\s*(noqa\b[:\sA-Z0-9,]*|type:\s*ignore\S*)")


def mypy_checked() -> Iterator[Path]:
    """The files ``make lint``'s mypy reads: its ``files``, less its ``exclude``."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    excluded = [re.compile(pattern) for pattern in config["exclude"]]
    for folder in config["files"]:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if not any(p.search(path.relative_to(ROOT).as_posix()) for p in excluded):
                yield path


def unexplained_ignores(source: str) -> list[tuple[int, str]]:
    """Each ``# type: ignore`` with no error code, or with no reason beside or above it.

    A reason is more comment on the same line, or a comment line in the lines above
    it with no blank line between (one comment may explain a few ignores below it).
    """
    lines = source.splitlines()
    found: list[tuple[int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        match = IGNORE.search(token.string) if token.type == tokenize.COMMENT else None
        if match is None:
            continue
        number = token.start[0]
        if not match["codes"]:
            found.append((number, "names no error code"))
        elif not (PRAGMA.sub("", match["rest"]).strip(" #") or _comment_above(lines, number)):
            found.append((number, "says not why"))
    return found


def _comment_above(lines: list[str], number: int) -> bool:
    for line in reversed(lines[: number - 1]):
        text = line.strip()
        if not text:
            return False
        if text.startswith("#") and not IGNORE.search(text):
            return True
    return False


def test_every_type_ignore_names_its_code_and_says_why() -> None:
    wrong = [
        f"{path.relative_to(ROOT)}:{number}: {problem}"
        for path in mypy_checked()
        for number, problem in unexplained_ignores(path.read_text(encoding="utf-8"))
    ]
    assert wrong == [], "a `# type: ignore[code]` needs a reason beside or above it:\n" + "\n".join(
        wrong
    )


@pytest.mark.parametrize(
    ("source", "problems"),
    [
        ("x = f()  # type: ignore\n", [(1, "names no error code")]),
        ("x = f()  # type: ignore[misc]\n", [(1, "says not why")]),
        ("x = f()  # type: ignore[misc]  # noqa: B018\n", [(1, "says not why")]),
        ("# reason\n\nx = f()  # type: ignore[misc]\n", [(3, "says not why")]),
        ("x = f()  # type: ignore[misc]  # wrong on purpose\n", []),
        ("# wrong on purpose\nx = f(\n    1,  # type: ignore[misc]\n)\n", []),
    ],
)
def test_an_ignore_without_code_or_reason_is_found(
    source: str, problems: list[tuple[int, str]]
) -> None:
    assert unexplained_ignores(source) == problems
