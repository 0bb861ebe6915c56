"""`PerDocument`: what is worked out once per parsed document (or operation), kept while it lives.

The executor's plans, a document's cost and what a page prefetches depend only on the document, so
they are kept beside it and go when the document cache (schema/document_cache.py) lets it go. They
are found by the node's identity: graphql-core's syntax nodes compare and hash by structure, and
hashing the storefront's document walks all of it (about 240 µs, more than what is saved), so a
`WeakKeyDictionary` will not do.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class PerDocument(Generic[K, V]):
    def __init__(self) -> None:
        self._entries: dict[int, tuple[weakref.ref[K], V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[K]:
        """The nodes that have a value (tests look at what is kept)."""
        return (k for ref, _ in list(self._entries.values()) if (k := ref()) is not None)

    def get(self, key: K, make: Callable[[K], V]) -> V:
        """The value of `key`, made by `make` the first time."""
        entry = self._entries.get(id(key))
        if entry is not None:
            return entry[1]
        value = make(key)
        ident = id(key)
        self._entries[ident] = (weakref.ref(key, lambda _ref: self._entries.pop(ident, None)), value)
        return value
