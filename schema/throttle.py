"""Rate limiting by query cost, as the schema sees it: the caller's bucket is charged the
operation's estimated cost (schema/cost.py) after the limits pass and before execution.

The HTTP layer (api/rate_limits.py) puts a `CostThrottle` bound to the caller into
`Context.extra[COST_THROTTLE]`; without one nothing is charged. A refused operation gets a
`THROTTLED` error with `extensions.retryAfter` (seconds) and does not run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import GraphQLError

from schema.errors import ErrorCode

COST_THROTTLE = "cost_throttle"


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


def throttle_of(context: Any) -> CostThrottle | None:
    extra = getattr(context, "extra", None)
    return extra.get(COST_THROTTLE) if isinstance(extra, dict) else None


def throttled_error(cost: int, status: ThrottleStatus) -> GraphQLError:
    return GraphQLError(
        f"Throttled: this operation costs {cost} points and {math.floor(status.currently_available)} of "
        f"{status.maximum_available} are available; points restore at {status.restore_rate:g} per second. "
        f"Retry after {status.retry_after} s.",
        extensions={"code": ErrorCode.THROTTLED.value, "retryAfter": status.retry_after},
    )
