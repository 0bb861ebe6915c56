"""Stock transfers in transit: implements `domain.inventory.transfers.TransferRepository`, and the
list staff page through."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import StockTransfer
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int
from domain.clock import Clock, system_clock
from domain.inventory.model import TransferStatus
from domain.inventory.transfers import Transfer

TRANSFER_ORDERING = Ordering("transfers", [SortKey(StockTransfer.id, descending=True, parse=parse_int)])


class SqlTransferRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def add(
        self,
        reference: str,
        variant_id: int,
        from_location_id: int,
        to_location_id: int,
        quantity: int,
        staff_id: int | None,
    ) -> int:
        transfer_id = await self.session.scalar(
            sa.insert(StockTransfer)
            .values(
                reference=reference,
                variant_id=variant_id,
                from_location_id=from_location_id,
                to_location_id=to_location_id,
                quantity=quantity,
                status=TransferStatus.IN_TRANSIT,
                sent_by_staff_id=staff_id,
                sent_at=self.clock(),
            )
            .returning(StockTransfer.id)
        )
        assert transfer_id is not None
        return transfer_id

    async def get(self, transfer_id: int) -> Transfer | None:
        row = await self.session.get(StockTransfer, transfer_id)
        return transfer(row) if row is not None else None

    async def mark_received(self, transfer_id: int, received_quantity: int, staff_id: int | None) -> bool:
        done = await self.session.scalar(
            sa.update(StockTransfer)
            .where(StockTransfer.id == transfer_id, StockTransfer.status == TransferStatus.IN_TRANSIT)
            .values(
                status=TransferStatus.RECEIVED,
                received_quantity=received_quantity,
                received_by_staff_id=staff_id,
                received_at=self.clock(),
            )
            .returning(StockTransfer.id)
        )
        return done is not None


def transfer(row: StockTransfer) -> Transfer:
    return Transfer(
        id=row.id,
        reference=row.reference,
        variant_id=row.variant_id,
        from_location_id=row.from_location_id,
        to_location_id=row.to_location_id,
        quantity=row.quantity,
        status=row.status,
        received_quantity=row.received_quantity,
    )


def transfer_statement(location_id: int | None, status: TransferStatus | None) -> sa.Select[Any]:
    """Transfers from or to `location_id` (None: every location), optionally in one status."""
    stmt = sa.select(StockTransfer)
    if location_id is not None:
        stmt = stmt.where(
            sa.or_(StockTransfer.from_location_id == location_id, StockTransfer.to_location_id == location_id)
        )
    if status is not None:
        stmt = stmt.where(StockTransfer.status == status)
    return stmt


async def transfer_page(session: AsyncSession, page: PageRequest, size: int, statement: sa.Select[Any]) -> Page[Any]:
    return await keyset_page(session, statement, TRANSFER_ORDERING, page, size, lambda r: (r[0].id,))
