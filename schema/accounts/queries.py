"""Account queries: who am I."""

from __future__ import annotations

import strawberry

from schema.accounts.types import Member, StaffUser, visible_member
from schema.context import Info


@strawberry.type
class AccountQuery:
    @strawberry.field(description="The signed-in member; null for anonymous callers and staff.")
    async def me(self, info: Info) -> Member | None:
        return await visible_member(info, info.context.principal.member_id)

    @strawberry.field(description="The signed-in staff user; null for everyone else.")
    async def staff_me(self, info: Info) -> StaffUser | None:
        staff_id = info.context.principal.staff_id
        if staff_id is None:
            return None
        row = await info.context.loaders.staff_by_id.load(staff_id)
        return StaffUser.from_model(row) if row else None
