# workspace: lending/repositories.py
# Another style: rowcount read through cast, and execute(...).scalars().all().
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from lending.models import Book, Reservation
from lending.repositories import SqlRepository
from lending.schemas import ACTIVE_STATUSES, ReservationStatus


class SqlReservationRepository(SqlRepository[Reservation]):
    model = Reservation

    async def find_active(self, member_id: int, book_id: int) -> Reservation | None:
        return await self.session.scalar(
            select(Reservation).where(
                Reservation.member_id == member_id,
                Reservation.book_id == book_id,
                Reservation.status.in_(ACTIVE_STATUSES),
            )
        )

    async def list_for_member(
        self, member_id: int, *, active_only: bool = False
    ) -> list[Reservation]:
        query = select(Reservation).where(Reservation.member_id == member_id)
        if active_only:
            query = query.where(Reservation.status.in_(ACTIVE_STATUSES))
        return list(await self.session.scalars(query.order_by(Reservation.id)))

    async def queue(self, book_id: int) -> list[Reservation]:
        query = (
            select(Reservation)
            .where(Reservation.book_id == book_id, Reservation.status == ReservationStatus.WAITING)
            .order_by(Reservation.reserved_at, Reservation.id)
        )
        return list((await self.session.execute(query)).scalars().all())

    async def lock_queue(self, book_id: int) -> Book | None:
        if self.session.get_bind().dialect.name == "sqlite":
            await self.session.execute(
                update(Book)
                .where(Book.id == book_id)
                .values(copies_available=Book.copies_available)
                .execution_options(synchronize_session=False)
            )
        return await self.session.get(Book, book_id, with_for_update=True, populate_existing=True)

    async def hold_next(self, book_id: int, on: date) -> Reservation | None:
        for reservation in await self.queue(book_id):
            result = await self.session.execute(
                update(Reservation)
                .where(
                    Reservation.id == reservation.id,
                    Reservation.status == ReservationStatus.WAITING,
                )
                .values(status=ReservationStatus.READY, ready_at=on)
                .execution_options(synchronize_session="fetch")
            )
            if cast(CursorResult[Any], result).rowcount:
                return reservation
        return None

    async def change_status(
        self, reservation_id: int, old: ReservationStatus, new: ReservationStatus
    ) -> bool:
        result = await self.session.execute(
            update(Reservation)
            .where(Reservation.id == reservation_id, Reservation.status == old)
            .values(status=new)
            .execution_options(synchronize_session="fetch")
        )
        if cast(CursorResult[Any], result).rowcount > 0:
            return True
        await self.session.get(Reservation, reservation_id, populate_existing=True)
        return False

    ### END SOLUTION
