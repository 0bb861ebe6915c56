"""An outage of the database or Redis, logged once.

Background loops (the outbox relay, order expiry, the Redis event subscriber) and per-request
fallbacks (the Redis rate limiter, the Redis caches) meet a dependency that is down again and
again: a traceback each time floods the log (hundreds of lines a minute) and buries the line that
matters. `Outage` logs the first failure as one warning without a traceback, stays quiet while
the failures go on, and logs the recovery. A loop waits `delay(interval)` between attempts: its
own interval at first, doubling with each failure in a row up to `cap` seconds.
"""

from __future__ import annotations

import logging

CAP_SECONDS = 60.0


class Outage:
    def __init__(self, log: logging.Logger, what: str, *, cap: float = CAP_SECONDS) -> None:
        self.log = log
        self.what = what
        self.cap = cap
        self.failures = 0  # in a row

    def failed(self, error: BaseException) -> None:
        self.failures += 1
        if self.failures == 1:
            self.log.warning(
                "%s failed (%s: %s); further failures are not logged until it recovers",
                self.what,
                type(error).__name__,
                error,
            )

    def recovered(self) -> None:
        if self.failures:
            self.log.warning("%s recovered after %d failed attempts", self.what, self.failures)
            self.failures = 0

    def delay(self, interval: float) -> float:
        """Seconds until the next attempt."""
        if not self.failures:
            return interval
        backoff = interval * 2 ** min(self.failures - 1, 16)
        return max(interval, min(backoff, self.cap))
