"""The base of every dataloader: one batched fetch per tick, typed from key to value.

Each area declares its loaders in `schema/<area>/loaders.py` as a subclass naming its key and
value types and the `fetch` that reads a batch; `schema.loaders.Loaders` builds them per request.
"""

from __future__ import annotations

from asyncio import Future
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
        # Primed values not yet loaded: a page primes a hundred keys and loads few of them, and
        # aiodataloader's `prime` makes a resolved future for each; the future is made on `load`.
        self.known: dict[K, V] = {}

    async def batch_load_fn(self, keys: Sequence[K]) -> list[V]:
        found = await self.fetch(self.session, keys)
        return [found.get(k, self.missing) for k in keys]

    def prime(self, key: K, value: V) -> BatchLoader[K, V]:
        """As aiodataloader's (a key already loaded or primed keeps its value), without a future."""
        if key not in self._cache:
            self.known.setdefault(key, value)
        return self

    def load(self, key: K) -> Future[V]:
        known = self.known
        if known and key in known:
            value = known.pop(key)
            if key not in self._cache:
                super().prime(key, value)
        return super().load(key)

    async def fetch_now(self, keys: Sequence[K]) -> list[V]:
        """What `load_many(keys)` answers, without the future, the batch's tick and the gathering that
        costs per key: the primed values when every key was primed (a page's categories), else, when
        none was loaded or primed, read at once in one batch and primed for later loads (a page's
        variants)."""
        cache, known = self._cache, self.known
        if all(k in known for k in keys):
            return [known[k] for k in keys]
        if any(k in cache or k in known for k in keys):
            return list(await self.load_many(keys))
        found = await self.fetch(self.session, keys)
        missing = self.missing
        values = [found.get(k, missing) for k in keys]
        for k, v in zip(keys, values, strict=True):
            known.setdefault(k, v)
        return values

    def clear(self, key: K) -> BatchLoader[K, V]:
        self.known.pop(key, None)
        return super().clear(key)

    def clear_all(self) -> BatchLoader[K, V]:
        self.known.clear()
        return super().clear_all()


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
