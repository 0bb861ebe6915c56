"""Member reads: the batch queries behind the dataloaders, the till's lookup, the staff member list,
and the points-expiry job's candidates.

Every function is one SQL statement whatever the number of keys, so a page of members with their
tags, addresses and points history costs the same few statements for 1 member or 100.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Member, MemberAddress, MemberIdentity, MemberTag, PointsEntry
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int
from domain.accounts.model import Identity

MEMBER_ORDERING = Ordering("members", [SortKey(Member.id, descending=True, parse=parse_int)])  # newest first
POINTS_ORDERING = Ordering("points", [SortKey(PointsEntry.id, descending=True, parse=parse_int)])  # newest first


async def identities_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberIdentity]]:
    rows = (await session.scalars(sa.select(MemberIdentity).where(MemberIdentity.member_id.in_(ids))
                                  .order_by(MemberIdentity.member_id, MemberIdentity.id))).all()
    grouped: dict[int, list[MemberIdentity]] = defaultdict(list)
    for r in rows:
        grouped[r.member_id].append(r)
    return grouped


async def tags_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[str]]:
    rows = await session.execute(sa.select(MemberTag.member_id, MemberTag.tag).where(MemberTag.member_id.in_(ids))
                                 .order_by(MemberTag.member_id, MemberTag.tag))
    grouped: dict[int, list[str]] = defaultdict(list)
    for member_id, tag in rows:
        grouped[member_id].append(tag)
    return grouped


async def addresses_by_member_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[MemberAddress]]:
    """Each member's addresses, the default first, then oldest first."""
    rows = (await session.scalars(sa.select(MemberAddress).where(MemberAddress.member_id.in_(ids)).order_by(
        MemberAddress.member_id, MemberAddress.is_default.desc(), MemberAddress.id))).all()
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
    rows = (await session.execute(sa.select(Member, MemberIdentity.kind, MemberIdentity.value)
                                  .join(MemberIdentity, MemberIdentity.member_id == Member.id)
                                  .where(match, Member.erased_at.is_(None)))).all()
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


async def member_page(session: AsyncSession, page: PageRequest, size: int, *, tag: str | None = None,
                      search: str | None = None) -> Page[Any]:
    return await keyset_page(session, member_statement(tag, search), MEMBER_ORDERING, page, size,
                             lambda r: (r[0].id,))


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """A dataloader key: one page of one member's points history (cursors already decoded)."""

    member_id: int
    size: int
    after_id: int | None = None
    before_id: int | None = None
    backwards: bool = False


async def points_history_pages(session: AsyncSession, keys: Sequence[HistoryPage]) -> dict[HistoryPage, Page[Any]]:
    """Pages of many members' ledgers, newest first: one windowed statement per distinct page shape
    (in practice one: every member in a list is asked for the same page)."""
    shapes: dict[tuple[int, int | None, int | None, bool], list[int]] = defaultdict(list)
    for k in keys:
        shapes[(k.size, k.after_id, k.before_id, k.backwards)].append(k.member_id)
    found: dict[HistoryPage, Page[Any]] = {}
    for (size, after_id, before_id, backwards), member_ids in shapes.items():
        order = PointsEntry.id.asc() if backwards else PointsEntry.id.desc()
        rank = sa.func.row_number().over(partition_by=PointsEntry.member_id, order_by=order).label("entry_rank")
        inner = sa.select(PointsEntry, rank).where(PointsEntry.member_id.in_(member_ids))
        if after_id is not None:
            inner = inner.where(PointsEntry.id < after_id)
        if before_id is not None:
            inner = inner.where(PointsEntry.id > before_id)
        sub = inner.subquery()
        entry = aliased(PointsEntry, sub)
        rows = (await session.scalars(sa.select(entry).where(sub.c.entry_rank <= size + 1)
                                      .order_by(sub.c.member_id, sub.c.entry_rank))).all()
        by_member: dict[int, list[PointsEntry]] = defaultdict(list)
        for r in rows:
            by_member[r.member_id].append(r)
        for member_id in member_ids:
            entries = by_member.get(member_id, [])
            more = len(entries) > size
            entries = entries[:size]
            if backwards:
                entries.reverse()
            found[HistoryPage(member_id, size, after_id, before_id, backwards)] = Page(
                items=entries, cursors=[POINTS_ORDERING.encode([e.id]) for e in entries],
                has_next_page=more if not backwards else before_id is not None,
                has_previous_page=more if backwards else after_id is not None)
    return found


async def points_entry_counts(session: AsyncSession, ids: Sequence[int]) -> dict[int, int]:
    rows = await session.execute(sa.select(PointsEntry.member_id, sa.func.count()).where(
        PointsEntry.member_id.in_(ids)).group_by(PointsEntry.member_id))
    return {member_id: int(n) for member_id, n in rows}


async def members_with_expired_points(session: AsyncSession, now: datetime) -> list[int]:
    """Members holding points who have a credit lot past its expiry: the candidates of the expiry job
    (some may owe nothing, when later debits already used those lots up)."""
    return list((await session.scalars(
        sa.select(Member.id).where(Member.points_balance > 0, sa.exists().where(
            PointsEntry.member_id == Member.id, PointsEntry.delta > 0, PointsEntry.expires_at <= now))
        .order_by(Member.id))).all())
