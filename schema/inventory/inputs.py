"""Inventory mutation inputs."""

from __future__ import annotations

from enum import Enum

import strawberry

from domain.inventory.model import MovementKind
from schema.enums import graphql_enum

# The movement kinds a person records by hand, named after the GraphQL enum they become.
_BY_HAND = (MovementKind.ADJUSTMENT, MovementKind.RECEIVE)
_AdjustKinds = Enum("StockAdjustKind", {k.name: k.value for k in _BY_HAND}, type=str)  # type: ignore[misc]
StockAdjustKind = graphql_enum(
    _AdjustKinds,
    "Why stock is counted in or out.",
    {
        "ADJUSTMENT": "A correction: stock-take, damage, loss (the delta may be negative).",
        "RECEIVE": "A delivery arrived (the delta is positive).",
    },
)


@strawberry.input(description="Count stock in or out at one location.")
class StockAdjustInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    location_id: strawberry.ID = strawberry.field(description="The warehouse or store.")
    delta: int = strawberry.field(
        description="Units to add (positive) or remove (negative); reserved units cannot be removed."
    )
    reason: str = strawberry.field(description="Why, for the movement ledger (at most 250 characters).")
    kind: StockAdjustKind | None = strawberry.field(  # type: ignore[valid-type]
        default=None, description="ADJUSTMENT (default) or RECEIVE."
    )


@strawberry.input(description="Move available units from one location to another.")
class StockTransferInput:
    variant_id: strawberry.ID = strawberry.field(description="The product variant.")
    from_location_id: strawberry.ID = strawberry.field(description="Where the units leave.")
    to_location_id: strawberry.ID = strawberry.field(description="Where they arrive.")
    quantity: int = strawberry.field(description="How many units (at least 1).")
