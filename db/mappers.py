"""Rows to domain states by field name: `columns` labels each selected column with the name of the
state's field it fills and `state` builds the state from those names, so adding, removing or
reordering a column or a dataclass field cannot shift a value into the wrong field."""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute

T = TypeVar("T")


def columns(**fields: sa.ColumnElement[Any] | QueryableAttribute[Any]) -> tuple[sa.Label[Any], ...]:
    """The columns to select, labelled with the fields they fill."""
    return tuple(column.label(name) for name, column in fields.items())


def state(cls: Callable[..., T], row: sa.Row[Any]) -> T:
    """The domain state a row of `columns` describes."""
    return cls(**row._asdict())


def prefixed(prefix: str, labelled: tuple[sa.Label[Any], ...]) -> tuple[sa.Label[Any], ...]:
    """`columns` relabelled `prefix` + field name: one row carrying two states (see `part`)."""
    return tuple(column.element.label(prefix + column.name) for column in labelled)


def part(cls: Callable[..., T], row: sa.Row[Any], prefix: str) -> T:
    """The state of a row's columns labelled `prefix` + field name (`prefixed`)."""
    names, pick = _picker(prefix, row._fields)
    return cls(**dict(zip(names, pick(row), strict=True)))


@functools.cache
def _picker(prefix: str, labels: tuple[str, ...]) -> tuple[tuple[str, ...], Callable[[Any], tuple[Any, ...]]]:
    """The fields `prefix` labels among a statement's `labels`, and what takes their values from a row:
    worked out once per statement, not per row (checkout reads rows this way on its hot path)."""
    chosen = [(label[len(prefix) :], i) for i, label in enumerate(labels) if label.startswith(prefix)]
    positions = [i for _, i in chosen]
    pick = operator.itemgetter(*positions) if len(positions) > 1 else lambda row: tuple(row[i] for i in positions)
    return tuple(name for name, _ in chosen), pick
