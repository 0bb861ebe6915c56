"""Coupon reads for the graph: by code, by id, and a member's coupons page by page (newest first)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Coupon
from db.pagination import ChildPage, Ordering, Page, SortKey, child_counts, newest_child_pages, parse_int

COUPON_ORDERING = Ordering("coupons", [SortKey(Coupon.id, descending=True, parse=parse_int)])


async def coupon_rows_by_codes(session: AsyncSession, codes: Sequence[str]) -> dict[str, Coupon]:
    rows = await session.scalars(
        sa.select(Coupon).where(Coupon.code.in_(codes)), execution_options={"populate_existing": True}
    )
    return {r.code: r for r in rows}


async def member_coupon_pages(session: AsyncSession, keys: Sequence[ChildPage]) -> dict[ChildPage, Page[Any]]:
    return await newest_child_pages(session, Coupon, Coupon.member_id, COUPON_ORDERING, keys)


async def member_coupon_counts(session: AsyncSession, member_ids: Sequence[int]) -> dict[int, int]:
    return await child_counts(session, Coupon.member_id, member_ids)
