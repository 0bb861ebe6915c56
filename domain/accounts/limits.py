"""Limits on sign-in attempts and registrations, as the account use cases see them.

The transport implements `LoginGuard` (api/rate_limits.py, bound to the client's IP) and the
request passes it in; without one nothing is limited. A sign-in attempt is counted before the
password is checked, so parallel guesses cannot slip past the limit, and a successful sign-in
takes its attempt back. A refused attempt is an expected failure: THROTTLED, and nothing is checked.
"""

from __future__ import annotations

from typing import Protocol

from domain.access.model import Principal
from domain.errors import Code, DomainError


class LoginGuard(Protocol):
    async def attempt(self, identifier: str) -> int | None:
        """Count an attempt on `identifier`; the seconds to wait when it is over a limit."""

    async def succeeded(self, identifier: str) -> None:
        """Take back the attempt, and forget the identifier's failures."""

    async def registration(self) -> int | None:
        """Count a registration from this address; the seconds to wait when it is over the limit."""


def throttled(what: str, retry_after: int) -> DomainError:
    return DomainError(Code.THROTTLED, f"Too many {what}; try again in {retry_after} seconds.")


async def count_sign_in(guard: LoginGuard | None, subject: str) -> None:
    """Count an attempt to sign in as `subject`; THROTTLED when there were too many."""
    if guard is not None and (retry_after := await guard.attempt(subject)) is not None:
        raise throttled("failed sign-in attempts", retry_after)


async def count_registration(guard: LoginGuard | None, by: Principal) -> None:
    """Count a registration; THROTTLED when this address made too many. A cashier registering
    shoppers at a till is signed in and not counted."""
    if guard is None or by.staff_id:
        return
    if (retry_after := await guard.registration()) is not None:
        raise throttled("registrations from this address", retry_after)
