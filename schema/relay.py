"""Relay object identification: opaque global IDs and the `Node` interface.

A global ID is base64url("TypeName:key"). Clients must treat it as opaque. Each area
registers how to fetch its node types (through dataloaders, with the caller's access
rules), so `node(id:)` and `nodes(ids:)` resolve any of them; an unknown, malformed or
invisible id resolves to null, never to an error.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from schema.context import Info

NodeFetcher = Callable[[Info, list[int]], Awaitable[list[Any]]]
_FETCHERS: dict[str, NodeFetcher] = {}


def to_global_id(type_name: str, key: int) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """(type name, key), or None when the id is not one of ours."""
    if not global_id or len(global_id) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    type_name, sep, key = raw.partition(":")
    # ASCII digits only ("²".isdigit() is true but int() refuses it), no leading zeros (one id per object).
    if (not sep or not (key.isascii() and key.isdigit()) or len(key) > 18 or (len(key) > 1 and key[0] == "0")
            or type_name not in _FETCHERS):
        return None
    return type_name, int(key)


def decode_id(global_id: str, *type_names: str) -> int | None:
    """The key of a global id of one of `type_names`, else None."""
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] not in type_names:
        return None
    return parsed[1]


def register_node(type_name: str, fetch: NodeFetcher) -> None:
    _FETCHERS[type_name] = fetch


@strawberry.interface(description="An object with a globally unique, opaque ID, fetchable with `node`.")
class Node:
    pk: strawberry.Private[int]

    @strawberry.field(description="The object's opaque global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(self).__name__, self.pk))


async def resolve_nodes(info: Info, ids: list[str]) -> list[Node | None]:
    """Resolve many ids with one batch per type (a loader call per type, not per id)."""
    by_type: dict[str, list[int]] = {}
    parsed = [from_global_id(i) for i in ids]
    for p in parsed:
        if p is not None:
            by_type.setdefault(p[0], []).append(p[1])
    found: dict[tuple[str, int], Any] = {}
    for type_name, keys in by_type.items():
        for key, obj in zip(keys, await _FETCHERS[type_name](info, keys), strict=True):
            if obj is not None:
                found[(type_name, key)] = obj
    return [found.get(p) if p is not None else None for p in parsed]
