"""Rate limits per caller: query cost, and failed sign-ins.

- Cost: every operation is charged its estimated cost (at least 1 point) to one leaky bucket
  of `RATE_LIMIT_BUCKET` points restoring `RATE_LIMIT_RESTORE_RATE` per second. The bucket is
  the bearer token's principal (a member, staff user or app, wherever it calls from), or the
  client IP for anonymous callers: a shop's tills behind one address, or an app's servers, are
  not throttled together, and an anonymous flood is throttled by its address.
- Sign-ins: `tokenCreate` and `staffTokenCreate` attempts are counted per identifier
  (`LOGIN_MAX_FAILURES`) and per IP (`LOGIN_MAX_FAILURES_PER_IP`), leaking out over
  `LOGIN_FAILURE_WINDOW`; a successful sign-in takes its attempt back. So guessing one
  account's password is slow from anywhere, and one address cannot spray many accounts,
  while other people's failures elsewhere never lock a member out beyond the identifier limit.
- Registrations: `memberRegister` attempts are counted per IP (`REGISTRATIONS_PER_IP` within
  `REGISTRATION_WINDOW`), so one address cannot mint accounts (and argon2 hashes) at will.

The buckets live in process (api/buckets.py), or in Redis when `REDIS_URL` is set so that
every worker and server shares them. The client IP is the connection's peer: behind a proxy,
let uvicorn take it from `X-Forwarded-For` (`FORWARDED_ALLOW_IPS`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from api.buckets import Buckets
from api.settings import Settings
from domain.access.model import Principal
from schema.throttle import ThrottleStatus


def caller_key(principal: Principal, ip: str) -> str:
    """Whose bucket a request is charged to."""
    if principal.is_anonymous or principal.id is None:
        return f"cost:ip:{ip}"
    return f"cost:{principal.kind.value}:{principal.id}"


@dataclass(frozen=True, slots=True)
class CallerThrottle:
    """A `schema.throttle.CostThrottle` for one caller's bucket."""

    buckets: Buckets
    key: str
    capacity: int
    rate: float

    async def charge(self, cost: int) -> ThrottleStatus:
        take = await self.buckets.take(self.key, min(cost, self.capacity), self.capacity, self.rate)
        return ThrottleStatus(take.allowed, self.capacity, take.available, self.rate, take.retry_after_seconds)


@dataclass(frozen=True, slots=True)
class IpLoginGuard:
    """A `domain.accounts.limits.LoginGuard` for sign-ins and registrations from one IP."""

    buckets: Buckets
    ip: str
    per_identifier: int
    per_ip: int
    window: float
    registrations: int = 0
    registration_window: float = 3600.0

    def _identifier_key(self, identifier: str) -> str:
        digest = hashlib.sha256(identifier.strip().lower().encode()).hexdigest()[:32]  # no e-mails in keys
        return f"login:id:{digest}"

    async def attempt(self, identifier: str) -> int | None:
        taken: list[tuple[str, int]] = []
        limits = ((self._identifier_key(identifier), self.per_identifier), (f"login:ip:{self.ip}", self.per_ip))
        for key, limit in limits:
            if limit == 0:
                continue
            take = await self.buckets.take(key, 1, limit, limit / self.window)
            if not take.allowed:
                for done, done_limit in taken:  # give back what was counted before the refusal
                    await self.buckets.take(done, -1, done_limit, done_limit / self.window)
                return take.retry_after_seconds
            taken.append((key, limit))
        return None

    async def registration(self) -> int | None:
        if not self.registrations:
            return None
        take = await self.buckets.take(
            f"register:ip:{self.ip}", 1, self.registrations, self.registrations / self.registration_window
        )
        return None if take.allowed else take.retry_after_seconds

    async def succeeded(self, identifier: str) -> None:
        if self.per_identifier:
            await self.buckets.clear(self._identifier_key(identifier))
        if self.per_ip:
            await self.buckets.take(f"login:ip:{self.ip}", -1, self.per_ip, self.per_ip / self.window)


class RateLimits:
    """Built once per app from the settings; hands out each request's throttle and guard."""

    def __init__(self, settings: Settings, buckets: Buckets) -> None:
        self.buckets = buckets
        self.cost_on = settings.rate_limit
        self.capacity = settings.rate_limit_bucket
        self.rate = settings.rate_limit_restore_rate
        self.per_identifier = settings.login_max_failures
        self.per_ip = settings.login_max_failures_per_ip
        self.window = settings.login_failure_window
        self.registrations = settings.registrations_per_ip
        self.registration_window = settings.registration_window

    def cost_throttle(self, principal: Principal, ip: str) -> CallerThrottle | None:
        if not self.cost_on:
            return None
        return CallerThrottle(self.buckets, caller_key(principal, ip), self.capacity, self.rate)

    def login_guard(self, ip: str) -> IpLoginGuard | None:
        if not (self.per_identifier or self.per_ip or self.registrations):
            return None
        return IpLoginGuard(
            self.buckets,
            ip,
            self.per_identifier,
            self.per_ip,
            self.window,
            self.registrations,
            self.registration_window,
        )
