"""What store managers do to members: tag them for targeted marketing, correct their points."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.members import points_services, services
from domain.members.points_services import PointsPolicy
from schema.accounts.types import Member
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.members.inputs import MemberTagsInput, PointsAdjustInput
from schema.members.mutations import load_member
from schema.permissions import require
from schema.relay import decode_id

MemberId = Annotated[strawberry.ID, strawberry.argument(description="The member.")]
TagsArg = Annotated[MemberTagsInput, strawberry.argument(description="The tags.")]


@strawberry.type(description="Result of `memberTagsAdd`.")
class MemberTagsAddPayload:
    member: Member | None = strawberry.field(description="The member with their tags.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `memberTagsRemove`.")
class MemberTagsRemovePayload:
    member: Member | None = strawberry.field(description="The member with their remaining tags.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `pointsAdjust`.")
class PointsAdjustPayload:
    member: Member | None = strawberry.field(description="The member with their new balance.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class MemberStaffMutation:
    @strawberry.mutation(description="Staff: tag a member (tags the member has already are kept once).")
    async def member_tags_add(self, info: Info, id: MemberId, input: TagsArg) -> MemberTagsAddPayload:
        require(info, Permission.MANAGE_MEMBERS)
        member_id, errors = await run_mutation(
            info, lambda: services.add_tags(info.context.uow, decode_id(id, "Member"), input.tags)
        )
        return MemberTagsAddPayload(member=await load_member(info, member_id), user_errors=errors)

    @strawberry.mutation(description="Staff: remove tags from a member (tags the member does not have are ignored).")
    async def member_tags_remove(self, info: Info, id: MemberId, input: TagsArg) -> MemberTagsRemovePayload:
        require(info, Permission.MANAGE_MEMBERS)
        member_id, errors = await run_mutation(
            info, lambda: services.remove_tags(info.context.uow, decode_id(id, "Member"), input.tags)
        )
        return MemberTagsRemovePayload(member=await load_member(info, member_id), user_errors=errors)

    @strawberry.mutation(
        description="Staff: add points (a bonus, a correction) or deduct them. A deduction that "
        "would take the balance below zero is INSUFFICIENT_POINTS; more than 10,000,000 points at "
        "once, or a balance past 1,000,000,000, is INVALID_QUANTITY. The staff user is recorded "
        "on the ledger entry."
    )
    async def points_adjust(
        self,
        info: Info,
        input: Annotated[
            PointsAdjustInput, strawberry.argument(description="Whose points change, by how much and why.")
        ],
    ) -> PointsAdjustPayload:
        principal = require(info, Permission.MANAGE_MEMBERS)
        ctx = info.context
        member_id = decode_id(input.member_id, "Member")
        _, errors = await run_mutation(
            info,
            lambda: points_services.adjust_points(
                ctx.uow,
                member_id=member_id,
                delta=input.delta,
                reason=input.reason,
                staff_id=principal.staff_id,
                policy=PointsPolicy(ctx.services.points_validity_months),
            ),
        )
        return PointsAdjustPayload(member=None if errors else await load_member(info, member_id), user_errors=errors)
