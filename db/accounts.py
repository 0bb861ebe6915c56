"""Accounts storage: implements `domain.accounts.services.AccountsRepository`."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import webhook_events
from db.models import Member, MemberIdentity, RefreshToken, StaffUser
from domain.access.model import Principal, PrincipalKind, StaffRole, member, staff
from domain.accounts.model import Identity
from domain.accounts.services import Credentials, RefreshGrant
from domain.apps.webhooks import WebhookEventType
from domain.errors import Code, DomainError


def _identity_match(identities: list[Identity]) -> sa.ColumnElement[bool]:
    return sa.or_(*[sa.and_(MemberIdentity.kind == i.kind, MemberIdentity.value == i.value) for i in identities])


async def current_principal(session: AsyncSession, claimed: Principal) -> Principal | None:
    """The member or staff user an access token names, as the database has them now: None once
    the member is erased or the staff user deactivated, and a staff user's current role and store.
    One primary-key lookup, so a token stops acting at once rather than when it expires."""
    if claimed.kind is PrincipalKind.MEMBER:
        found = await session.scalar(sa.select(Member.id).where(Member.id == claimed.id, Member.erased_at.is_(None)))
        return member(found) if found is not None else None
    row = (
        await session.execute(
            sa.select(StaffUser.role, StaffUser.location_id).where(StaffUser.id == claimed.id, StaffUser.is_active)
        )
    ).first()
    return staff(claimed.id, row.role, row.location_id) if row and claimed.id is not None else None


class SqlAccountsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def identities_taken(self, identities: list[Identity]) -> list[Identity]:
        if not identities:
            return []
        rows = await self.session.execute(
            sa.select(MemberIdentity.kind, MemberIdentity.value).where(_identity_match(identities))
        )
        return [Identity(kind, value) for kind, value in rows]

    async def add_member(
        self,
        name: str,
        password_hash: str | None,
        identities: list[Identity],
        joined_channel_id: int | None,
        joined_location_id: int | None = None,
    ) -> int:
        member = Member(
            name=name,
            password_hash=password_hash,
            joined_channel_id=joined_channel_id,
            joined_location_id=joined_location_id,
        )
        self.session.add(member)
        await self.session.flush()
        self.session.add_all([MemberIdentity(member_id=member.id, kind=i.kind, value=i.value) for i in identities])
        try:
            await self.session.flush()
        except IntegrityError:
            # Lost a race with a concurrent registration of the same identity.
            raise DomainError(Code.IDENTITY_TAKEN, "That identity is already registered.") from None
        await webhook_events.announce(self.session, WebhookEventType.MEMBER_CREATED, member.id, member.created_at)
        return member.id

    async def member_credentials(self, identity: Identity) -> Credentials | None:
        row = (
            await self.session.execute(
                sa.select(Member.id, Member.password_hash)
                .join(MemberIdentity, MemberIdentity.member_id == Member.id)
                .where(_identity_match([identity]))
            )
        ).first()
        return Credentials(row.id, row.password_hash) if row else None

    async def staff_credentials(self, email: str) -> Credentials | None:
        return await self._staff(StaffUser.email == email)

    async def staff_access(self, staff_id: int) -> Credentials | None:
        return await self._staff(StaffUser.id == staff_id)

    async def _staff(self, condition: sa.ColumnElement[bool]) -> Credentials | None:
        row = (
            await self.session.execute(
                sa.select(StaffUser.id, StaffUser.password_hash, StaffUser.role, StaffUser.location_id).where(
                    condition, StaffUser.is_active
                )
            )
        ).first()
        return Credentials(row.id, row.password_hash, row.role, row.location_id) if row else None

    async def add_staff(
        self, email: str, name: str, role: StaffRole, password_hash: str, location_id: int | None = None
    ) -> int:
        user = StaffUser(email=email, name=name, role=role, password_hash=password_hash, location_id=location_id)
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            raise DomainError(Code.IDENTITY_TAKEN, "A staff user with that e-mail exists.", ["email"]) from None
        return user.id

    async def add_refresh_token(self, grant: RefreshGrant, token_hash: str, expires_at: datetime) -> None:
        await self.session.execute(
            sa.insert(RefreshToken).values(
                token_hash=token_hash,
                family=grant.family,
                subject_kind=grant.subject_kind,
                subject_id=grant.subject_id,
                expires_at=expires_at,
            )
        )

    async def use_refresh_token(self, token_hash: str, now: datetime) -> RefreshGrant | None:
        # One conditional UPDATE: of two concurrent refreshes with one token, one wins.
        row = (
            await self.session.execute(
                sa.update(RefreshToken)
                .where(
                    RefreshToken.token_hash == token_hash,
                    RefreshToken.used_at.is_(None),
                    RefreshToken.revoked_at.is_(None),
                    RefreshToken.expires_at > now,
                )
                .values(used_at=now)
                .returning(RefreshToken.subject_kind, RefreshToken.subject_id, RefreshToken.family)
            )
        ).first()
        return RefreshGrant(row.subject_kind, row.subject_id, row.family) if row else None

    async def refresh_token_family(self, token_hash: str) -> str | None:
        return await self.session.scalar(sa.select(RefreshToken.family).where(RefreshToken.token_hash == token_hash))

    async def revoke_family(self, family: str, now: datetime) -> None:
        await self.session.execute(
            sa.update(RefreshToken)
            .where(RefreshToken.family == family, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )
