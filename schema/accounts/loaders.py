"""The accounts' dataloaders: members, their identities, and staff users."""

from __future__ import annotations

from collections.abc import Sequence

from db.member_queries import identities_by_member_ids
from db.models import Member, MemberIdentity, StaffUser
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class MemberByIdLoader(OptionalLoader[int, Member]):
    fetch = staticmethod(by_id(Member))


class IdentitiesByMemberLoader(BatchLoader[int, Sequence[MemberIdentity]]):
    fetch = staticmethod(identities_by_member_ids)
    missing = ()


class StaffByIdLoader(OptionalLoader[int, StaffUser]):
    fetch = staticmethod(by_id(StaffUser))
