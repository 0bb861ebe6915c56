"""`ByteLRU`: the one shape of every in-process cache whose keys or values come from clients.

A cache bounded by its number of entries is bounded in memory only if its entries are small, and
clients choose the size of documents, persisted queries and answers: 512 distinct 1 MB documents
are half a gigabyte. So each entry is stored with its size in bytes (as estimated by the caller),
and the least recently used entries go once the total passes `max_bytes`. An entry larger than a
quarter of the budget is not kept at all (it would evict everything else for one caller).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

ENTRY_OVERHEAD = 200  # bytes: the key, the dictionary slot and the tuple around each entry


class ByteLRU(Generic[K, V]):
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.bytes = 0
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: K, value: V, size: int) -> None:
        self.pop(key)
        size += ENTRY_OVERHEAD
        if size * 4 > self.max_bytes:
            return
        self._entries[key] = (value, size)
        self.bytes += size
        while self.bytes > self.max_bytes:
            _, (_, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted

    def pop(self, key: K) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self.bytes -= entry[1]

    def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0
