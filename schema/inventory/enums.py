"""The inventory's enums: kinds of location, stock movements, and where a transfer is.

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

_MovementKinds = Enum("InventoryMovementKind", {k.name: k.value for k in domain.MovementKind}, type=str)  # type: ignore[misc]
InventoryMovementKind = graphql_enum(
    _MovementKinds,
    "What changed a stock level.",
    {
        "RECEIVE": "A delivery was counted in.",
        "ADJUSTMENT": "A correction by hand: stock-take, damage, loss.",
        "RESERVATION": "Units promised to an order (reserved rises; on hand does not change).",
        "RELEASE": "An order no longer needs its units (cancelled or expired; reserved falls).",
        "SALE": "Reserved units left: shipped, picked up or carried out.",
        "TRANSFER_OUT": "Units sent to another location.",
        "TRANSFER_IN": "Units received from another location.",
        "RETURN": "Returned units came back on the shelf.",
    },
)

StockTransferStatus = graphql_enum(
    domain.TransferStatus,
    "Where a transfer is.",
    {
        "IN_TRANSIT": "Sent: gone from the sender's stock, not yet counted in by the receiver.",
        "RECEIVED": "Counted in at the receiving location.",
    },
)
