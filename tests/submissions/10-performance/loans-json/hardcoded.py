from collections.abc import Sequence
from datetime import date

from pydantic import TypeAdapter

from lending.models import Loan
from lending.schemas import LoanRead

LOAN_LIST = TypeAdapter(list[LoanRead])


def loans_json(loans: Sequence[Loan], as_of: date) -> bytes:
    """The JSON of `list[LoanRead]` for `loans`, overdue as of `as_of`, in one pass."""
    reads = [
        LoanRead(
            id=loan.id,
            member_id=loan.member_id,
            book_id=loan.book_id,
            borrowed_at=loan.borrowed_at,
            due_at=loan.due_at,
            returned_at=loan.returned_at,
            is_overdue=loan.returned_at is None and as_of >= loan.due_at,  # due today counts
        )
        for loan in loans
    ]
    return LOAN_LIST.dump_json(reads)
