"""The demo's promotions and coupons: what the README's walkthrough and the closed loop use.

- "Spend 300, save 30" (满300减30): 30.00 off orders of 300.00 or more, online and at the tills.
- A flash sale: the first variant sold in both channels at half price, at most 2 units per member
  (priority 10: unit prices come before order-level discounts, so the 300.00 counts what is left).
- The `WELCOME10` campaign: 10% off one order, online or in store, one claim per member, each
  coupon valid 30 days from its claim (what a QR code in a WeChat article carries).
- With members: a "thank you" coupon (20.00 off 200.00) held by each of the first ten, so a member
  recognised at the till has one to write off.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.promotions import AmountOff, Conditions, FixedPrice, PercentOff
from domain.promotions.model import Action
from domain.promotions.records import CouponState, RedeemWhere, action_record, conditions_record

Row = dict[str, Any]
WELCOME = "WELCOME10"


def _rule(name: str, action: Action, conditions: Conditions, epoch: datetime, priority: int = 100, **extra: Any) -> Row:
    kind, data = action_record(action)
    return {
        "name": name,
        "priority": priority,
        "stackable": True,
        "currency": "CNY",
        "conditions": conditions_record(conditions),
        "action_type": kind,
        "action": data,
        "is_active": True,
        "created_at": epoch,
        "updated_at": epoch,
        **extra,
    }


def promotions(flash_variant: tuple[int, Decimal] | None, channel_ids: list[int], epoch: datetime) -> list[Row]:
    """The running promotions; the flash sale when there is a variant to put on sale (its id, price)."""
    channels = frozenset(channel_ids)
    rows = [
        _rule(
            "Spend 300, save 30",
            AmountOff(Decimal(30)),
            Conditions(channel_ids=channels, min_subtotal=Decimal(300)),
            epoch,
            id=1,
            starts_at=None,
            ends_at=None,
            location_id=None,
        )
    ]
    if flash_variant is not None:
        variant_id, price = flash_variant
        half = (price / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append(
            _rule(
                "Flash sale",
                FixedPrice(half, per_member_limit=2),
                Conditions(channel_ids=channels, variant_ids=frozenset({variant_id})),
                epoch,
                priority=10,
                id=2,
                starts_at=None,
                ends_at=None,
                location_id=None,
            )
        )
    return rows


def coupon_templates(epoch: datetime) -> list[Row]:
    return [
        _rule(
            "Welcome: 10% off your order",
            PercentOff(Decimal(10)),
            Conditions(),
            epoch,
            id=1,
            campaign_code=WELCOME,
            valid_from=None,
            valid_until=None,
            valid_days=30,
            total_quantity=None,
            issued_count=0,
            per_member_limit=1,
            redeemable_at=RedeemWhere.ANYWHERE,
        )
    ]


THANKS_TEMPLATE_ID = 2
THANKS_MEMBERS = 10  # the first members get one: enough to try a coupon at the till, few at any scale


def thank_you_coupons(members: int, epoch: datetime) -> tuple[Row, list[Row]]:
    """A staff-issued "thank you" template (20.00 off orders of 200.00, no end date, so it still works
    whenever the demo runs) and its coupons held by the first members, codes `THANKS000001`, ..."""
    holders = range(1, min(members, THANKS_MEMBERS) + 1)
    template = _rule(
        "Thank you: 20 off orders of 200",
        AmountOff(Decimal(20)),
        Conditions(min_subtotal=Decimal(200)),
        epoch,
        id=THANKS_TEMPLATE_ID,
        campaign_code=None,
        valid_from=None,
        valid_until=None,
        valid_days=None,
        total_quantity=None,
        issued_count=len(holders),
        per_member_limit=1,
        redeemable_at=RedeemWhere.ANYWHERE,
    )
    coupons = [
        {
            "id": member_id,
            "code": f"THANKS{member_id:06d}",
            "template_id": THANKS_TEMPLATE_ID,
            "member_id": member_id,
            "state": CouponState.ACTIVE,
            "valid_from": epoch,
            "valid_until": None,
            "issued_by_staff_id": None,
            "redeemed_at": None,
            "order_id": None,
            "redeemed_location_id": None,
            "redeemed_staff_id": None,
            "created_at": epoch,
        }
        for member_id in holders
    ]
    return template, coupons
