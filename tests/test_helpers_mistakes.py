"""helpers.mistakes: common mistakes named by what came back, through the checks too."""

from __future__ import annotations

import asyncio
import inspect
import warnings
from collections.abc import AsyncIterator
from typing import Self

import pytest
from pydantic import BaseModel, ConfigDict, model_validator
from sqlalchemy import String, update
from sqlalchemy.exc import MissingGreenlet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.routing import NoMatchFound

from helpers.checks import (
    ExerciseFailure,
    expect_awaited,
    expect_call,
    expect_equal,
    expect_raises,
    expect_true,
    expect_type,
    expect_valid,
)
from helpers.mistakes import (
    Kind,
    SessionWatch,
    in_attribute_error,
    in_error,
    in_lost_work,
    in_value,
    raised,
    watch_sessions,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "member"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))


class MemberRead(BaseModel):
    id: int
    name: str


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    member: MemberRead


async def three() -> int:
    return 3


def failure(check: object) -> list[str]:
    assert isinstance(check, ExerciseFailure)
    return check.lines()


# --- in_value ------------------------------------------------------------------------------------


def test_a_coroutine_is_named_as_not_awaited_and_closed() -> None:
    coroutine = three()
    assert inspect.iscoroutine(coroutine)
    mistake = in_value(coroutine, 3)
    assert mistake is not None and mistake.kind is Kind.NOT_AWAITED
    assert "coroutine of `three()` that was never awaited" in mistake.got
    assert "`await`" in mistake.hint
    assert coroutine.cr_frame is None  # closed: no "never awaited" warning on stderr


async def test_a_gathering_future_is_named_as_not_awaited() -> None:
    future = asyncio.gather(three(), three())
    mistake = in_value(future, [3, 3])
    assert mistake is not None and mistake.kind is Kind.NOT_AWAITED
    assert mistake.got == "an asyncio GatheringFuture that was never awaited"
    await future


def test_none_is_a_missing_return_unless_none_was_expected() -> None:
    mistake = in_value(None, 5)
    assert mistake is not None and mistake.kind is Kind.MISSING_RETURN
    assert "`return" in mistake.hint
    assert in_value(None, None) is None
    assert in_value(None, type(None)) is None


def test_an_orm_object_where_a_schema_belongs() -> None:
    row = Member(id=1, name="Ada")
    for expected in (MemberRead, MemberRead(id=1, name="Ada")):
        mistake = in_value(row, expected)
        assert mistake is not None and mistake.kind is Kind.ORM_NOT_SCHEMA
        assert "ORM object (Member) where a MemberRead schema belongs" in mistake.got
        assert "MemberRead.model_validate(obj)" in mistake.hint
    assert in_value(row, Member) is None  # an ORM object was what was wanted
    assert in_value(5, 6) is None


# --- in_error ------------------------------------------------------------------------------------


def test_errors_of_known_kinds() -> None:
    # A known kind by construction (None would fail the test anyway).
    assert in_error(MissingGreenlet("greenlet_spawn has not been called")).kind is Kind.LAZY_LOAD  # type: ignore[union-attr]
    missing = in_error(NoMatchFound("get_membr", {}))
    assert missing is not None and missing.kind is Kind.NO_SUCH_ROUTE
    assert "looked up by name" in missing.hint
    assert in_error(ValueError("x")) is None
    assert raised(ValueError("x")).kind is Kind.RAISED


def test_a_schema_refusing_an_orm_object_is_named() -> None:
    with pytest.raises(Exception) as caught:
        Strict.model_validate({"member": Member(id=1, name="Ada")})
    mistake = in_error(caught.value)
    assert mistake is not None and mistake.kind is Kind.ORM_NOT_SCHEMA
    assert "from_attributes=True" in mistake.hint


def test_attribute_errors_on_none_and_on_a_coroutine() -> None:
    try:
        # Wrong on purpose: the attribute errors a learner's code raises.
        None.name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert in_attribute_error(exc).kind is Kind.MISSING_RETURN  # type: ignore[union-attr]
    coroutine = three()
    try:
        coroutine.name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert in_attribute_error(exc).kind is Kind.NOT_AWAITED  # type: ignore[union-attr]
    try:
        "text".name  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert in_attribute_error(exc) is None


# --- through the checks --------------------------------------------------------------------------


async def test_expect_equal_names_an_unawaited_gather_not_the_authors_hint() -> None:
    future = asyncio.gather(three())
    with pytest.raises(ExerciseFailure) as caught:
        expect_equal(future, [3], what="the titles", hint="Return a list, in order.")
    lines = failure(caught.value)
    assert "  got:      an asyncio GatheringFuture that was never awaited" in lines
    assert "Return a list" not in "\n".join(lines)
    await future


def test_expect_type_names_a_missing_return() -> None:
    with pytest.raises(ExerciseFailure) as caught:
        expect_type(None, MemberRead, what="the member")
    text = caught.value.render()
    assert "got:      None" in text and "ends with `return" in text


def test_a_none_keeps_the_checks_own_hint_and_adds_the_missing_return() -> None:
    with pytest.raises(ExerciseFailure) as caught:
        expect_equal(None, 5, what="the count", hint="Count the open loans.")
    hint = caught.value.lines()[-1]
    assert hint.startswith("  hint:     Count the open loans. If a function gave this None")


async def test_expect_awaited_refuses_a_plain_function_and_an_unawaited_result() -> None:
    with pytest.raises(ExerciseFailure) as caught:
        # Wrong on purpose: a value where an awaitable belongs.
        await expect_awaited(3, what="x")  # type: ignore[arg-type]
    assert "`async def`" in caught.value.render()

    async def returns_a_coroutine() -> object:
        return three()

    with pytest.raises(ExerciseFailure) as caught:
        await expect_awaited(returns_a_coroutine(), what="x")
    assert "coroutine of `three()` that was never awaited" in caught.value.render()


async def test_expect_awaited_and_expect_call_name_a_lazy_load() -> None:
    async def lazy() -> None:
        raise MissingGreenlet("greenlet_spawn has not been called")

    with pytest.raises(ExerciseFailure) as caught:
        await expect_awaited(lazy(), what="x", hint="unrelated")
    assert "selectinload" in caught.value.render() and "unrelated" not in caught.value.render()

    def renamed() -> None:
        raise NoMatchFound("member", {})

    with pytest.raises(ExerciseFailure) as caught:
        expect_call(renamed, what="x")
    assert "looked up by name" in caught.value.render()
    with pytest.raises(ExerciseFailure) as caught, expect_raises(KeyError, what="x"):
        renamed()
    assert "looked up by name" in caught.value.render()


def test_expect_valid_names_a_model_validator_without_return_self() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # some Pydantic versions warn about the None

        class Range(BaseModel):
            low: int

            @model_validator(mode="after")
            # Wrong on purpose: the learner's validator that forgets ``return self``.
            def check(self) -> Self:  # type: ignore[return]
                self.low  # noqa: B018

    with pytest.raises(ExerciseFailure) as caught:
        expect_valid(Range, {"low": 1}, what="a range")
    assert "`return self`" in caught.value.render()


# --- work flushed and never committed --------------------------------------------------------


@pytest.fixture
async def sessions() -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield async_sessionmaker(engine, expire_on_commit=False)
    finally:
        await engine.dispose()


async def test_a_flush_that_no_commit_kept_is_recorded_as_lost(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with watch_sessions() as watch:
        async with sessions() as session:
            session.add(Member(name="Ada"))
            await session.flush()
        async with sessions() as session:
            session.add(Member(name="Grace"))
            await session.commit()
    assert (watch.lost, watch.commits) == (["a new Member"], 1)


async def test_updates_and_changes_rolled_back_are_lost_and_committed_work_is_not(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        session.add(Member(id=1, name="Ada"))
        await session.commit()
    with watch_sessions() as watch:
        async with sessions() as session, session.begin():
            (await session.get_one(Member, 1)).name = "Ada L."  # committed by begin()
        async with sessions() as session:
            await session.execute(update(Member).values(name="A"))
        async with sessions() as session:
            (await session.get_one(Member, 1)).name = "Ada Lovelace"
            await session.flush()
            await session.rollback()
    assert watch.lost == ["an UPDATE of Member", "a change to Member"]
    assert watch.commits == 1


async def test_the_watch_ends_with_its_block(sessions: async_sessionmaker[AsyncSession]) -> None:
    with watch_sessions() as watch:
        pass
    async with sessions() as session:
        session.add(Member(name="Ada"))
        await session.flush()
    assert watch.lost == [] and in_lost_work(watch) is None


async def test_a_read_back_check_names_work_that_was_never_committed(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with watch_sessions() as watch:
        async with sessions() as session:
            ada = Member(name="Ada")
            session.add(ada)
            await session.flush()
    async with sessions() as session:
        stored = await session.get(Member, ada.id)
    with pytest.raises(ExerciseFailure) as caught:
        expect_true(stored is not None, what="a new session finds Ada", hint="Own.", watch=watch)
    text = caught.value.render()
    assert "flushed but never committed (a new Member)" in text and "Own." in text
    with pytest.raises(ExerciseFailure) as caught:
        expect_equal(stored, ada, what="Ada, read back", watch=watch)
    assert "flushed but never committed" in caught.value.render()
    expect_true(True, what="passes", watch=watch)  # a check that holds says nothing
    with pytest.raises(ExerciseFailure) as caught:
        expect_true(False, what="nothing was lost", watch=SessionWatch(commits=1))
    assert "flushed" not in caught.value.render()


async def test_an_update_that_changed_no_row_lost_nothing(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    with watch_sessions() as watch:
        async with sessions() as session:
            await session.execute(update(Member).where(Member.id == 99).values(name="A"))
    assert watch.lost == []
