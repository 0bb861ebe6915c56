"""Access and refresh tokens.

Access tokens are short-lived signed tokens naming the principal (`sub` = `member:42` or
`staff:7`, plus the staff role and store); which claims they carry and what a verified set of
claims means is decided here, the signing is an adapter's (`AccessTokens`). Refresh tokens are
random opaque strings; only their SHA-256 is stored. Each refresh rotates the token; presenting
an already-used refresh token revokes its whole family (someone replayed a stolen token).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from domain.access.model import ANONYMOUS, Principal, PrincipalKind, StaffRole, member, staff

ISSUER = "omnishop"


class InvalidToken(Exception):
    """The bearer token is malformed, expired or not signed by us."""


class AccessTokens(Protocol):
    """Signs and checks access tokens; `refresh_ttl` is how long a refresh token lives."""

    @property
    def refresh_ttl(self) -> timedelta: ...

    def issue(self, principal: Principal, now: datetime) -> str: ...

    def principal(self, token: str) -> Principal:
        """The principal a valid token names; raises InvalidToken otherwise."""
        ...


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Refresh tokens are 256-bit random, so a fast hash is enough to make a leak useless."""
    return hashlib.sha256(token.encode()).hexdigest()


def access_claims(principal: Principal, now: datetime, ttl: timedelta) -> dict[str, object]:
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": f"{principal.kind.value}:{principal.id}",
        "iat": int(now.timestamp()),
        "exp": int((now + ttl).timestamp()),
        "typ": "access",
    }
    if principal.role is not None:
        claims["role"] = principal.role.value
    if principal.location_id is not None:
        claims["loc"] = principal.location_id
    return claims


def principal_from_claims(claims: Mapping[str, object]) -> Principal:
    """The principal named by claims whose signature, issuer and expiry were checked."""
    if claims.get("typ") != "access":
        raise InvalidToken("not an access token")
    kind, _, raw_id = str(claims["sub"]).partition(":")
    if not (raw_id.isascii() and raw_id.isdigit()):
        raise InvalidToken("bad subject")
    if kind == PrincipalKind.MEMBER.value:
        return member(int(raw_id))
    if kind == PrincipalKind.STAFF.value:
        location = claims.get("loc")
        if location is not None and (not isinstance(location, int) or isinstance(location, bool)):
            raise InvalidToken("bad location")
        try:
            return staff(int(raw_id), StaffRole(claims.get("role")), location)
        except ValueError:
            raise InvalidToken("bad role") from None
    raise InvalidToken("bad subject")


__all__ = [
    "ANONYMOUS",
    "AccessTokens",
    "InvalidToken",
    "access_claims",
    "hash_token",
    "new_refresh_token",
    "principal_from_claims",
]
