"""Coupon issuing storage: implements `domain.promotions.issuing.StaffIssuing` (and so `CouponIssuing`,
which a member's claim uses too).

The template row is locked first (`FOR UPDATE`; on SQLite the write transaction holds the database
lock already), the quantity is spent with one conditional UPDATE, and the coupons are one
multi-row INSERT ... RETURNING (split only past the drivers' parameter limits).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Coupon, CouponTemplate, Member, MemberTag
from db.promotions import template_of
from domain.promotions.coupons import CouponInfo, TemplateInfo
from domain.promotions.issuing import NewCoupon
from domain.promotions.records import CouponState


class SqlCouponIssuing:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_template(self, template_id: int) -> TemplateInfo | None:
        row = await self.session.scalar(
            sa.select(CouponTemplate)
            .where(CouponTemplate.id == template_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return template_of(row) if row else None

    async def held(self, template_id: int, member_ids: Sequence[int]) -> dict[int, int]:
        rows = await self.session.execute(
            sa.select(Coupon.member_id, sa.func.count())
            .where(Coupon.template_id == template_id, Coupon.member_id.in_(member_ids))
            .group_by(Coupon.member_id)
        )
        return {member_id: int(n) for member_id, n in rows}

    async def take(self, template_id: int, count: int) -> bool:
        t = CouponTemplate
        result = await self.session.execute(
            sa.update(t)
            .where(t.id == template_id, sa.or_(t.total_quantity.is_(None), t.issued_count + count <= t.total_quantity))
            .values(issued_count=t.issued_count + count)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0) == 1)

    async def add_coupons(self, coupons: Sequence[NewCoupon]) -> list[CouponInfo]:
        if not coupons:
            return []
        rows = [
            {
                "code": c.code,
                "template_id": c.template_id,
                "member_id": c.member_id,
                "state": CouponState.ACTIVE,
                "valid_from": c.valid_from,
                "valid_until": c.valid_until,
                "issued_by_staff_id": c.issued_by_staff_id,
            }
            for c in coupons
        ]
        # executemany with RETURNING: SQLAlchemy sends it as multi-row INSERTs ("insertmanyvalues"), in
        # as few statements as the drivers' parameter limits allow (one for a few hundred coupons).
        result = await self.session.execute(sa.insert(Coupon).returning(Coupon.id, Coupon.code), rows)
        ids = {code: coupon_id for coupon_id, code in result}
        return [
            CouponInfo(ids[c.code], c.code, c.template_id, c.member_id, CouponState.ACTIVE, c.valid_from, c.valid_until)
            for c in coupons
        ]

    async def existing_members(self, member_ids: Sequence[int]) -> set[int]:
        return set(
            await self.session.scalars(
                sa.select(Member.id).where(Member.id.in_(member_ids), Member.erased_at.is_(None))
            )
        )

    async def tagged_members(self, tag: str, limit: int) -> list[int]:
        return list(
            await self.session.scalars(
                sa.select(MemberTag.member_id)
                .join(Member, Member.id == MemberTag.member_id)
                .where(MemberTag.tag == tag, Member.erased_at.is_(None))
                .order_by(MemberTag.member_id)
                .limit(limit)
            )
        )
