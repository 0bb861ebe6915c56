"""The base of every dataloader: one batched fetch per tick, typed from key to value.

Each area declares its loaders in `schema/<area>/loaders.py` as a subclass naming its key and
value types and the `fetch` that reads a batch; `schema.loaders.Loaders` builds them per request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from typing import TypeVar

from aiodataloader import DataLoader
from sqlalchemy.ext.asyncio import AsyncSession

from db.catalog_queries import rows_by_ids

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
M = TypeVar("M")

# A batch read: the values found for some of the keys, in one statement (or one per few keys).
Fetch = Callable[[AsyncSession, Sequence[K]], Awaitable[Mapping[K, V]]]


class BatchLoader(DataLoader[K, V]):
    """Maps keys to what `fetch` found for them, and the rest to `missing` (an empty list, a zero).

    Subclasses set `fetch = staticmethod(...)` and `missing`; mypy checks both against `K` and `V`."""

    fetch: Fetch[K, V]
    missing: V

    def __init__(self, session: AsyncSession) -> None:
        super().__init__()
        self.session = session

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V]:
        found = await self.fetch(self.session, keys)
        return [found.get(k, self.missing) for k in keys]


class OptionalLoader(BatchLoader[K, V | None]):
    """A loader of single things: a key nothing was found for loads None."""

    missing = None

    async def load_existing(self, key: K) -> V:
        """For a key that always finds something (a foreign key, a fetch that answers every key): finding
        nothing is a bug, not a null for the client."""
        found = await self.load(key)
        if found is None:
            raise LookupError(f"{type(self).__name__} found nothing for {key!r}")
        return found


def by_id(model: type[M]) -> Fetch[int, M]:
    """The fetch of `model` rows by primary key."""

    def fetch(session: AsyncSession, ids: Sequence[int]) -> Awaitable[Mapping[int, M]]:
        return rows_by_ids(session, model, ids)

    return fetch
