"""The inventory's enums: kinds of location, and the stock movements a person records.

Their own module so that the location and stock inputs use them without importing the types.
"""

from __future__ import annotations

from enum import Enum

from domain.inventory import model as domain
from schema.enums import graphql_enum

LocationType = graphql_enum(
    domain.LocationType,
    "Where stock physically is.",
    {
        "WAREHOUSE": "A central or regional warehouse.",
        "STORE": "A shop: it sells at its tills and may be a pickup point and ship to homes.",
    },
)

# The movement kinds a person records by hand, named after the GraphQL enum they become.
_BY_HAND = (domain.MovementKind.ADJUSTMENT, domain.MovementKind.RECEIVE)
_AdjustKinds = Enum("StockAdjustKind", {k.name: k.value for k in _BY_HAND}, type=str)  # type: ignore[misc]
StockAdjustKind = graphql_enum(
    _AdjustKinds,
    "Why stock is counted in or out.",
    {
        "ADJUSTMENT": "A correction: stock-take, damage, loss (the delta may be negative).",
        "RECEIVE": "A delivery arrived (the delta is positive).",
    },
)
