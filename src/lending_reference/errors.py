"""Reference domain errors (notebooks 04, 11): what can go wrong, in the library's words.

Services raise these; they know nothing of HTTP. Notebook 06 maps each to a
status code and one consistent problem-details body; the reservations' errors of
notebook 11 are conflicts, answered 409 with their own stable ``code``.
"""

from __future__ import annotations


class LendingError(Exception):
    """Base of every rule the library enforces; ``code`` is stable for clients."""

    code = "lending_error"


class NotFound(LendingError):
    code = "not_found"

    def __init__(self, entity: str, entity_id: int) -> None:
        self.entity = entity
        self.entity_id = entity_id
        super().__init__(f"{entity} {entity_id} does not exist")


class Conflict(LendingError):
    """The request is well formed but clashes with the current state."""

    code = "conflict"


class EmailAlreadyRegistered(Conflict):
    code = "email_already_registered"

    def __init__(self, email: str) -> None:
        super().__init__("a member with this e-mail address already exists")
        self.email = email


class IsbnAlreadyRegistered(Conflict):
    code = "isbn_already_registered"

    def __init__(self, isbn: str) -> None:
        super().__init__(f"a book with ISBN {isbn} already exists")
        self.isbn = isbn


class MemberInactive(Conflict):
    code = "member_inactive"

    def __init__(self, member_id: int) -> None:
        super().__init__(f"member {member_id} is not active and cannot borrow")
        self.member_id = member_id


class LoanLimitReached(Conflict):
    code = "loan_limit_reached"

    def __init__(self, member_id: int, max_loans: int) -> None:
        super().__init__(f"member {member_id} already has {max_loans} open loans, the maximum")
        self.member_id = member_id
        self.max_loans = max_loans


class AlreadyBorrowed(Conflict):
    code = "already_borrowed"

    def __init__(self, member_id: int, book_id: int) -> None:
        super().__init__(f"member {member_id} already has book {book_id} on loan")
        self.member_id = member_id
        self.book_id = book_id


class NoCopyAvailable(Conflict):
    code = "no_copy_available"

    def __init__(self, book_id: int) -> None:
        super().__init__(f"no copy of book {book_id} is available")
        self.book_id = book_id


class BookHasLoans(Conflict):
    code = "book_has_loans"

    def __init__(self, book_id: int) -> None:
        super().__init__(f"book {book_id} has been lent and cannot be deleted")
        self.book_id = book_id


class LoanClosed(Conflict):
    code = "loan_closed"

    def __init__(self, loan_id: int) -> None:
        super().__init__(f"loan {loan_id} has been returned and cannot be renewed")
        self.loan_id = loan_id


class CopyAvailable(Conflict):
    code = "copy_available"

    def __init__(self, book_id: int) -> None:
        super().__init__(f"a copy of book {book_id} is available: borrow it instead")
        self.book_id = book_id


class AlreadyReserved(Conflict):
    code = "already_reserved"

    def __init__(self, member_id: int, book_id: int) -> None:
        super().__init__(f"member {member_id} already has an active reservation of book {book_id}")
        self.member_id = member_id
        self.book_id = book_id


class ReservationNotReady(Conflict):
    code = "reservation_not_ready"

    def __init__(self, reservation_id: int, status: str) -> None:
        super().__init__(
            f"reservation {reservation_id} is {status}: only a ready one becomes a loan"
        )
        self.reservation_id = reservation_id
        self.status = status


class ReservationClosed(Conflict):
    code = "reservation_closed"

    def __init__(self, reservation_id: int, status: str) -> None:
        super().__init__(f"reservation {reservation_id} is {status} and cannot be cancelled")
        self.reservation_id = reservation_id
        self.status = status
