"""The one clock: what time it is, as a timezone-aware UTC datetime.

The use cases read it from their unit of work (`uow.clock`), the repositories from the unit of
work that made them, and a request's loaders from `Services`; all of them get the same callable,
so a test stops time in one place. `system_clock` is the default the app wires in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Timed(Protocol):
    """A unit of work that tells the time."""

    @property
    def clock(self) -> Clock: ...
