"""A sample class: a course folder with released notebooks and synthetic submissions.

For an instructor trying the grader before a real class arrives, and for
``benchmarks/bench_grade.py``. Every student submits every notebook: most are
correct, some carry one wrong answer from ``tests/submissions`` (a different
exercise each), some the hard-coded answers, and the last four are hostile (an
input transformer, a top-level infinite loop, ``os._exit``, a file that is not
JSON). The same student names are used for every notebook.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from coursetools import nbmeta
from coursetools.grading import course as courses
from coursetools.grading.record import quiet_gradebook
from coursetools.layout import NBGRADER_CONFIG, NOTEBOOKS, ROOT, SOLUTIONS, tools_on_path
from coursetools.nbcourse import fill_in, replace_cells

SAMPLES = ROOT / "tests" / "submissions"
TRANSFORMER = "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"
HOSTILE = ("transformer", "infinite-loop", "os-exit", "not-json")
SMALLEST = len(HOSTILE) + 8  # one student of every honest kind, and the hostile ones


def submissions(notebook: str, students: int) -> dict[str, NotebookNode | bytes]:
    """``{student: submission}`` for one notebook (bytes: a file that is not a notebook)."""
    source = nbmeta.read(SOLUTIONS / notebook / f"{notebook}.ipynb")
    solved = fill_in(nbmeta.read(NOTEBOOKS / notebook / f"{notebook}.ipynb"), source)
    answers = [nbmeta.grade_id(c) or "" for c in source.cells if nbmeta.is_solution(c)]
    by_id = {nbmeta.grade_id(c): c.source for c in solved.cells if nbmeta.is_solution(c)}
    samples = SAMPLES / notebook
    wrong = {p.parent.name: p.read_text() for p in sorted(samples.glob("*/wrong.py"))}
    hardcoded = {p.parent.name: p.read_text() for p in samples.glob("*/hardcoded.py")}
    honest = students - len(HOSTILE)
    found: dict[str, NotebookNode | bytes] = {}
    for number in range(honest):
        kind = number % 8
        if kind in (1, 3, 5) and wrong:
            cell = sorted(wrong)[(number // 2) % len(wrong)]
            found[f"s{number + 1:02d}"] = replace_cells(solved, {cell: wrong[cell]})
        elif kind == 7 and hardcoded:
            found[f"s{number + 1:02d}"] = replace_cells(solved, hardcoded)
        else:
            found[f"s{number + 1:02d}"] = solved
    first, middle, last = answers[0], answers[len(answers) // 2], answers[-1]
    found[f"s{honest + 1:02d}-transformer"] = replace_cells(solved, {first: TRANSFORMER})
    found[f"s{honest + 2:02d}-infinite-loop"] = replace_cells(
        solved, {last: by_id[last] + "\n\nwhile True:\n    pass\n"}
    )
    found[f"s{honest + 3:02d}-os-exit"] = replace_cells(
        solved, {middle: by_id[middle] + "\n\nimport os\n\nos._exit(0)\n"}
    )
    found[f"s{honest + 4:02d}-not-json"] = b'{"cells": [{"cell_type": "code", "source": "'
    return found


def build(root: Path, notebooks: list[str], students: int) -> list[str]:
    """Write the course folder at ``root`` (new or empty); returns the student names."""
    if students < SMALLEST:
        raise ValueError(f"a sample class has at least {SMALLEST} students, not {students}")
    return write(root, notebooks, lambda notebook: submissions(notebook, students))


def write(
    root: Path,
    notebooks: list[str],
    class_of: Callable[[str], dict[str, NotebookNode | bytes]],
) -> list[str]:
    """A course folder at ``root`` (new or empty) with ``notebooks`` released and
    ``class_of(notebook)``'s ``{student: submission}`` submitted; the student names."""
    from nbgrader.apps import NbGraderAPI

    unknown = [n for n in notebooks if not (SOLUTIONS / n / f"{n}.ipynb").is_file()]
    if unknown:
        raise ValueError(f"no such notebook in solutions/: {', '.join(unknown)}")
    if root.exists() and not root.is_dir():
        raise ValueError(f"{root} is a file: a sample class needs a folder of its own")
    if root.exists() and any(root.iterdir()):
        raise ValueError(f"{root} is not empty: a sample class needs a folder of its own")
    tools_on_path()
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(NBGRADER_CONFIG, root / "nbgrader_config.py")
    for notebook in notebooks:
        shutil.copytree(SOLUTIONS / notebook, root / "solutions" / notebook)
    coursedir, config = courses.load(root)
    config.Exchange.root = str(root / "exchange")
    api = NbGraderAPI(coursedir=coursedir, config=config)
    names: set[str] = set()
    for notebook in notebooks:
        with quiet_gradebook():
            result = api.generate_assignment(notebook, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(result.get("error"))
        for student, content in class_of(notebook).items():
            path = root / "submitted" / student / notebook / f"{notebook}.ipynb"
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                nbformat.write(content, path)
            names.add(student)
    return sorted(names)
