# workspace: lending/services.py
# ruff: noqa: F821 (names defined by earlier cells of the notebook)
# feedback: Kindred's last copy
# feedback: take_copy
from datetime import timedelta

from lending.clock import Clock
from lending.errors import AlreadyBorrowed, LoanLimitReached, MemberInactive, NoCopyAvailable
from lending.models import Loan


async def borrow_book(
    uow: UnitOfWork, clock: Clock, member_id: int, book_id: int, *, loan_days: int = LOAN_DAYS
) -> Loan:
    """Every rule, one request at a time: reads the member without a lock and the copies
    as they were, then writes back one copy fewer. Two requests at once both pass."""
    async with uow:
        member = await uow.members.get(member_id)
        if member is None:
            raise NotFound("member", member_id)
        if not member.active:
            raise MemberInactive(member_id)
        book = await _book(uow, book_id)
        if await uow.loans.find_open(member_id, book_id) is not None:
            raise AlreadyBorrowed(member_id, book_id)
        if await uow.loans.count_open(member_id) >= member.max_loans:
            raise LoanLimitReached(member_id, member.max_loans)
        if book.copies_available < 1:
            raise NoCopyAvailable(book_id)
        book.copies_available -= 1
        today = clock.today()
        loan = Loan(
            member_id=member_id,
            book_id=book_id,
            borrowed_at=today,
            due_at=today + timedelta(days=loan_days),
        )
        await uow.loans.add(loan)
        await uow.commit()
        return loan
