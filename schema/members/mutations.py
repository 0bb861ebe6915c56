"""Member self-service mutations: link an identity, change the profile, erase the account.

A member acts on themselves; staff selling in store may link an identity for a member at
the till (the link records who did it), and admins may erase any member on request.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.accounts.model import IdentityKind
from domain.members import services
from schema.accounts.types import Member, visible_member
from schema.context import Info
from schema.errors import ErrorCode, UserError, coded_error, run_mutation, user_errors_field
from schema.members.inputs import MemberIdentityLinkInput, MemberUpdateInput
from schema.permissions import require, require_member
from schema.relay import decode_id, key_of


async def load_member(info: Info, member_id: int | None) -> Member | None:
    """The member as stored after the mutation (mutations clear the loaders)."""
    return await visible_member(info, member_id)


@strawberry.type(description="Result of `memberIdentityLink`.")
class MemberIdentityLinkPayload:
    member: Member | None = strawberry.field(description="The member, with the identity linked.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `memberUpdate`.")
class MemberUpdatePayload:
    member: Member | None = strawberry.field(description="The member after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `memberErase`.")
class MemberErasePayload:
    erased: bool = strawberry.field(description="True when the member's personal data is gone.")
    user_errors: list[UserError] = user_errors_field()


def _link_target(info: Info, member_gid: strawberry.ID | None) -> tuple[int | None, int | None]:
    """(member id, staff id): members link to themselves; staff selling in store for a given member."""
    principal = info.context.principal
    if principal.member_id is not None:
        if member_gid is not None and decode_id(member_gid, "Member") != principal.member_id:
            raise coded_error("Members can link identities only to themselves.", ErrorCode.FORBIDDEN)
        return principal.member_id, None
    staff = require(info, Permission.SELL_IN_STORE)
    return decode_id(member_gid, "Member") if member_gid is not None else None, staff.staff_id


def _erase_target(info: Info, member_gid: strawberry.ID | None) -> int:
    if member_gid is None:
        return require_member(info)
    member_id = key_of(member_gid, "Member")
    if member_id != info.context.principal.member_id:
        require(info, Permission.ERASE_MEMBERS)
    return member_id


@strawberry.type
class MemberMutation:
    @strawberry.mutation(
        description="Recognise a member by one more identity (a member card handed over at the "
        "till, a WeChat OpenID). A member links to themselves; staff selling in store link for a "
        "given member. IDENTITY_TAKEN when another member has it; linking one the member already "
        "has changes nothing."
    )
    async def member_identity_link(
        self,
        info: Info,
        input: Annotated[
            MemberIdentityLinkInput, strawberry.argument(description="The identity and, for staff, the member.")
        ],
    ) -> MemberIdentityLinkPayload:
        member_id, staff_id = _link_target(info, input.member_id)
        ctx = info.context
        linked, errors = await run_mutation(
            info,
            lambda: services.link_identity(
                ctx.uow,
                member_id=member_id,
                kind=IdentityKind(input.kind.value),
                value=input.value,
                staff_id=staff_id,
                default_region=ctx.services.phone_region,
            ),
        )
        return MemberIdentityLinkPayload(member=await load_member(info, linked), user_errors=errors)

    @strawberry.mutation(description="The signed-in member changes their own profile.")
    async def member_update(
        self, info: Info, input: Annotated[MemberUpdateInput, strawberry.argument(description="What changes.")]
    ) -> MemberUpdatePayload:
        member_id = require_member(info)
        updated, errors = await run_mutation(
            info, lambda: services.update_profile(info.context.uow, member_id, name=input.name)
        )
        return MemberUpdatePayload(member=await load_member(info, updated), user_errors=errors)

    @strawberry.mutation(
        description="Erase a member's personal data on request (PIPL/GDPR): identities, "
        "addresses, tags, password and name go, so nobody can sign in as or look up the member "
        "again; orders and the points ledger stay, anonymised. The signed-in member erases "
        "themselves (omit `id`); admins erase any member."
    )
    async def member_erase(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="The member to erase; omit to erase yourself.")
        ] = None,
    ) -> MemberErasePayload:
        member_id = _erase_target(info, id)
        _, errors = await run_mutation(info, lambda: services.erase_member(info.context.uow, member_id))
        return MemberErasePayload(erased=not errors, user_errors=errors)
