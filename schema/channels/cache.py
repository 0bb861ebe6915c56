"""Channels kept in process between requests: nearly every storefront read starts by looking up its
channel, and channels change a few times a year.

One cache per app (it lives in `Services`). A channel mutation empties it once it has committed,
so this process sees the change at once; other processes (workers, the CLI, a database edited by
hand) are seen within `TTL` seconds. Only found channels are kept: a channel created elsewhere is
visible at once. Entries are detached copies, so nothing a request does to its session reaches them.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

from db.models import Channel as ChannelModel

TTL = 5.0  # seconds another process's channel change may go unseen here
_COLUMNS = [a.key for a in sa.inspect(ChannelModel).column_attrs]


class ChannelCache:
    def __init__(self, ttl: float = TTL) -> None:
        self.ttl = ttl
        self._rows: dict[str, tuple[float, ChannelModel]] = {}
        # Bumped by `clear`: a read that began before a change must not store what it read.
        self.generation = 0

    def get(self, key: str) -> ChannelModel | None:
        entry = self._rows.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, row: ChannelModel, generation: int) -> None:
        if generation == self.generation:
            copy = ChannelModel(**{name: getattr(row, name) for name in _COLUMNS})
            self._rows[key] = (time.monotonic() + self.ttl, copy)

    def clear(self) -> None:
        self._rows.clear()
        self.generation += 1
