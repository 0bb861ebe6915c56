"""The stock ledger read back: movements newest first, keyset-paged, of one variant and/or location."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InventoryMovement
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int

MOVEMENT_ORDERING = Ordering("movements", [SortKey(InventoryMovement.id, descending=True, parse=parse_int)])


def movement_statement(variant_id: int | None, location_id: int | None) -> sa.Select[Any]:
    stmt = sa.select(InventoryMovement)
    if variant_id is not None:
        stmt = stmt.where(InventoryMovement.variant_id == variant_id)
    if location_id is not None:
        stmt = stmt.where(InventoryMovement.location_id == location_id)
    return stmt


async def movement_page(session: AsyncSession, page: PageRequest, size: int, statement: sa.Select[Any]) -> Page[Any]:
    return await keyset_page(session, statement, MOVEMENT_ORDERING, page, size, lambda r: (r[0].id,))
