"""Reading a root field's selection (through fragments), for resolvers that load up front what the
fields below them will ask for, so that those fields answer without awaiting (schema/execution.py)."""

from __future__ import annotations

from collections.abc import Iterable

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField, Selection


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
