"""Named points of a class run where a fault test stops the grader, to kill it there.

Inert unless ``COURSETOOLS_GRADING_STOP_AT`` names a point (``point`` for its
first passage in a process, ``point#N`` for its N-th). The first process to
get there creates ``COURSETOOLS_GRADING_STOP_FILE`` holding its pid, then
waits to be killed (by SIGKILL, or SIGINT as Ctrl-C sends it); a process that
finds the file already there carries on, so a restarted worker is not stopped
again. The kill itself is real: the test kills the real process.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter

POINT, FILE = "COURSETOOLS_GRADING_STOP_AT", "COURSETOOLS_GRADING_STOP_FILE"

# Where a run can be stopped: after a notebook executed (nothing recorded);
# in a worker, while executing; after a student's submission row and files
# (no notebook yet); after a notebook's grades were saved, before its
# autograded copy; after that copy; after the student's gradebook rows were
# committed, before the ledger; after the ledger. Until "stored", the
# student's rows are uncommitted: a kill leaves none of them.
POINTS = ("executed", "executing", "begun", "saved", "written", "stored", "committed")

_passages: Counter[str] = Counter()
_lock = threading.Lock()


def stop(point: str) -> None:
    """Wait here forever if the fault test asked for this passage of ``point``."""
    wanted, path = os.environ.get(POINT), os.environ.get(FILE)
    if not wanted or not path:
        return
    name, _, nth = wanted.partition("#")
    if name != point:
        return
    with _lock:
        _passages[point] += 1
        if _passages[point] != int(nth or 1):
            return
        mine = f"{path}.{os.getpid()}"
        with open(mine, "w") as out:
            out.write(str(os.getpid()))
        try:
            os.link(mine, path)  # appears whole, and only once
        except FileExistsError:
            return
        finally:
            os.unlink(mine)
    while True:
        time.sleep(3600)
