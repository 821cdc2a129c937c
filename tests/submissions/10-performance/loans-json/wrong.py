from collections.abc import Sequence
from datetime import date

from pydantic import TypeAdapter

from lending.models import Loan
from lending.schemas import LoanRead


def loans_json(loans: Sequence[Loan], as_of: date) -> bytes:
    """The JSON of `list[LoanRead]` for `loans`, overdue as of `as_of`, in one pass."""
    adapter = TypeAdapter(list[LoanRead])  # built again on every call
    return adapter.dump_json([LoanRead.from_loan(loan, as_of=as_of) for loan in loans])
