"""Rows to domain states by field name: `columns` labels each selected column with the name of the
state's field it fills and `state` builds the state from those names, so adding, removing or
reordering a column or a dataclass field cannot shift a value into the wrong field."""

from __future__ import annotations

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
