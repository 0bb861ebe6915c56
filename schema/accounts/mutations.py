"""Account mutations: register, sign in (members and staff), refresh and revoke tokens.

Sign-in attempts are limited per account and per client IP, registrations per client IP
(domain/accounts/limits.py); one operation runs at most one of the mutations that hash or
check a password (schema/accounts/expensive.py)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.channel_queries import DEFAULT_CHANNEL_KEY
from domain.access import model as access
from domain.accounts import limits, services
from domain.errors import Code, DomainError, input_field
from schema.accounts.inputs import (
    MemberRegisterInput,
    StaffTokenCreateInput,
    TokenCreateInput,
    TokenRefreshInput,
    TokenRevokeInput,
)
from schema.accounts.types import Member, StaffUser, visible_member
from schema.context import Info
from schema.errors import UserError, run_mutation, run_prepared_mutation, user_errors_field


@strawberry.type(description="Result of `memberRegister`.")
class MemberRegisterPayload:
    member: Member | None = strawberry.field(description="The new member.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `tokenCreate`.")
class TokenCreatePayload:
    access_token: str | None = strawberry.field(description="Short-lived JWT: send as `Authorization: Bearer`.")
    refresh_token: str | None = strawberry.field(description="Single-use token for `tokenRefresh`.")
    member: Member | None = strawberry.field(description="The signed-in member.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `staffTokenCreate`.")
class StaffTokenCreatePayload:
    access_token: str | None = strawberry.field(description="Short-lived JWT: send as `Authorization: Bearer`.")
    refresh_token: str | None = strawberry.field(description="Single-use token for `tokenRefresh`.")
    staff: StaffUser | None = strawberry.field(description="The signed-in staff user.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `tokenRefresh`.")
class TokenRefreshPayload:
    access_token: str | None = strawberry.field(description="A new access token.")
    refresh_token: str | None = strawberry.field(description="The next refresh token; the one sent is used up.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `tokenRevoke`.")
class TokenRevokePayload:
    revoked: bool = strawberry.field(description="True when the sign-in's tokens are revoked.")
    user_errors: list[UserError] = user_errors_field()


async def _member(info: Info, member_id: int | None) -> Member | None:
    """The member just registered or signed in: the caller has proved to be them."""
    return await visible_member(info, member_id, access.member(member_id)) if member_id is not None else None


async def _sign_in(
    info: Info, attempt: services.SignInAttempt, password: str
) -> tuple[services.IssuedTokens | None, list[UserError]]:
    """Check the password outside the transaction, then issue tokens in it."""
    ctx = info.context
    return await run_prepared_mutation(
        info,
        lambda: services.check_sign_in(ctx.services.hasher, ctx.login_guard, attempt, password),
        lambda who: services.finish_sign_in(ctx.uow, ctx.services.tokens, ctx.login_guard, attempt, who),
    )


@strawberry.type
class AccountMutation:
    @strawberry.mutation(
        description="Register a member with an e-mail and/or phone number and a password. "
        "An identity that is already registered gives IDENTITY_TAKEN. After too many registrations "
        "from one address, further ones give THROTTLED for a while."
    )
    async def member_register(
        self,
        info: Info,
        input: Annotated[MemberRegisterInput, strawberry.argument(description="The new member's details.")],
    ) -> MemberRegisterPayload:
        ctx = info.context

        async def check() -> services.NewMember:
            await limits.count_registration(ctx.login_guard, ctx.principal)
            slug = input.channel or DEFAULT_CHANNEL_KEY
            channel = await ctx.loaders.channel_by_slug.load(slug) if len(slug) <= 100 else None
            if channel is None:
                raise DomainError(Code.NOT_FOUND, "No such channel.", input_field("channel"))
            reg = services.MemberRegistration(
                name=input.name,
                password=input.password,
                email=input.email,
                phone=input.phone,
                joined_channel_id=channel.id,
                registered_by=ctx.principal,
            )
            return await services.prepare_registration(ctx.uow, ctx.services.hasher, reg, ctx.services.phone_region)

        member_id, errors = await run_prepared_mutation(info, check, lambda new: services.add_member(ctx.uow, new))
        return MemberRegisterPayload(member=await _member(info, member_id), user_errors=errors)

    @strawberry.mutation(
        description="Sign a member in with e-mail or phone and password. After too many "
        "failed attempts for one identifier, or from one address, further attempts give "
        "THROTTLED for a while."
    )
    async def token_create(
        self,
        info: Info,
        input: Annotated[TokenCreateInput, strawberry.argument(description="The member's credentials.")],
    ) -> TokenCreatePayload:
        ctx = info.context
        attempt = await services.find_member(ctx.uow, input.identifier, ctx.services.phone_region)
        issued, errors = await _sign_in(info, attempt, input.password)
        if issued is None:
            return TokenCreatePayload(access_token=None, refresh_token=None, member=None, user_errors=errors)
        return TokenCreatePayload(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            member=await _member(info, issued.principal.id),
            user_errors=[],
        )

    @strawberry.mutation(
        description="Sign a staff user in with e-mail and password. After too many failed "
        "attempts for one e-mail, or from one address, further attempts give THROTTLED for "
        "a while."
    )
    async def staff_token_create(
        self,
        info: Info,
        input: Annotated[StaffTokenCreateInput, strawberry.argument(description="The staff user's credentials.")],
    ) -> StaffTokenCreatePayload:
        ctx = info.context
        attempt = await services.find_staff(ctx.uow, input.email, ctx.services.phone_region)
        issued, errors = await _sign_in(info, attempt, input.password)
        if issued is None or issued.principal.id is None:
            return StaffTokenCreatePayload(access_token=None, refresh_token=None, staff=None, user_errors=errors)
        row = await ctx.loaders.staff_by_id.load(issued.principal.id)
        return StaffTokenCreatePayload(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            staff=StaffUser.from_model(row) if row else None,
            user_errors=[],
        )

    @strawberry.mutation(
        description="Exchange a refresh token for a new access token and refresh token. "
        "Reusing a refresh token revokes every token of that sign-in."
    )
    async def token_refresh(
        self, info: Info, input: Annotated[TokenRefreshInput, strawberry.argument(description="The refresh token.")]
    ) -> TokenRefreshPayload:
        ctx = info.context
        issued, errors = await run_mutation(
            info, lambda: services.refresh_tokens(ctx.uow, ctx.services.tokens, input.refresh_token[:200])
        )
        return TokenRefreshPayload(
            access_token=issued.access_token if issued else None,
            refresh_token=issued.refresh_token if issued else None,
            user_errors=errors,
        )

    @strawberry.mutation(description="Sign out: revoke a refresh token and all tokens rotated from it.")
    async def token_revoke(
        self,
        info: Info,
        input: Annotated[TokenRevokeInput, strawberry.argument(description="The refresh token to revoke.")],
    ) -> TokenRevokePayload:
        ctx = info.context
        _, errors = await run_mutation(info, lambda: services.revoke_refresh_token(ctx.uow, input.refresh_token[:200]))
        return TokenRevokePayload(revoked=not errors, user_errors=errors)
