"""The caller's limits as the schema sees them; the transport (api/rate_limits.py) implements them
and puts them into the request's `Context`, and without one nothing is limited.

- `Context.throttle`, a `CostThrottle` bound to the caller: the bucket is charged the operation's
  estimated cost (schema/cost.py) after the limits pass and before execution. A refused operation
  gets a `THROTTLED` error with `extensions.retryAfter` (seconds) and does not run.
- `Context.login_guard`, a `domain.accounts.limits.LoginGuard` bound to the client's IP: failed
  sign-ins and registrations, which the account use cases count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ThrottleStatus:
    """The caller's bucket after a charge, reported in `extensions.cost.throttleStatus`."""

    allowed: bool
    maximum_available: int
    currently_available: float
    restore_rate: float
    retry_after: int = 0  # whole seconds; 0 when allowed

    def as_extension(self) -> dict[str, Any]:
        return {
            "maximumAvailable": self.maximum_available,
            "currentlyAvailable": math.floor(self.currently_available),
            "restoreRate": self.restore_rate,
        }


class CostThrottle(Protocol):
    async def charge(self, cost: int) -> ThrottleStatus: ...
