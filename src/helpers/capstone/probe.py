"""Import an assembled package in a process of its own and report the learner layers that fail.

Run as ``python -m helpers.capstone.probe`` in the package's folder, with a JSON request on
stdin: ``layers`` (every layer, in loading order), ``yours`` (the learner's among them) and
``members`` (layer -> class -> the members the reference's class has). It prints one JSON
line: ``yours`` (learner layer -> why it cannot be used) and ``broken`` (a failure that no
learner layer explains, or null). A process of its own, because importing the learner's
code may fail in any way, and the kernel's ``lending`` must not be touched by a trial.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback
from pathlib import Path
from typing import Any

PACKAGE = "lending"


def has_member(owner: object, name: str) -> bool:
    """Whether a class has ``name``: an attribute, or a field (pydantic, dataclass, annotated)."""
    if hasattr(owner, name):
        return True
    if name in (getattr(owner, "model_fields", None) or {}):
        return True
    if name in (getattr(owner, "__dataclass_fields__", None) or {}):
        return True
    return any(
        name in getattr(base, "__annotations__", {}) for base in getattr(owner, "__mro__", ())
    )


def probe(
    root: Path, layers: list[str], yours: list[str], members: dict[str, Any]
) -> dict[str, Any]:
    failed: dict[str, str] = {}
    files = {(root / PACKAGE / f"{layer}.py").resolve(): layer for layer in yours}
    for layer in layers:
        try:
            importlib.import_module(f"{PACKAGE}.{layer}")
        except BaseException as exc:  # the learner's code may raise anything, SystemExit too
            why = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            frames = traceback.extract_tb(exc.__traceback__)
            blamed = [files[path] for f in frames if (path := Path(f.filename).resolve()) in files]
            if layer in yours:
                failed[layer] = f"yours fails to import ({why})"
            elif blamed:
                failed[blamed[-1]] = f"{PACKAGE}.{layer} fails to import with yours ({why})"
            else:
                return {"yours": failed, "broken": f"{PACKAGE}.{layer}: {why}"}
            return {"yours": failed, "broken": None}
    for layer, classes in members.items():
        module = sys.modules[f"{PACKAGE}.{layer}"]
        for name, wanted in classes.items():
            owner = getattr(module, name, None)
            lacking = [member for member in wanted if not has_member(owner, member)]
            if lacking and layer not in failed:
                shown = ", ".join(f"{name}.{member}" for member in lacking[:3])
                failed[layer] = f"yours lacks {shown}" + (
                    f" and {len(lacking) - 3} more" if len(lacking) > 3 else ""
                )
    return {"yours": failed, "broken": None}


def main() -> None:
    request = json.loads(sys.stdin.read())
    report = probe(Path.cwd(), request["layers"], request["yours"], request["members"])
    sys.stdout.flush()
    print("\n" + json.dumps(report))


if __name__ == "__main__":
    main()
