"""Your code from the course notebooks, assembled by helpers.workspace.

Edit the notebooks, not this file: it is rewritten whenever a workspace cell runs.
"""

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from lending.clock import FixedClock
from lending.db import create_schema, make_engine, make_session_factory
from lending.errors import (
    AlreadyBorrowed,
    BookHasLoans,
    LoanLimitReached,
    MemberInactive,
    NotFound,
)
from lending.schemas import BookCreate
from lending.services import CatalogueService, LendingService, SqlUnitOfWork
from lending.testing import TODAY, Factories, make_isbn

pytestmark = pytest.mark.anyio


class TestCatalogue:
    async def test_a_new_book_has_every_copy_available(
        self, catalogue: CatalogueService, make: Factories
    ) -> None:
        author = await make.author()
        data = BookCreate(
            title="Kindred", isbn=make_isbn(900), year=1979, author_id=author.id, copies_total=3
        )
        book = await catalogue.add_book(data)
        assert (await catalogue.get_book(book.id)).copies_available == 3

    async def test_a_book_never_lent_can_be_removed(
        self, catalogue: CatalogueService, make: Factories
    ) -> None:
        book = await make.book()
        await catalogue.remove_book(book.id)
        with pytest.raises(NotFound):
            await catalogue.get_book(book.id)

    async def test_a_lent_book_cannot_be_removed(
        self, catalogue: CatalogueService, make: Factories
    ) -> None:
        book = await make.book()
        await make.loan(await make.member(), book)
        with pytest.raises(BookHasLoans):
            await catalogue.remove_book(book.id)


class TestLoanLimit:
    """A member may hold at most `max_loans` open loans."""

    @pytest.mark.parametrize("limit", [1, 2, 4])
    async def test_a_member_borrows_up_to_the_limit_and_no_more(
        self, lending: LendingService, make: Factories, limit: int
    ) -> None:
        member = await make.member(max_loans=limit)
        for _ in range(limit):
            await lending.borrow(member.id, (await make.book()).id)
        with pytest.raises(LoanLimitReached):
            await lending.borrow(member.id, (await make.book()).id)

    async def test_a_returned_loan_no_longer_counts(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member(max_loans=1)
        loan = await lending.borrow(member.id, (await make.book()).id)
        await lending.return_loan(loan.id)
        again = await lending.borrow(member.id, (await make.book()).id)
        assert again.returned_at is None

    async def test_other_members_loans_do_not_count(
        self, lending: LendingService, make: Factories
    ) -> None:
        first, second = await make.member(max_loans=1), await make.member(max_loans=1)
        await lending.borrow(first.id, (await make.book()).id)
        loan = await lending.borrow(second.id, (await make.book()).id)
        assert loan.member_id == second.id

    async def test_the_limit_is_checked_before_availability(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, other = await make.member(max_loans=1), await make.member()
        await lending.borrow(member.id, (await make.book()).id)
        taken = await make.book(copies=1)
        await lending.borrow(other.id, taken.id)
        with pytest.raises(LoanLimitReached):
            await lending.borrow(member.id, taken.id)


class TestBooksApi:
    async def test_a_book_is_created_where_its_location_says(
        self, client: httpx.AsyncClient, make: Factories
    ) -> None:
        author = await make.author()
        data = {"title": "Kindred", "isbn": make_isbn(902), "year": 1979, "author_id": author.id}
        response = await client.post("/books", json=data)
        assert response.status_code == 201
        book = response.json()
        assert book["copies_available"] == 1
        assert (await client.get(response.headers["location"])).json() == book

    @pytest.mark.parametrize(
        ("path", "status", "code"),
        [
            ("/books/999", 404, "not_found"),
            ("/books/0", 422, "invalid_request"),
            ("/books/nine", 422, "invalid_request"),
        ],
    )
    async def test_a_wrong_book_path_is_a_problem(
        self, client: httpx.AsyncClient, path: str, status: int, code: str
    ) -> None:
        response = await client.get(path)
        assert response.status_code == status
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["code"] == code


class TestLastCopyRace:
    async def test_exactly_one_of_two_members_gets_the_last_copy(self, tmp_path: Path) -> None:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/race.db")
        try:
            await create_schema(engine)
            factory = make_session_factory(engine)
            make = Factories(factory)
            book, ada, grace = await make.book(copies=1), await make.member(), await make.member()

            def lending() -> LendingService:  # one unit of work, one session, per borrower
                return LendingService(SqlUnitOfWork(factory), FixedClock(TODAY))

            async with asyncio.timeout(10):
                results = await asyncio.gather(
                    lending().borrow(ada.id, book.id),
                    lending().borrow(grace.id, book.id),
                    return_exceptions=True,
                )
            assert sorted(type(result).__name__ for result in results) == [
                "Loan",
                "NoCopyAvailable",
            ]
            stored = await CatalogueService(SqlUnitOfWork(factory)).get_book(book.id)
            assert stored.copies_available == 0
        finally:
            await engine.dispose()


class TestBorrowRules:
    """Inactive members cannot borrow; nobody holds the same book twice at once."""

    async def test_an_inactive_member_cannot_borrow(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member(active=False)
        with pytest.raises(MemberInactive):
            await lending.borrow(member.id, (await make.book()).id)

    async def test_an_inactive_member_with_a_loan_cannot_borrow_more(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member(active=False)
        await make.loan(member, await make.book())
        with pytest.raises(MemberInactive):
            await lending.borrow(member.id, (await make.book()).id)

    async def test_the_same_book_twice_is_refused(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, book = await make.member(), await make.book(copies=2)
        await lending.borrow(member.id, book.id)
        with pytest.raises(AlreadyBorrowed):
            await lending.borrow(member.id, book.id)

    async def test_a_member_may_hold_two_different_books(
        self, lending: LendingService, make: Factories
    ) -> None:
        member = await make.member()
        first = await lending.borrow(member.id, (await make.book()).id)
        second = await lending.borrow(member.id, (await make.book()).id)
        assert first.book_id != second.book_id

    async def test_two_members_may_hold_copies_of_one_book(
        self, lending: LendingService, make: Factories
    ) -> None:
        book = await make.book(copies=2)
        await lending.borrow((await make.member()).id, book.id)
        loan = await lending.borrow((await make.member()).id, book.id)
        assert loan.book_id == book.id

    async def test_a_returned_book_can_be_borrowed_again(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, book = await make.member(), await make.book()
        loan = await lending.borrow(member.id, book.id)
        await lending.return_loan(loan.id)
        again = await lending.borrow(member.id, book.id)
        assert again.id != loan.id

    async def test_the_double_borrow_is_checked_before_the_limit(
        self, lending: LendingService, make: Factories
    ) -> None:
        member, book = await make.member(max_loans=1), await make.book(copies=2)
        await lending.borrow(member.id, book.id)
        with pytest.raises(AlreadyBorrowed):
            await lending.borrow(member.id, book.id)


class TestReturn:
    """Returning a loan closes it today and puts its copy back, once."""

    async def test_a_return_is_dated_today_and_restores_one_copy(
        self,
        lending: LendingService,
        catalogue: CatalogueService,
        make: Factories,
        clock: FixedClock,
    ) -> None:
        book = await make.book(copies=2)
        first = await lending.borrow((await make.member()).id, book.id)
        await lending.borrow((await make.member()).id, book.id)
        clock.advance(days=3)
        returned = await lending.return_loan(first.id)
        assert returned.returned_at == TODAY + timedelta(days=3)
        assert (await lending.get_loan(first.id)).returned_at == TODAY + timedelta(days=3)
        assert (await catalogue.get_book(book.id)).copies_available == 1

    async def test_returning_again_changes_nothing(
        self,
        lending: LendingService,
        catalogue: CatalogueService,
        make: Factories,
        clock: FixedClock,
    ) -> None:
        book = await make.book(copies=2)
        loan = await lending.borrow((await make.member()).id, book.id)
        await lending.borrow((await make.member()).id, book.id)
        await lending.return_loan(loan.id)
        clock.advance(days=2)
        again = await lending.return_loan(loan.id)
        assert again.returned_at == TODAY
        assert (await catalogue.get_book(book.id)).copies_available == 1

    async def test_an_unknown_loan_is_not_found(self, lending: LendingService) -> None:
        with pytest.raises(NotFound):
            await lending.return_loan(999)


class TestMissingMember:
    """An unknown member is a 404 problem on every route that names one."""

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("GET", "/members/999", None),
            ("GET", "/members/999/loans", None),
            ("POST", "/members/999/loans", {"book_id": 1}),
        ],
    )
    async def test_an_unknown_member_is_a_404_problem(
        self, client: httpx.AsyncClient, method: str, path: str, body: dict | None
    ) -> None:
        response = await client.request(method, path, json=body)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["status"] == 404
        assert problem["code"] == "not_found"
        assert problem["type"] == "https://lending.example/problems/not-found"
        assert problem["instance"] == path
        assert "999" in problem["detail"]

    async def test_a_known_member_is_found(
        self, client: httpx.AsyncClient, make: Factories
    ) -> None:
        member = await make.member()
        response = await client.get(f"/members/{member.id}")
        assert response.status_code == 200
        assert response.json()["id"] == member.id


class TestBorrowApi:
    """POST /members/{id}/loans: 201 and a loan due in 14 days, or a problem."""

    async def test_a_borrow_is_created(self, client: httpx.AsyncClient, make: Factories) -> None:
        member, book = await make.member(), await make.book(copies=2)
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.status_code == 201
        loan = response.json()
        assert loan["borrowed_at"] == TODAY.isoformat()
        assert loan["due_at"] == (TODAY + timedelta(days=14)).isoformat()
        assert (await client.get(f"/books/{book.id}")).json()["copies_available"] == 1
        assert (await client.get(f"/loans/{loan['id']}")).status_code == 200

    async def test_the_last_copy_can_be_borrowed(
        self, client: httpx.AsyncClient, make: Factories
    ) -> None:
        member, book = await make.member(), await make.book(copies=1)
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book.id})
        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("case", "status", "code"),
        [
            ("no copy left", 409, "no_copy_available"),
            ("unknown book", 404, "not_found"),
            ("inactive member", 409, "member_inactive"),
        ],
    )
    async def test_a_refused_borrow_is_a_problem(
        self, client: httpx.AsyncClient, make: Factories, case: str, status: int, code: str
    ) -> None:
        member = await make.member(active=case != "inactive member")
        book = await make.book(copies=1)
        if case == "no copy left":
            await make.loan(await make.member(), book)
        book_id = 999 if case == "unknown book" else book.id
        response = await client.post(f"/members/{member.id}/loans", json={"book_id": book_id})
        assert response.status_code == status
        assert response.json()["code"] == code
