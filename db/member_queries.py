"""Member reads for the dataloaders: one statement per batch."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MemberIdentity


async def identities_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberIdentity]]:
    rows = (await session.scalars(sa.select(MemberIdentity).where(MemberIdentity.member_id.in_(ids))
                                  .order_by(MemberIdentity.member_id, MemberIdentity.id))).all()
    grouped: dict[int, list[MemberIdentity]] = defaultdict(list)
    for r in rows:
        grouped[r.member_id].append(r)
    return grouped
