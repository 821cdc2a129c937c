"""What SQLite does for a query: the plan it chose, and how much work running it took.

Both are deterministic for a given database and SQLite version, unlike wall time:

- :func:`query_plan` is ``EXPLAIN QUERY PLAN``, one line per step (``SCAN books`` reads
  every row; ``SEARCH books USING INDEX ...`` jumps straight to the ones it needs);
- :class:`WorkCounter` counts SQLite's virtual-machine steps while a block runs (through
  SQLite's progress handler), a measure proportional to the rows a query reads.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.sql import ClauseElement

STEPS_PER_TICK = 100
"""SQLite calls the progress handler once per this many virtual-machine instructions."""


async def query_plan(
    connection: AsyncConnection | AsyncSession, statement: ClauseElement
) -> list[str]:
    """SQLite's plan for ``statement``, one string per step, e.g. ``SCAN books``."""
    if isinstance(connection, AsyncSession):
        connection = await connection.connection()
    sql = statement.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True})
    result = await connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
    return [str(row[-1]) for row in result]


def uses_index(plan: list[str], table: str) -> bool:
    """Whether every step of ``plan`` that reads ``table`` searches it instead of scanning."""
    steps = [step for step in plan if f" {table} " in f" {step} " or step.endswith(f" {table}")]
    return bool(steps) and all(step.startswith("SEARCH") for step in steps)


class WorkCounter:
    """Counts SQLite's virtual-machine steps on one connection while the block runs.

    async with WorkCounter(connection) as work:
        await connection.execute(query)
    work.steps      # about proportional to the rows read
    """

    def __init__(self, connection: AsyncConnection | AsyncSession) -> None:
        self.connection = connection
        self.ticks = 0
        self._driver: Any = None

    def _tick(self) -> int:
        self.ticks += 1
        return 0  # 0 lets the statement go on

    async def __aenter__(self) -> Self:
        connection = self.connection
        if isinstance(connection, AsyncSession):
            connection = await connection.connection()
        raw = await connection.get_raw_connection()
        self._driver = raw.driver_connection
        if self._driver is None or not hasattr(self._driver, "set_progress_handler"):
            raise TypeError("WorkCounter measures SQLite (aiosqlite) connections only")
        await self._driver.set_progress_handler(self._tick, STEPS_PER_TICK)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._driver.set_progress_handler(None, STEPS_PER_TICK)

    @property
    def steps(self) -> int:
        """Virtual-machine steps taken, to the nearest :data:`STEPS_PER_TICK` below."""
        return self.ticks * STEPS_PER_TICK
