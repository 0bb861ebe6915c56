"""Limits on failed sign-ins and on registrations, as the account mutations see them.

The HTTP layer (api/rate_limits.py) puts a `LoginGuard` bound to the client's IP into
`Context.extra[LOGIN_GUARD]`. Each attempt is counted before the password is checked or hashed,
so parallel attempts cannot slip past the limit, and a successful sign-in is not counted.
A refused attempt is an expected failure: a `THROTTLED` user error, and nothing is checked.
"""

from __future__ import annotations

from typing import Protocol

from schema.context import Context
from schema.errors import UserError, UserErrorCode

LOGIN_GUARD = "login_guard"


class LoginGuard(Protocol):
    async def attempt(self, identifier: str) -> int | None:
        """Count an attempt on `identifier`; the seconds to wait when it is over a limit."""

    async def succeeded(self, identifier: str) -> None:
        """Take back the attempt, and forget the identifier's failures."""

    async def registration(self) -> int | None:
        """Count a registration from this address; the seconds to wait when it is over the limit."""


def login_guard(context: Context) -> LoginGuard | None:
    guard: LoginGuard | None = context.extra.get(LOGIN_GUARD)
    return guard


def throttled(retry_after: int, what: str = "failed sign-in attempts") -> list[UserError]:
    return [
        UserError(
            field=None, code=UserErrorCode.THROTTLED, message=f"Too many {what}; try again in {retry_after} seconds."
        )
    ]
