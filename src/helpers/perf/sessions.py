"""Watch which tasks use which sessions: for "one session per task", checked by what ran.

    watch = SessionWatch(engine)
    await workload(watch.factory)      # a session factory like any other
    watch.shared()                     # sessions that more than one task used
    watch.most_at_once()               # the most sessions in use at the same time
    watch.unclosed()                   # sessions still open

A session is *in use* from its first statement until it is closed. Statements are seen
through SQLAlchemy's ``do_orm_execute`` event, which every ``execute``, ``scalar``,
``scalars`` and loading ``get`` of a session passes through.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session


@dataclass
class SessionRecord:
    """What one session did: the tasks that sent its statements, and whether it closed."""

    number: int
    tasks: set[int] = field(default_factory=set)
    statements: int = 0
    closed: bool = False


class SessionWatch:
    """A session factory over ``engine`` whose sessions report their use."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.records: list[SessionRecord] = []
        self._timeline: list[tuple[str, int]] = []  # ("start" | "end", session number)
        watch = self

        class WatchedSyncSession(Session):
            pass

        class WatchedSession(AsyncSession):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                record = SessionRecord(len(watch.records) + 1)
                watch.records.append(record)
                self.sync_session.info["watch.record"] = record

            async def close(self) -> None:
                record: SessionRecord = self.sync_session.info["watch.record"]
                try:
                    await super().close()
                finally:
                    if not record.closed:
                        record.closed = True
                        if record.statements:
                            watch._timeline.append(("end", record.number))

        event.listen(WatchedSyncSession, "do_orm_execute", self._executed)
        self.factory: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine,
            class_=WatchedSession,
            sync_session_class=WatchedSyncSession,
            expire_on_commit=False,
        )

    def _executed(self, state: ORMExecuteState) -> None:
        record: SessionRecord | None = state.session.info.get("watch.record")
        if record is None:
            return
        task = asyncio.current_task()
        record.tasks.add(id(task) if task is not None else 0)
        if record.statements == 0:
            self._timeline.append(("start", record.number))
        record.statements += 1

    @property
    def tasks(self) -> int:
        """How many tasks sent statements through the watched sessions."""
        return len(set().union(*(r.tasks for r in self.records)))

    def shared(self) -> list[SessionRecord]:
        """The sessions whose statements came from more than one task."""
        return [record for record in self.records if len(record.tasks) > 1]

    def unclosed(self) -> list[SessionRecord]:
        return [record for record in self.records if not record.closed]

    def most_at_once(self) -> int:
        """The largest number of sessions in use (first statement to close) at one time."""
        running = most = 0
        for kind, _ in self._timeline:
            running += 1 if kind == "start" else -1
            most = max(most, running)
        return most
