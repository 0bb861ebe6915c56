"""Member use cases: link identities, tag members, keep addresses, erase on request.

Points live in `points_services`. Reads (lookup at the till, profiles) are queries, not
use cases.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.accounts.model import Identity, IdentityKind, normalize_identity, validate_name
from domain.clock import Timed
from domain.errors import Code, DomainError, input_field
from domain.members.model import AddressData, normalize_tags, validate_address

MAX_ADDRESSES = 20
ERASED_NAME = "Erased member"  # what an erased member is called from then on


class MembersRepository(Protocol):
    async def member_exists(self, member_id: int) -> bool: ...
    async def identity_owner(self, identity: Identity) -> int | None: ...
    async def add_identity(self, member_id: int, identity: Identity, staff_id: int | None) -> None: ...
    async def rename(self, member_id: int, name: str) -> None: ...
    async def add_tags(self, member_id: int, tags: list[str]) -> None: ...
    async def remove_tags(self, member_id: int, tags: list[str]) -> None: ...
    async def address_count(self, member_id: int) -> int: ...
    async def address_owner(self, address_id: int) -> int | None: ...
    async def save_address(
        self, member_id: int, address_id: int | None, data: AddressData, is_default: bool
    ) -> int: ...
    async def delete_address(self, address_id: int) -> None: ...
    async def erase(self, member_id: int, now: datetime) -> None: ...


class MembersUnitOfWork(Timed, Protocol):
    @property
    def members(self) -> MembersRepository: ...


async def _existing(uow: MembersUnitOfWork, member_id: int | None, field: list[str]) -> int:
    if member_id is None or not await uow.members.member_exists(member_id):
        raise DomainError(Code.NOT_FOUND, "No such member.", field)
    return member_id


async def link_identity(
    uow: MembersUnitOfWork,
    *,
    member_id: int | None,
    kind: IdentityKind,
    value: str,
    staff_id: int | None,
    default_region: str,
) -> int:
    """Recognise the member by one more identity (a card handed over at the till, a WeChat
    OpenID). An identity belongs to one member only; linking one the member already has is a
    no-op. `staff_id` records who linked it."""
    identity = normalize_identity(kind, value, default_region, input_field("value"))
    member_id = await _existing(uow, member_id, input_field("memberId"))
    owner = await uow.members.identity_owner(identity)
    if owner == member_id:
        return member_id
    if owner is not None:
        raise DomainError(
            Code.IDENTITY_TAKEN, f"That {kind.value.lower()} belongs to another member.", input_field("value")
        )
    await uow.members.add_identity(member_id, identity, staff_id)
    return member_id


async def update_profile(uow: MembersUnitOfWork, member_id: int | None, *, name: str | None = None) -> int:
    """The member changes their own profile; omitted (None) fields stay as they are."""
    new_name = validate_name(name, input_field("name")) if name is not None else None
    if member_id is None or not await uow.members.member_exists(member_id):
        raise DomainError(Code.NOT_FOUND, "No such member.")
    if new_name is not None:
        await uow.members.rename(member_id, new_name)
    return member_id


async def add_tags(uow: MembersUnitOfWork, member_id: int | None, tags: list[str]) -> int:
    cleaned = normalize_tags(tags)
    member_id = await _existing(uow, member_id, ["id"])
    await uow.members.add_tags(member_id, cleaned)
    return member_id


async def remove_tags(uow: MembersUnitOfWork, member_id: int | None, tags: list[str]) -> int:
    cleaned = normalize_tags(tags)
    member_id = await _existing(uow, member_id, ["id"])
    await uow.members.remove_tags(member_id, cleaned)
    return member_id


async def save_address(
    uow: MembersUnitOfWork,
    *,
    member_id: int,
    address_id: int | None,
    data: AddressData,
    is_default: bool,
    default_region: str,
) -> int:
    """Create (address_id None) or replace one of the member's own addresses."""
    clean = validate_address(data, default_region)
    if address_id is not None:
        if await uow.members.address_owner(address_id) != member_id:
            raise DomainError(Code.NOT_FOUND, "No such address.", ["id"])
    elif await uow.members.address_count(member_id) >= MAX_ADDRESSES:
        raise DomainError(Code.INVALID, f"A member keeps at most {MAX_ADDRESSES} addresses.")
    return await uow.members.save_address(member_id, address_id, clean, is_default)


async def delete_address(uow: MembersUnitOfWork, *, member_id: int, address_id: int | None) -> None:
    if address_id is None or await uow.members.address_owner(address_id) != member_id:
        raise DomainError(Code.NOT_FOUND, "No such address.", ["id"])
    await uow.members.delete_address(address_id)


async def erase_member(uow: MembersUnitOfWork, member_id: int | None, now: datetime | None = None) -> int:
    """Erase personal data on request (PIPL/GDPR): identities, addresses, tags, credentials and
    name go, and so do the delivery addresses on the member's orders and carts; orders (amounts,
    lines) and ledgers stay, tied to an anonymous member. Every token of the member stops acting
    at once: refresh tokens are revoked, and access tokens are checked at use (api/auth.py)."""
    member_id = await _existing(uow, member_id, ["id"])
    await uow.members.erase(member_id, now or uow.clock())
    return member_id
