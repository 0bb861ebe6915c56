"""Account mutation inputs."""

from __future__ import annotations

import strawberry


@strawberry.input(description="A new member. Give an e-mail, a phone number, or both.")
class MemberRegisterInput:
    email: str | None = strawberry.field(default=None, description="E-mail address (stored lower-case).")
    phone: str | None = strawberry.field(
        default=None, description="Phone number; without a country code the configured default region applies."
    )
    password: str = strawberry.field(description="At least 8 characters, more than digits alone.")
    name: str = strawberry.field(description="The member's name.")
    channel: str | None = strawberry.field(
        default=None,
        description="Slug of the channel the member joins through (for attribution); default channel when omitted.",
    )


@strawberry.input(description="Member sign-in.")
class TokenCreateInput:
    identifier: str = strawberry.field(description="The member's e-mail address or phone number.")
    password: str = strawberry.field(description="The member's password.")


@strawberry.input(description="Staff sign-in.")
class StaffTokenCreateInput:
    email: str = strawberry.field(description="The staff user's e-mail.")
    password: str = strawberry.field(description="The staff user's password.")


@strawberry.input(description="Exchange a refresh token for new tokens.")
class TokenRefreshInput:
    refresh_token: str = strawberry.field(
        description="A refresh token from `tokenCreate` or an earlier refresh. Each one can be used once."
    )


@strawberry.input(description="Sign out: revoke a refresh token and every token rotated from the same sign-in.")
class TokenRevokeInput:
    refresh_token: str = strawberry.field(description="The refresh token to revoke.")
