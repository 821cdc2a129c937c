"""Watch the SQL an engine sends: for showing lazy loads, N+1 queries and their fixes.

    with QueryLog(engine) as log:
        await repository.list()
    log.show()        # prints each statement, numbered, on stdout
    log.count         # how many statements were sent

Statements go to stdout (not through logging, which writes to stderr and
would fail an nbgrader test cell), and parameters are left out so that
printed output is the same on every run.
"""

from __future__ import annotations

import re
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_SPACES = re.compile(r"\s+")


class QueryLog:
    """Records every statement ``engine`` executes while the ``with`` block runs.

    ``engine`` may be what a session is bound to (``session.bind``): an engine or one
    of its connections, the statements of the whole engine are recorded either way.
    """

    def __init__(self, engine: AsyncEngine | AsyncConnection | None) -> None:
        if engine is None:
            raise TypeError("QueryLog needs an engine: this session is bound to none")
        self.engine = engine.sync_engine
        self.statements: list[str] = []

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(_SPACES.sub(" ", statement).strip())

    def __enter__(self) -> Self:
        event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)

    @property
    def count(self) -> int:
        return len(self.statements)

    def show(self, width: int = 100) -> None:
        """Print the statements, numbered, each cut to ``width`` characters."""
        for number, statement in enumerate(self.statements, start=1):
            text = statement if len(statement) <= width else statement[: width - 1] + "…"
            print(f"{number:>3}. {text}")
        print(f"{self.count} statement(s)")
