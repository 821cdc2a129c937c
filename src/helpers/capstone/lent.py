"""The reference reservation service, lent to notebook 11 while the learner's tests are graded.

The learner's ``TestReservations`` calls the names the notebook's cells defined
(``ReservationService``, ``SqlReservingUnitOfWork``, ...), and those call the answers of
exercises 4 and 5. Graded by mutants, the tests must run against the *correct* service
whatever those answers are, so for the ``with`` block each name is the reference's, loaded
on the learner's package (its errors and models are the ones the tests import), and the
mutants patch the two reference modules this yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType

from helpers.capstone.assembly import NOTEBOOK
from helpers.checkpoint import reference_version

#: What a reservation test reaches through the notebook's names: the use cases, the units of
#: work and the functions they call.
SERVICE_NAMES = (
    "ReservationService",
    "ReservingLendingService",
    "SqlReservingUnitOfWork",
    "reserve_book",
    "cancel_reservation",
    "hand_on_copy",
    "return_book_to_queue",
    "collect_reservation",
)


@contextmanager
def reference_reservations(
    namespace: dict[str, object],
) -> Iterator[tuple[ModuleType, ModuleType]]:
    """Run the block with the reference's reservation service in ``namespace``; yields the
    reference ``services`` and ``repositories`` modules it runs on, for mutants to patch."""
    services = reference_version("services", notebook=NOTEBOOK)
    repositories = reference_version("repositories", notebook=NOTEBOOK)
    vars(services)["SqlReservationRepository"] = repositories.SqlReservationRepository
    lent = {name: getattr(services, name) for name in SERVICE_NAMES}
    lent["SqlReservationRepository"] = repositories.SqlReservationRepository
    saved = {name: namespace[name] for name in lent if name in namespace}
    namespace.update(lent)
    try:
        yield services, repositories
    finally:
        for name in lent:
            if name in saved:
                namespace[name] = saved[name]
            else:
                namespace.pop(name, None)
