"""Limits on failed sign-ins and on registrations, as the account mutations see them.

The HTTP layer (api/rate_limits.py) puts a `LoginGuard` (schema/throttle.py) bound to the
client's IP into `Context.login_guard`. Each attempt is counted before the password is checked or hashed,
so parallel attempts cannot slip past the limit, and a successful sign-in is not counted.
A refused attempt is an expected failure: a `THROTTLED` user error, and nothing is checked.
"""

from __future__ import annotations

from schema.errors import UserError, UserErrorCode


def throttled(retry_after: int, what: str = "failed sign-in attempts") -> list[UserError]:
    return [
        UserError(
            field=None, code=UserErrorCode.THROTTLED, message=f"Too many {what}; try again in {retry_after} seconds."
        )
    ]
