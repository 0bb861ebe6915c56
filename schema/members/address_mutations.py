"""The signed-in member's address book: add, change and remove delivery addresses.

An address id that is not one of the caller's own addresses is NOT_FOUND, never FORBIDDEN, so
another member's address ids reveal nothing.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.members import services
from schema.accounts.types import Member
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.members.inputs import MemberAddressInput
from schema.members.mutations import load_member
from schema.members.types import MemberAddress, address_for
from schema.permissions import require_member
from schema.relay import key_of

AddressId = Annotated[strawberry.ID, strawberry.argument(description="The address (one of your own).")]
AddressArg = Annotated[MemberAddressInput, strawberry.argument(description="The whole address.")]


@strawberry.type(description="Result of `memberAddressCreate`.")
class MemberAddressCreatePayload:
    address: MemberAddress | None = strawberry.field(description="The new address.")
    member: Member | None = strawberry.field(description="The member, with their address book.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `memberAddressUpdate`.")
class MemberAddressUpdatePayload:
    address: MemberAddress | None = strawberry.field(description="The address after the change.")
    member: Member | None = strawberry.field(description="The member, with their address book.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `memberAddressDelete`.")
class MemberAddressDeletePayload:
    address: MemberAddress | None = strawberry.field(description="The address as it was before it was removed.")
    member: Member | None = strawberry.field(description="The member, with what is left of their address book.")
    user_errors: list[UserError] = user_errors_field()


async def _address(info: Info, address_id: int | None) -> MemberAddress | None:
    row = await info.context.loaders.address_by_id.load(address_id) if address_id is not None else None
    return address_for(info.context.principal, row)


async def _save(
    info: Info, address_id: int | None, input: MemberAddressInput
) -> tuple[MemberAddress | None, Member | None, list[UserError]]:
    """Create (`address_id` None) or replace one of the signed-in member's addresses: what the payload shows."""
    member_id = require_member(info)
    ctx = info.context
    saved, errors = await run_mutation(
        info,
        lambda: services.save_address(
            ctx.uow,
            member_id=member_id,
            address_id=address_id,
            data=input.to_data(),
            is_default=input.is_default,
            default_region=ctx.services.phone_region,
        ),
    )
    return await _address(info, saved), await load_member(info, member_id), errors


@strawberry.type
class MemberAddressMutation:
    @strawberry.mutation(description="Add an address to the signed-in member's address book (at most 20).")
    async def member_address_create(self, info: Info, input: AddressArg) -> MemberAddressCreatePayload:
        address, member, errors = await _save(info, None, input)
        return MemberAddressCreatePayload(address=address, member=member, user_errors=errors)

    @strawberry.mutation(description="Replace one of the signed-in member's addresses.")
    async def member_address_update(self, info: Info, id: AddressId, input: AddressArg) -> MemberAddressUpdatePayload:
        address, member, errors = await _save(info, key_of(id, "MemberAddress"), input)
        return MemberAddressUpdatePayload(address=address, member=member, user_errors=errors)

    @strawberry.mutation(description="Remove one of the signed-in member's addresses.")
    async def member_address_delete(self, info: Info, id: AddressId) -> MemberAddressDeletePayload:
        member_id = require_member(info)
        key = key_of(id, "MemberAddress")
        before = await _address(info, key)
        _, errors = await run_mutation(
            info, lambda: services.delete_address(info.context.uow, member_id=member_id, address_id=key)
        )
        return MemberAddressDeletePayload(
            address=None if errors else before, member=await load_member(info, member_id), user_errors=errors
        )
