"""The data centre's figures computed live from their ledgers rather than the rollups: the points
liability (the members' balances and the points ledger, read through its indexes) and the coupon
campaigns (coupons issued in a period and their redemptions). `SqlReports` (db/reports.py) has them."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Channel, Coupon, Member, Order, OrderLine, PointsEntry
from domain.reports.model import ZERO, CouponFigures, ReportFilter


class LedgerFigures:
    session: AsyncSession
    zone: ZoneInfo

    def _moment(self, day: date) -> datetime:
        """The start of a business day, in UTC."""
        return datetime.combine(day, time(), self.zone).astimezone(UTC)

    async def channel_currency(self, slug: str | None) -> str | None:
        which = Channel.slug == slug if slug is not None else Channel.is_default
        return await self.session.scalar(sa.select(Channel.currency).where(which).limit(1))

    async def points_figures(self, horizon: datetime) -> tuple[int, int]:
        """Points spend oldest first (domain/members/points.py), so what expires by `horizon` is, per
        member, the credits in lots expiring by then less every debit so far, when positive. Only the
        members with such a lot are read (the ledger's expiry index finds them)."""
        outstanding = await self.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Member.points_balance), 0)))
        soon = sa.select(PointsEntry.member_id).where(PointsEntry.delta > 0, PointsEntry.expires_at <= horizon)
        credits = sa.func.sum(
            sa.case((sa.and_(PointsEntry.delta > 0, PointsEntry.expires_at <= horizon), PointsEntry.delta), else_=0)
        )
        debits = sa.func.sum(sa.case((PointsEntry.delta < 0, -PointsEntry.delta), else_=0))
        per_member = (
            sa.select((credits - debits).label("left"))
            .where(PointsEntry.member_id.in_(soon))
            .group_by(PointsEntry.member_id)
            .subquery()
        )
        expiring = await self.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(sa.case((per_member.c.left > 0, per_member.c.left), else_=0)), 0))
        )
        return int(outstanding or 0), int(expiring or 0)

    async def coupon_figures(self, f: ReportFilter) -> list[CouponFigures]:
        start, end = self._moment(f.start), self._moment(f.end + timedelta(days=1))
        in_store = Coupon.redeemed_location_id.is_not(None)
        counted: sa.ColumnElement[bool] = Coupon.redeemed_at.is_not(None)
        if f.channel_ids is not None:  # redemptions of orders in these channels
            counted = sa.and_(counted, Order.channel_id.in_(f.channel_ids))
        if f.location_ids is not None:  # redemptions at these stores' tills
            counted = sa.and_(counted, Coupon.redeemed_location_id.in_(f.location_ids))
        issued = [Coupon.created_at >= start, Coupon.created_at < end]
        rows = (
            await self.session.execute(
                sa.select(
                    Coupon.template_id,
                    sa.func.count(),
                    sa.func.count().filter(counted, sa.not_(in_store)),
                    sa.func.count().filter(counted, in_store),
                )
                .outerjoin(Order, Order.id == Coupon.order_id)
                .where(*issued)
                .group_by(Coupon.template_id)
                .order_by(Coupon.template_id)
            )
        ).all()
        discounts = await self._discounts(issued, counted)
        return [CouponFigures(t, int(n), int(on), int(store), discounts.get(t, ZERO)) for t, n, on, store in rows]

    async def _discounts(
        self, issued: list[sa.ColumnElement[bool]], counted: sa.ColumnElement[bool]
    ) -> dict[int, Decimal]:
        """What the counted redemptions took off their orders' lines (the discounts labelled with the code)."""
        rows = await self.session.execute(
            sa.select(Coupon.template_id, Coupon.code, OrderLine.discounts)
            .join(Order, Order.id == Coupon.order_id)
            .join(OrderLine, OrderLine.order_id == Order.id)
            .where(*issued, counted)
        )
        given: dict[int, Decimal] = defaultdict(Decimal)
        for template_id, code, discounts in rows:
            label = f"Coupon {code}"
            given[template_id] += sum((Decimal(d["amount"]) for d in discounts if d["label"] == label), ZERO)
        return given
