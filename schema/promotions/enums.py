"""The promotions' enums: what a promotion does, where it is in its life, where a coupon is redeemed.

Their own module so that the promotion inputs use them without importing the promotion types.
"""

from __future__ import annotations

from enum import Enum

from domain.promotions import admin
from domain.promotions.records import ActionType, RedeemWhere
from schema.enums import graphql_enum


def _renamed(enum: type[Enum], name: str) -> type[Enum]:
    """The domain enum under the name the graph gives it."""
    return Enum(name, {m.name: m.value for m in enum})  # type: ignore[return-value]


PromotionActionType = graphql_enum(
    _renamed(ActionType, "PromotionActionType"),
    "What a promotion or coupon does.",
    {
        "PERCENT_OFF": "A percentage off each eligible line (`percent`).",
        "AMOUNT_OFF": "An amount off the eligible lines together (`amount`), spread over them pro rata.",
        "FIXED_PRICE": "A flash-sale price per eligible unit (`unitPrice`), for at most `perMemberLimit` units per "
        "member and variant when given.",
        "BUY_X_GET_Y": "For every `buy` + `get` eligible units, the `get` cheapest are `percent` off (100: free).",
        "FREE_SHIPPING": "The order ships free.",
        "POINTS_MULTIPLIER": "Points earned on the order are multiplied by `factor`.",
    },
)
PromotionStatus = graphql_enum(
    admin.PromotionStatus,
    "Where a promotion is in its life, now.",
    {
        "INACTIVE": "Switched off (`promotionDeactivate`); it applies to nothing until switched on again.",
        "SCHEDULED": "Active, and its start is still ahead.",
        "RUNNING": "Active and inside its time window: it prices carts now.",
        "ENDED": "Active, but its end has passed.",
    },
)
CouponRedeemChannel = graphql_enum(
    _renamed(RedeemWhere, "CouponRedeemChannel"),
    "Where a coupon can be redeemed.",
    {
        "ONLINE": "At checkout in the online channels only.",
        "IN_STORE": "At a store's till only (a POS cart or a write-off).",
        "ANYWHERE": "Online and in store.",
    },
)
