"""Points storage: implements `domain.members.points_services.PointsRepository`."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Member, PointsEntry
from domain.clock import Clock, system_clock
from domain.members.points import LedgerEntry, PointsKind
from domain.members.points_services import NewEntry


class SqlPointsRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def lock_balance(self, member_id: int) -> int | None:
        # A no-op UPDATE takes the member's row lock until the transaction ends, so concurrent
        # points changes of one member queue up instead of reading a stale ledger.
        return await self.session.scalar(
            sa.update(Member)
            .where(Member.id == member_id)
            .values(points_balance=Member.points_balance)
            .returning(Member.points_balance)
        )

    async def change_balance(self, member_id: int, delta: int) -> int | None:
        return await self.session.scalar(
            sa.update(Member)
            .where(Member.id == member_id, Member.points_balance + delta >= 0)
            .values(points_balance=Member.points_balance + delta)
            .returning(Member.points_balance)
        )

    async def ledger(self, member_id: int) -> list[LedgerEntry]:
        rows = await self.session.execute(
            sa.select(PointsEntry.delta, PointsEntry.kind, PointsEntry.expires_at)
            .where(PointsEntry.member_id == member_id)
            .order_by(PointsEntry.id)
        )
        return [LedgerEntry(delta, kind, expires_at) for delta, kind, expires_at in rows]

    async def clawed_back(self, member_id: int, reference: str) -> int:
        taken = await self.session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(-PointsEntry.delta), 0)).where(
                PointsEntry.member_id == member_id,
                PointsEntry.kind == PointsKind.CLAWBACK,
                PointsEntry.reference == reference,
            )
        )
        return int(taken or 0)

    async def append(self, member_id: int, entry: NewEntry) -> None:
        await self.session.execute(
            sa.insert(PointsEntry).values(
                member_id=member_id,
                kind=entry.kind,
                delta=entry.delta,
                balance_after=entry.balance_after,
                reason=entry.reason,
                reference=entry.reference,
                channel_id=entry.channel_id,
                staff_id=entry.staff_id,
                expires_at=entry.expires_at,
                created_at=self.clock(),
            )
        )
