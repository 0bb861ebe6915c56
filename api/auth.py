"""Authentication: the bearer token becomes a principal, once per request.

No token is an anonymous storefront caller. A token that is present but invalid or expired
is an error (UNAUTHENTICATED), not silently anonymous: the client should refresh it.
"""

from __future__ import annotations

from domain.access.model import ANONYMOUS, Principal
from domain.accounts.tokens import InvalidToken, TokenSettings, principal_from_access_token


class AuthenticationFailed(Exception):
    pass


def principal_from_header(header: str | None, settings: TokenSettings) -> Principal:
    if not header:
        return ANONYMOUS
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationFailed("Use `Authorization: Bearer <token>`.")
    try:
        return principal_from_access_token(settings, token.strip())
    except InvalidToken:
        raise AuthenticationFailed("The access token is invalid or expired.") from None
