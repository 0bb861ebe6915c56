"""Reading a root field's selection (through fragments), for resolvers that load up front what the
fields below them will ask for, so that those fields answer without awaiting (schema/execution.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from graphql import OperationDefinitionNode
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection

from schema.per_document import PerDocument


def fields_at(selections: Iterable[Selection], *path: str) -> list[SelectedField]:
    """The fields reached by following `path` (field names) from `selections`, through fragments;
    every alias of a name is followed."""
    level = list(_flatten(selections))
    for name in path:
        level = [f for parent in level if parent.name == name for f in _flatten(parent.selections)]
    return level


def _flatten(selections: Iterable[Selection]) -> Iterable[SelectedField]:
    for s in selections:
        if isinstance(s, SelectedField):
            yield s
        elif isinstance(s, FragmentSpread | InlineFragment):
            yield from _flatten(s.selections)


# By operation (kept while its document is), then by the resolving field's path and `path` below it.
_NAMES: PerDocument[OperationDefinitionNode, dict[tuple[Any, ...], frozenset[str]]] = PerDocument()


def names_at(info: Any, *path: str) -> frozenset[str]:
    """The names of the fields selected at `path` below the root field resolving now: worked out once
    per operation and place, not per request."""
    by_place = _NAMES.get(info.operation, lambda _: {})
    key = (*info.path.as_list(), *path)
    found = by_place.get(key)
    if found is None:
        found = by_place[key] = frozenset(f.name for f in fields_at(info.selected_fields, *path))
    return found
