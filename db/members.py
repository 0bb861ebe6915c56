"""Member profile storage: implements `domain.members.services.MembersRepository`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.models import Cart, Member, MemberAddress, MemberIdentity, MemberTag, Order, RefreshToken
from db.sql import insert_ignoring_duplicates
from domain.access.model import PrincipalKind
from domain.accounts.model import Identity
from domain.apps.webhooks import WebhookEventType
from domain.clock import Clock, system_clock
from domain.errors import Code, DomainError, input_field
from domain.members.model import AddressData
from domain.members.services import ERASED_NAME


class SqlMembersRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def member_exists(self, member_id: int) -> bool:
        found = await self.session.scalar(
            sa.select(Member.id).where(Member.id == member_id, Member.erased_at.is_(None))
        )
        return found is not None

    async def identity_owner(self, identity: Identity) -> int | None:
        return await self.session.scalar(
            sa.select(MemberIdentity.member_id).where(
                MemberIdentity.kind == identity.kind, MemberIdentity.value == identity.value
            )
        )

    async def add_identity(self, member_id: int, identity: Identity, staff_id: int | None) -> None:
        try:
            async with self.session.begin_nested():
                await self.session.execute(
                    sa.insert(MemberIdentity).values(
                        member_id=member_id,
                        kind=identity.kind,
                        value=identity.value,
                        linked_by_staff_id=staff_id,
                        created_at=self.clock(),
                    )
                )
        except IntegrityError:  # a concurrent link of the same identity won
            raise DomainError(
                Code.IDENTITY_TAKEN, "That identity belongs to another member.", input_field("value")
            ) from None

    async def rename(self, member_id: int, name: str) -> None:
        await self.session.execute(sa.update(Member).where(Member.id == member_id).values(name=name))

    async def add_tags(self, member_id: int, tags: list[str]) -> None:
        now = self.clock()
        rows = [{"member_id": member_id, "tag": t, "created_at": now} for t in tags]
        await insert_ignoring_duplicates(self.session, MemberTag, rows, ["member_id", "tag"])

    async def remove_tags(self, member_id: int, tags: list[str]) -> None:
        await self.session.execute(
            sa.delete(MemberTag).where(MemberTag.member_id == member_id, MemberTag.tag.in_(tags))
        )

    async def address_count(self, member_id: int) -> int:
        return int(
            await self.session.scalar(
                sa.select(sa.func.count()).select_from(MemberAddress).where(MemberAddress.member_id == member_id)
            )
            or 0
        )

    async def address_owner(self, address_id: int) -> int | None:
        return await self.session.scalar(sa.select(MemberAddress.member_id).where(MemberAddress.id == address_id))

    async def save_address(self, member_id: int, address_id: int | None, data: AddressData, is_default: bool) -> int:
        values = {
            "name": data.name,
            "phone": data.phone,
            "line1": data.line1,
            "line2": data.line2,
            "city": data.city,
            "postal_code": data.postal_code,
            "country": data.country,
            "latitude": data.latitude,
            "longitude": data.longitude,
        }
        first = await self.address_count(member_id) == 0
        if is_default or first:
            await self.session.execute(
                sa.update(MemberAddress).where(MemberAddress.member_id == member_id).values(is_default=False)
            )
        if address_id is None:
            result = await self.session.execute(
                sa.insert(MemberAddress)
                .values(member_id=member_id, is_default=is_default or first, created_at=self.clock(), **values)
                .returning(MemberAddress.id)
            )
            return int(result.scalar_one())
        if is_default:
            values["is_default"] = True
        await self.session.execute(sa.update(MemberAddress).where(MemberAddress.id == address_id).values(**values))
        return address_id

    async def delete_address(self, address_id: int) -> None:
        await self.session.execute(sa.delete(MemberAddress).where(MemberAddress.id == address_id))

    async def erase(self, member_id: int, now: datetime) -> None:
        for model in (MemberIdentity, MemberAddress, MemberTag):
            await self.session.execute(sa.delete(model).where(model.member_id == member_id))
        for record in (Order, Cart):  # the recipient, phone, address and coordinates; amounts and lines stay
            await self.session.execute(sa.update(record).where(record.member_id == member_id).values(address=sa.null()))
        await self.session.execute(
            sa.update(RefreshToken)
            .where(
                RefreshToken.subject_kind == PrincipalKind.MEMBER,
                RefreshToken.subject_id == member_id,
                RefreshToken.revoked_at.is_(None),
            )
            .values(revoked_at=now)
        )
        await self.session.execute(
            sa.update(Member).where(Member.id == member_id).values(name=ERASED_NAME, password_hash=None, erased_at=now)
        )
        await webhook_events.announce(self.session, WebhookEventType.MEMBER_ERASED, member_id, now)  # apps erase too
