"""The member profile's dataloaders: tags, the address book and the points ledger."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import member_queries as mq
from db.models import MemberAddress
from db.pagination import ChildPage, Page
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class TagsByMemberLoader(BatchLoader[int, Sequence[str]]):
    fetch = staticmethod(mq.tags_by_member_ids)
    missing = ()


class AddressesByMemberLoader(BatchLoader[int, Sequence[MemberAddress]]):
    fetch = staticmethod(mq.addresses_by_member_ids)
    missing = ()


class AddressByIdLoader(OptionalLoader[int, MemberAddress]):
    fetch = staticmethod(by_id(MemberAddress))


class PointsPageByMemberLoader(OptionalLoader[ChildPage, Page[Any]]):
    """Key `ChildPage`: one page of one member's ledger."""

    fetch = staticmethod(mq.points_history_pages)


class PointsCountByMemberLoader(BatchLoader[int, int]):
    fetch = staticmethod(mq.points_entry_counts)
    missing = 0
