"""Access and refresh tokens.

Access tokens are short-lived signed JWTs naming the principal (`sub` = `member:42` or
`staff:7`, plus the staff role). Refresh tokens are random opaque strings; only their
SHA-256 is stored. Each refresh rotates the token; presenting an already-used refresh
token revokes its whole family (someone replayed a stolen token).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from domain.access.model import ANONYMOUS, Principal, PrincipalKind, StaffRole, member, staff

ALGORITHM = "HS256"
ISSUER = "omnishop"
CLOCK_LEEWAY = 10  # seconds: servers on several hosts disagree a little about the time


class InvalidToken(Exception):
    """The bearer token is malformed, expired or not signed by us."""


@dataclass(frozen=True, slots=True)
class TokenSettings:
    secret_key: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)


def new_refresh_token() -> str:
    return "rt_" + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Refresh tokens are 256-bit random, so a fast hash is enough to make a leak useless."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_access_token(settings: TokenSettings, principal: Principal, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims: dict[str, object] = {
        "iss": ISSUER,
        "sub": f"{principal.kind.value}:{principal.id}",
        "iat": int(now.timestamp()),
        "exp": int((now + settings.access_ttl).timestamp()),
        "typ": "access",
    }
    if principal.role is not None:
        claims["role"] = principal.role.value
    if principal.location_id is not None:
        claims["loc"] = principal.location_id
    return jwt.encode(claims, settings.secret_key, algorithm=ALGORITHM)


def principal_from_access_token(settings: TokenSettings, token: str) -> Principal:
    try:
        claims = jwt.decode(token, settings.secret_key, algorithms=[ALGORITHM], issuer=ISSUER, leeway=CLOCK_LEEWAY,
                            options={"require": ["exp", "sub", "iss"]})
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None
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


__all__ = ["ANONYMOUS", "InvalidToken", "TokenSettings", "hash_token", "issue_access_token",
           "new_refresh_token", "principal_from_access_token"]
