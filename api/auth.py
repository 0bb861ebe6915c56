"""Authentication: the bearer token becomes a principal, once per request.

No token is an anonymous storefront caller. A member or staff token is a signed JWT; its
account is then looked up (one primary-key read; with a read replica, again on the primary when the
replica does not know it yet), so an erased member's or a deactivated staff
user's tokens stop acting at once, and a staff user acts with their current role and store.
An app token (`app_...`) is looked up by its hash; answers are cached for `APP_CACHE_SECONDS`,
so a revoked app stops working within that time. A token that
is present but invalid or expired is an error (UNAUTHENTICATED), never silently anonymous:
the client should refresh it.
"""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncSession

from db.accounts import current_principal
from db.apps import active_app_scopes
from db.replica import look_again_on_primary
from domain.access.model import ANONYMOUS, Principal, app
from domain.accounts.tokens import AccessTokens, InvalidToken, hash_token
from domain.apps.services import is_app_token
from schema.byte_cache import ByteLRU

APP_CACHE_SECONDS = 30.0
APP_CACHE_BYTES = 4 * 1024 * 1024
APP_ENTRY_BYTES = 400  # a token's hash (64 characters) and its principal


class AuthenticationFailed(Exception):
    pass


class Authenticator:
    def __init__(self, tokens: AccessTokens) -> None:
        self.tokens = tokens
        self._apps: ByteLRU[str, tuple[float, Principal | None]] = ByteLRU(APP_CACHE_BYTES)

    async def principal(self, header: str | None, session: AsyncSession) -> Principal:
        if not header:
            return ANONYMOUS
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise AuthenticationFailed("Use `Authorization: Bearer <token>`.")
        if is_app_token(token):
            return await self._app(token, session)
        try:
            claimed = self.tokens.principal(token)
        except InvalidToken:
            raise AuthenticationFailed("The access token is invalid or expired.") from None
        principal = await current_principal(session, claimed)
        if principal is None and await look_again_on_primary(session):  # a replica behind the sign-up
            principal = await current_principal(session, claimed)
        if principal is None:
            raise AuthenticationFailed("The access token is revoked: its account was erased or deactivated.")
        return principal

    async def _app(self, token: str, session: AsyncSession) -> Principal:
        key = hash_token(token)
        now = time.monotonic()
        cached = self._apps.get(key)
        if cached is None or cached[0] < now:
            found = await active_app_scopes(session, key)
            if found is None and await look_again_on_primary(session):
                found = await active_app_scopes(session, key)
            cached = (now + APP_CACHE_SECONDS, app(*found) if found else None)
            self._apps.put(key, cached, APP_ENTRY_BYTES)
        if cached[1] is None:
            raise AuthenticationFailed("The app token is invalid or revoked.")
        return cached[1]
