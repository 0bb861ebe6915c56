"""Access tokens as HS256 JWTs: the domain's `AccessTokens`, signed with the server's secret key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from domain.access.model import Principal
from domain.accounts.tokens import ISSUER, InvalidToken, access_claims, principal_from_claims

ALGORITHM = "HS256"
CLOCK_LEEWAY = 10  # seconds: servers on several hosts disagree a little about the time


@dataclass(frozen=True, slots=True)
class JwtTokens:
    secret_key: str
    access_ttl: timedelta = timedelta(minutes=15)
    refresh_ttl: timedelta = timedelta(days=30)

    def issue(self, principal: Principal, now: datetime) -> str:
        return jwt.encode(access_claims(principal, now, self.access_ttl), self.secret_key, algorithm=ALGORITHM)

    def principal(self, token: str) -> Principal:
        try:
            claims = jwt.decode(
                token,
                self.secret_key,
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                leeway=CLOCK_LEEWAY,
                options={"require": ["exp", "sub", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None
        return principal_from_claims(claims)
