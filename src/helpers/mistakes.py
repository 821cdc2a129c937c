"""Common mistakes, recognised by what came back, whatever the exercise.

A check knows what it expected; when the value or exception it got instead is
one of a few classes of mistake (a coroutine nobody awaited, the ``None`` of a
missing ``return``, an ORM object where a schema belongs, a lazy load outside
``await``, ...), the failure names that mistake and gives its fix, rather than
the hint the author wrote for another one. Recognition is by type and
structure, never by the wording of a message.

Work that was flushed but never committed leaves no trace in a value: the object
has its id, and only a fresh session finds it gone. :func:`watch_sessions` records,
while a check runs the learner's code, each transaction that flushed work and ended
without a commit; a check that reads the work back passes the record as ``watch=``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from weakref import WeakKeyDictionary

from pydantic import BaseModel, ValidationError


class Kind(StrEnum):
    NOT_AWAITED = "not awaited"
    MISSING_RETURN = "missing return"
    ORM_NOT_SCHEMA = "ORM object where a schema belongs"
    LAZY_LOAD = "lazy load outside await"
    DETACHED = "detached object"
    NO_SUCH_ROUTE = "no route of that name"
    NOT_COMMITTED = "flushed, never committed"
    RAISED = "an exception instead of a value"


@dataclass(frozen=True)
class Mistake:
    """A recognised mistake: what came back, in words, and how to fix it."""

    kind: Kind
    got: str
    hint: str
    certain: bool = True
    """Whether the value proves the mistake; if not (a None may come from a missing
    ``return`` or from a lookup that found nothing), the check's own hint is kept and
    this one is added to it."""


def in_value(value: object, expected: object = None) -> Mistake | None:
    """The mistake ``value`` shows when ``expected`` (a value or a class) was wanted."""
    if inspect.isawaitable(value):
        return _not_awaited(value)
    if value is None and expected is not None and not _is_none_type(expected):
        return Mistake(
            Kind.MISSING_RETURN,
            "None",
            "If a function gave this None, check that it ends with `return <the result>`"
            " (a lookup that finds nothing gives None too).",
            certain=False,
        )
    if _is_orm(value) and _wants_schema(expected):
        schema = expected if isinstance(expected, type) else type(expected)
        name = schema.__name__
        return Mistake(
            Kind.ORM_NOT_SCHEMA,
            f"an ORM object ({type(value).__name__}) where a {name} schema belongs",
            f"Turn the row into the schema: `{name}.model_validate(obj)`, with "
            "`from_attributes=True` in the schema's model_config.",
        )
    return None


def in_error(error: BaseException) -> Mistake | None:
    """The mistake an exception shows, if it is one of the recognised kinds."""
    from sqlalchemy.exc import MissingGreenlet, StatementError
    from sqlalchemy.orm.exc import DetachedInstanceError
    from starlette.routing import NoMatchFound

    if isinstance(error, StatementError) and isinstance(error.orig, MissingGreenlet):
        error = error.orig  # raised while running a statement: the lazy load's query
    if isinstance(error, MissingGreenlet):
        return Mistake(
            Kind.LAZY_LOAD,
            "MissingGreenlet: an attribute was loaded lazily, outside `await`",
            "Async SQLAlchemy cannot load on attribute access. Load relationships in the query "
            "(`selectinload(...)`) or `await session.refresh(obj, [...])`; attributes expired "
            "by `commit()` reload lazily too, so the session factory sets "
            "`expire_on_commit=False`.",
        )
    if isinstance(error, DetachedInstanceError):
        return Mistake(
            Kind.DETACHED,
            f"DetachedInstanceError: {error}",
            "The object's session has closed and the attribute was never loaded: load what "
            "you need while the session is open.",
        )
    if isinstance(error, NoMatchFound):
        return Mistake(
            Kind.NO_SUCH_ROUTE,
            f"NoMatchFound: {error}",
            "Routes are looked up by name: the route function's name, unless `name=` is "
            "given. Name the function (or `name=`) exactly as the task says.",
        )
    if isinstance(error, AttributeError):
        return in_attribute_error(error)
    orm_input = _orm_input(error)
    if orm_input is not None:
        return Mistake(
            Kind.ORM_NOT_SCHEMA,
            f"{type(error).__name__}: an ORM object ({type(orm_input).__name__}) was given "
            "where a schema belongs",
            "Give the schema `from_attributes=True` in its model_config, or build the schema "
            "with `Schema.model_validate(obj)` before returning it.",
        )
    return None


def in_attribute_error(error: AttributeError) -> Mistake | None:
    """An attribute read from None or from an un-awaited coroutine: the mistake behind it."""
    obj = getattr(error, "obj", object())
    if obj is None:
        return Mistake(
            Kind.MISSING_RETURN,
            f"None, where an object with `.{error.name}` was expected",
            "A function that ends without `return` gives None (a `model_validator` must "
            "`return self`); a lookup that finds nothing gives None too.",
            certain=False,
        )
    if inspect.isawaitable(obj):
        return _not_awaited(obj)
    return None


def raised(error: BaseException) -> Mistake:
    """An exception where a value was expected: the recognised kind, or the exception itself."""
    return in_error(error) or Mistake(
        Kind.RAISED, f"{type(error).__name__} raised instead of a result: {error}", ""
    )


def _not_awaited(value: object) -> Mistake:
    if inspect.iscoroutine(value):
        name = getattr(value, "__qualname__", "a coroutine function")
        value.close()  # never run: closing it stops Python warning that it was never awaited
        what = f"a coroutine of `{name}()` that was never awaited"
    elif isinstance(value, asyncio.Future):
        what = f"an asyncio {type(value).__name__.lstrip('_')} that was never awaited"
    else:
        what = f"an awaitable {type(value).__name__} that was never awaited"
    return Mistake(
        Kind.NOT_AWAITED,
        what,
        "Calling an `async def` function only creates a coroutine: put `await` before the "
        "call (and before `asyncio.gather(...)`) to get its result.",
    )


def _is_none_type(expected: object) -> bool:
    return expected is type(None)


def _is_orm(value: object) -> bool:
    return hasattr(type(value), "__mapper__") and hasattr(value, "_sa_instance_state")


def _wants_schema(expected: object) -> bool:
    if isinstance(expected, type):
        return issubclass(expected, BaseModel)
    return isinstance(expected, BaseModel)


def _orm_input(error: BaseException) -> object | None:
    """An ORM object that a schema refused, from a (response) validation error's details."""
    from fastapi.exceptions import ResponseValidationError

    if not isinstance(error, ValidationError | ResponseValidationError):
        return None
    for item in error.errors():
        found = item.get("input") if isinstance(item, dict) else None
        if _is_orm(found):
            return found
    return None


@dataclass
class SessionWatch:
    """What the SQLAlchemy sessions did while watched (:func:`watch_sessions`)."""

    commits: int = 0
    lost: list[str] = field(default_factory=list)
    """The work of each transaction that flushed and then ended without a commit
    ("a new Member", "an UPDATE of Loan"), in order."""


@contextmanager
def watch_sessions() -> Iterator[SessionWatch]:
    """Record, for every session in the block, flushed work that no commit kept.

    A session's work is what its flushes sent (new, changed and deleted objects) and the
    rows its ORM ``UPDATE``/``DELETE`` statements changed; when its outermost transaction
    ends without a commit (the ``async with`` block closed it, or a rollback), that work is lost.
    """
    from sqlalchemy import event
    from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction, UOWTransaction

    watch = SessionWatch()
    pending: WeakKeyDictionary[Session, list[str]] = WeakKeyDictionary()

    def flushed(session: Session, context: UOWTransaction) -> None:
        work = pending.setdefault(session, [])
        work += [f"a new {type(obj).__name__}" for obj in session.new]
        work += [f"a change to {type(obj).__name__}" for obj in session.dirty]
        work += [f"a deleted {type(obj).__name__}" for obj in session.deleted]

    def executed(state: ORMExecuteState) -> Any:
        if not (state.is_update or state.is_delete):
            return None  # the statement runs as usual
        result = state.invoke_statement()  # run it here, to see the rows it changed
        if getattr(result, "rowcount", 0):  # an UPDATE that matched no row lost nothing
            verb = "an UPDATE" if state.is_update else "a DELETE"
            target = state.bind_mapper.class_.__name__ if state.bind_mapper else "a table"
            pending.setdefault(state.session, []).append(f"{verb} of {target}")
        return result

    def committed(session: Session) -> None:
        watch.commits += 1
        pending.pop(session, None)

    def ended(session: Session, transaction: SessionTransaction) -> None:
        if transaction.parent is None and not transaction.nested:
            watch.lost.extend(dict.fromkeys(pending.pop(session, [])))

    hooks: list[tuple[str, Any]] = [
        ("after_flush", flushed),
        ("do_orm_execute", executed),
        ("after_commit", committed),
        ("after_transaction_end", ended),
    ]
    for name, hook in hooks:
        event.listen(Session, name, hook)
    try:
        yield watch
    finally:
        for name, hook in hooks:
            event.remove(Session, name, hook)


def in_lost_work(watch: SessionWatch) -> Mistake | None:
    """Flushed work that was rolled back, when a check that reads it back failed."""
    if not watch.lost:
        return None
    work = ", ".join(watch.lost[:3]) + (", ..." if len(watch.lost) > 3 else "")
    return Mistake(
        Kind.NOT_COMMITTED,
        f"work that was flushed but never committed ({work}): it was rolled back when its "
        "session ended, so a new session does not find it",
        "A flush (and a repository's `add`) only sends SQL inside the open transaction, and "
        "an object that has its id is not yet saved: commit inside the `async with` block, "
        "before returning.",
        certain=False,
    )
