"""Member reads: the batch queries behind the dataloaders, the till's lookup, the staff member list,
and the points-expiry job's candidates.

Every function is one SQL statement whatever the number of keys, so a page of members with their
tags, addresses and points history costs the same few statements for 1 member or 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Member, MemberAddress, MemberIdentity, MemberTag, PointsEntry
from db.pagination import (
    ChildPage,
    Ordering,
    Page,
    PageRequest,
    SortKey,
    child_counts,
    keyset_page,
    newest_child_pages,
    parse_int,
)
from domain.accounts.model import Identity

MEMBER_ORDERING = Ordering("members", [SortKey(Member.id, descending=True, parse=parse_int)])  # newest first
POINTS_ORDERING = Ordering("points", [SortKey(PointsEntry.id, descending=True, parse=parse_int)])  # newest first


async def identities_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberIdentity]]:
    rows = (
        await session.scalars(
            sa.select(MemberIdentity)
            .where(MemberIdentity.member_id.in_(ids))
            .order_by(MemberIdentity.member_id, MemberIdentity.id)
        )
    ).all()
    grouped: dict[int, list[MemberIdentity]] = defaultdict(list)
    for r in rows:
        grouped[r.member_id].append(r)
    return grouped


async def tags_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await session.execute(
        sa.select(MemberTag.member_id, MemberTag.tag)
        .where(MemberTag.member_id.in_(ids))
        .order_by(MemberTag.member_id, MemberTag.tag)
    )
    grouped: dict[int, list[str]] = defaultdict(list)
    for member_id, tag in rows:
        grouped[member_id].append(tag)
    return grouped


async def addresses_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberAddress]]:
    """Each member's addresses, the default first, then oldest first."""
    rows = (
        await session.scalars(
            sa.select(MemberAddress)
            .where(MemberAddress.member_id.in_(ids))
            .order_by(MemberAddress.member_id, MemberAddress.is_default.desc(), MemberAddress.id)
        )
    ).all()
    grouped: dict[int, list[MemberAddress]] = defaultdict(list)
    for r in rows:
        grouped[r.member_id].append(r)
    return grouped


async def member_by_identities(session: AsyncSession, candidates: Sequence[Identity]) -> Member | None:
    """The member one of `candidates` belongs to (one statement); the earliest candidate wins when
    several match different members."""
    if not candidates:
        return None
    match = sa.or_(*[sa.and_(MemberIdentity.kind == c.kind, MemberIdentity.value == c.value) for c in candidates])
    rows = (
        await session.execute(
            sa.select(Member, MemberIdentity.kind, MemberIdentity.value)
            .join(MemberIdentity, MemberIdentity.member_id == Member.id)
            .where(match, Member.erased_at.is_(None))
        )
    ).all()
    rank = {(c.kind, c.value): i for i, c in enumerate(candidates)}
    best = min(rows, key=lambda r: rank[(r.kind, r.value)], default=None)
    return best[0] if best is not None else None


def member_statement(tag: str | None = None, search: str | None = None) -> sa.Select[Any]:
    """Members who are not erased, optionally with a tag and a name containing `search` (any case)."""
    stmt = sa.select(Member).where(Member.erased_at.is_(None))
    if tag is not None:
        stmt = stmt.where(Member.id.in_(sa.select(MemberTag.member_id).where(MemberTag.tag == tag)))
    if search:
        stmt = stmt.where(sa.func.lower(Member.name).contains(search.strip().lower(), autoescape=True))
    return stmt


async def member_page(
    session: AsyncSession, page: PageRequest, size: int, *, tag: str | None = None, search: str | None = None
) -> Page[Any]:
    return await keyset_page(session, member_statement(tag, search), MEMBER_ORDERING, page, size, lambda r: (r[0].id,))


async def points_history_pages(session: AsyncSession, keys: Sequence[ChildPage]) -> dict[ChildPage, Page[Any]]:
    """Pages of many members' ledgers, newest first, in one statement."""
    return await newest_child_pages(session, PointsEntry, PointsEntry.member_id, POINTS_ORDERING, keys)


async def points_entry_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    return await child_counts(session, PointsEntry.member_id, ids)


async def members_with_expired_points(session: AsyncSession, now: datetime) -> list[int]:
    """Members holding points who have a credit lot past its expiry: the candidates of the expiry job
    (some may owe nothing, when later debits already used those lots up)."""
    return list(
        (
            await session.scalars(
                sa.select(Member.id)
                .where(
                    Member.points_balance > 0,
                    sa.exists().where(
                        PointsEntry.member_id == Member.id, PointsEntry.delta > 0, PointsEntry.expires_at <= now
                    ),
                )
                .order_by(Member.id)
            )
        ).all()
    )
