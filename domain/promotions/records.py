"""How promotion rules are stored: the action and the conditions as small JSON documents.

Amounts and percentages are kept as strings (exact decimals), ids as integers; a document only
holds what was given, so `None` ("no restriction") round-trips. The time window lives in real
columns (the running-promotions query filters on it) and is passed back in when a rule is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from domain.promotions.model import (
    Action,
    AmountOff,
    BuyXGetY,
    Conditions,
    FixedPrice,
    FreeShipping,
    PercentOff,
    PointsMultiplier,
)


class ActionType(str, Enum):
    PERCENT_OFF = "PERCENT_OFF"
    AMOUNT_OFF = "AMOUNT_OFF"
    FIXED_PRICE = "FIXED_PRICE"
    BUY_X_GET_Y = "BUY_X_GET_Y"
    FREE_SHIPPING = "FREE_SHIPPING"
    POINTS_MULTIPLIER = "POINTS_MULTIPLIER"


class CouponState(str, Enum):
    """What is stored; `EXPIRED` is not a state but what an ACTIVE coupon past its end shows."""

    ACTIVE = "ACTIVE"
    REDEEMED = "REDEEMED"


class RedeemWhere(str, Enum):
    ONLINE = "ONLINE"  # at checkout in the online channels
    IN_STORE = "IN_STORE"  # at a store's till (a POS cart or a write-off)
    ANYWHERE = "ANYWHERE"

    def allows(self, *, at_till: bool) -> bool:
        return self is RedeemWhere.ANYWHERE or (self is RedeemWhere.IN_STORE) == at_till


def action_record(action: Action) -> tuple[ActionType, dict[str, Any]]:
    match action:
        case PercentOff(percent=percent):
            return ActionType.PERCENT_OFF, {"percent": str(percent)}
        case AmountOff(amount=amount):
            return ActionType.AMOUNT_OFF, {"amount": str(amount)}
        case FixedPrice(unit_price=price, per_member_limit=limit):
            return ActionType.FIXED_PRICE, {"unitPrice": str(price), "perMemberLimit": limit}
        case BuyXGetY(buy=buy, get=get, percent=percent):
            return ActionType.BUY_X_GET_Y, {"buy": buy, "get": get, "percent": str(percent)}
        case FreeShipping():
            return ActionType.FREE_SHIPPING, {}
        case PointsMultiplier(factor=factor):
            return ActionType.POINTS_MULTIPLIER, {"factor": str(factor)}
    raise TypeError(f"unknown action {action!r}")


def action_from_record(kind: ActionType, data: Mapping[str, Any]) -> Action:
    match kind:
        case ActionType.PERCENT_OFF:
            return PercentOff(Decimal(data["percent"]))
        case ActionType.AMOUNT_OFF:
            return AmountOff(Decimal(data["amount"]))
        case ActionType.FIXED_PRICE:
            return FixedPrice(Decimal(data["unitPrice"]), data.get("perMemberLimit"))
        case ActionType.BUY_X_GET_Y:
            return BuyXGetY(int(data["buy"]), int(data["get"]), Decimal(data["percent"]))
        case ActionType.FREE_SHIPPING:
            return FreeShipping()
        case ActionType.POINTS_MULTIPLIER:
            return PointsMultiplier(Decimal(data["factor"]))
    raise ValueError(f"unknown action type {kind!r}")


_ID_SETS = {
    "channel_ids": "channelIds",
    "product_ids": "productIds",
    "category_ids": "categoryIds",
    "variant_ids": "variantIds",
}


def conditions_record(c: Conditions) -> dict[str, Any]:
    """The conditions without the time window and the store (kept in columns)."""
    data: dict[str, Any] = {}
    for name, key in _ID_SETS.items():
        ids: frozenset[int] | None = getattr(c, name)
        if ids is not None:
            data[key] = sorted(ids)
    if c.member_tags_any is not None:
        data["memberTagsAny"] = sorted(c.member_tags_any)
    if c.min_subtotal is not None:
        data["minSubtotal"] = str(c.min_subtotal)
    if c.first_order_only:
        data["firstOrderOnly"] = True
    if c.members_only is not None:
        data["membersOnly"] = c.members_only
    return data


def conditions_from_record(
    data: Mapping[str, Any],
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    location_id: int | None = None,
) -> Conditions:
    def ids(key: str) -> frozenset[int] | None:
        values: Iterable[int] | None = data.get(key)
        return frozenset(int(v) for v in values) if values is not None else None

    tags = data.get("memberTagsAny")
    minimum = data.get("minSubtotal")
    return Conditions(
        channel_ids=ids("channelIds"),
        member_tags_any=frozenset(tags) if tags is not None else None,
        starts_at=starts_at,
        ends_at=ends_at,
        min_subtotal=Decimal(minimum) if minimum is not None else None,
        product_ids=ids("productIds"),
        category_ids=ids("categoryIds"),
        variant_ids=ids("variantIds"),
        first_order_only=bool(data.get("firstOrderOnly", False)),
        location_ids=frozenset({location_id}) if location_id is not None else None,
        members_only=data.get("membersOnly"),
    )
