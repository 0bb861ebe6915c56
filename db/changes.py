"""Change records (`domain.catalog.changes`, `domain.inventory.locations.LocationChanges`) as
column values: each field names the mapped attribute it writes, and a `KEEP` field writes nothing."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING

from domain.catalog.commands import Keep

if TYPE_CHECKING:
    from _typeshed import DataclassInstance


def columns(changes: DataclassInstance) -> dict[str, object]:
    """The set fields of a change record, by name."""
    return {f.name: value for f in fields(changes) if not isinstance(value := getattr(changes, f.name), Keep)}
