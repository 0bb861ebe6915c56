"""Relay object identification: opaque global IDs and the `Node` interface.

A global ID is base64url("TypeName:key"). Clients must treat it as opaque. Each area
registers how to fetch its node types (through dataloaders, with the caller's access
rules), so `node(id:)` and `nodes(ids:)` resolve any of them; an unknown, malformed or
invisible id resolves to null, never to an error.

Most types are keyed by their row id. A few (carts, orders) are keyed by a random token
instead, because holding the id is what grants access to them (a guest's cart); those are
registered with `token_keys=True` and their ids carry the token.
"""

from __future__ import annotations

import base64
import binascii
import functools
import re
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry

from schema.context import Info
from schema.errors import bad_input

NodeFetcher = Callable[[Info, list[Any]], Awaitable[list[Any]]]
_FETCHERS: dict[str, NodeFetcher] = {}
_TOKEN_KEYED: set[str] = set()
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


@functools.lru_cache(maxsize=65536)  # a page shows hundreds of ids, and the same ones again and again
def to_global_id(type_name: str, key: int | str) -> str:
    return base64.urlsafe_b64encode(f"{type_name}:{key}".encode()).decode().rstrip("=")


def _decode(global_id: str) -> tuple[str, str, str] | None:
    if not global_id or len(global_id) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return raw.partition(":")


def from_global_id(global_id: str) -> tuple[str, int] | None:
    """(type name, key), or None when the id is not one of ours (token-keyed types: see `decode_token`)."""
    decoded = _decode(global_id)
    if decoded is None:
        return None
    type_name, sep, key = decoded
    # ASCII digits only ("²".isdigit() is true but int() refuses it), no leading zeros (one id per object).
    if (
        not sep
        or not (key.isascii() and key.isdigit())
        or len(key) > 18
        or (len(key) > 1 and key[0] == "0")
        or type_name not in _FETCHERS
        or type_name in _TOKEN_KEYED
    ):
        return None
    return type_name, int(key)


def decode_token(global_id: str, type_name: str) -> str | None:
    """The token of a global id of the token-keyed type `type_name`, else None."""
    decoded = _decode(global_id)
    if decoded is None or decoded[0] != type_name or not decoded[1] or type_name not in _TOKEN_KEYED:
        return None
    return decoded[2] if _TOKEN.match(decoded[2]) else None


def decode_id(global_id: str, *type_names: str) -> int | None:
    """The key of a global id of one of `type_names`, else None."""
    parsed = from_global_id(global_id)
    if parsed is None or parsed[0] not in type_names:
        return None
    return parsed[1]


def filter_key(global_id: strawberry.ID | None, type_name: str, argument: str, noun: str) -> int | None:
    """The key of an optional id argument of a list's filter (None when it was not given); an id of
    another type is BAD_USER_INPUT naming the argument, since the list cannot be answered."""
    if global_id is None:
        return None
    key = decode_id(global_id, type_name)
    if key is None:
        raise bad_input(f"`{argument}` is not {noun}'s ID.")
    return key


NO_SUCH_KEY = 0  # row keys start at 1


def key_of(global_id: str, type_name: str) -> int:
    """The key of a global id of `type_name`, or `NO_SUCH_KEY`: a use case then reports a malformed
    id as NOT_FOUND at its field path, with every other input error."""
    key = decode_id(global_id, type_name)
    return NO_SUCH_KEY if key is None else key


def register_node(type_name: str, fetch: NodeFetcher, *, token_keys: bool = False) -> None:
    """How `node(id:)` fetches `type_name` objects; with `token_keys` the fetcher receives tokens (str)."""
    _FETCHERS[type_name] = fetch
    if token_keys:
        _TOKEN_KEYED.add(type_name)


async def not_fetchable(info: Info, ids: list[Any]) -> list[None]:
    """The fetcher of a type whose objects have ids but are read only through their parent."""
    return [None] * len(ids)


@strawberry.interface(description="An object with a globally unique, opaque ID, fetchable with `node`.")
class Node:
    pk: strawberry.Private[int]

    @strawberry.field(description="The object's opaque global ID.")
    def id(self) -> strawberry.ID:
        return strawberry.ID(to_global_id(type(self).__name__, self.pk))


def _parse_any(global_id: str) -> tuple[str, Any] | None:
    decoded = _decode(global_id)
    if decoded is not None and decoded[0] in _TOKEN_KEYED:
        token = decode_token(global_id, decoded[0])
        return (decoded[0], token) if token is not None else None
    return from_global_id(global_id)


async def resolve_nodes(info: Info, ids: list[str]) -> list[Node | None]:
    """Resolve many ids with one batch per type (a loader call per type, not per id)."""
    by_type: dict[str, list[Any]] = {}
    parsed = [_parse_any(i) for i in ids]
    for p in parsed:
        if p is not None:
            by_type.setdefault(p[0], []).append(p[1])
    found: dict[tuple[str, Any], Any] = {}
    for type_name, keys in by_type.items():
        for key, obj in zip(keys, await _FETCHERS[type_name](info, keys), strict=True):
            if obj is not None:
                found[(type_name, key)] = obj
    return [found.get(p) if p is not None else None for p in parsed]
