"""Third-party apps: long-lived, scoped tokens for integrations (ERP, marketing tools, BI).

The token is shown once, when the app is created; only its SHA-256 is stored, so a leaked
database does not leak working tokens. Revoking an app stops its token.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Protocol

from domain.access.model import AppScope
from domain.accounts.tokens import hash_token
from domain.errors import Code, DomainError, input_field, raise_all

APP_TOKEN_PREFIX = "app_"
HINT_LENGTH = 10
NAME_MAX = 100


class AppsRepository(Protocol):
    async def add_app(
        self, name: str, token_hash: str, hint: str, scopes: list[AppScope], staff_id: int | None
    ) -> int: ...
    async def revoke_app(self, app_id: int) -> bool: ...


class AppsUnitOfWork(Protocol):
    @property
    def apps(self) -> AppsRepository: ...


def new_app_token() -> str:
    return APP_TOKEN_PREFIX + secrets.token_urlsafe(32)


def is_app_token(token: str) -> bool:
    return token.startswith(APP_TOKEN_PREFIX)


async def create_app(
    uow: AppsUnitOfWork, *, name: str, scopes: Sequence[AppScope], staff_id: int | None
) -> tuple[int, str]:
    """Register an app; returns its id and its token (the only time the token is shown)."""
    errors = []
    name = name.strip()
    if not name:
        errors.append(DomainError(Code.REQUIRED, "Name the app.", input_field("name")))
    elif len(name) > NAME_MAX:
        errors.append(DomainError(Code.INVALID, f"At most {NAME_MAX} characters.", input_field("name")))
    if not scopes:
        errors.append(DomainError(Code.REQUIRED, "Give the app at least one scope.", input_field("scopes")))
    raise_all(errors)
    token = new_app_token()
    ordered = sorted(set(scopes), key=lambda s: s.value)
    app_id = await uow.apps.add_app(name, hash_token(token), token[:HINT_LENGTH], ordered, staff_id)
    return app_id, token


async def revoke_app(uow: AppsUnitOfWork, app_id: int | None) -> int:
    if app_id is None or not await uow.apps.revoke_app(app_id):
        raise DomainError(Code.NOT_FOUND, "No such active app.", ["id"])
    return app_id
