"""The demo's promotions and coupons: what the README's walkthrough and the closed loop use.

- "Spend 300, save 30" (满300减30): 30.00 off orders of 300.00 or more, online and at the tills.
- A flash sale: the first variant sold in both channels at half price, at most 2 units per member
  (priority 10: unit prices come before order-level discounts, so the 300.00 counts what is left).
- The `WELCOME10` campaign: 10% off one order, online or in store, one claim per member, each
  coupon valid 30 days from its claim (what a QR code in a WeChat article carries).
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.promotions import AmountOff, Conditions, FixedPrice, PercentOff
from domain.promotions.model import Action
from domain.promotions.records import RedeemWhere, action_record, conditions_record

Row = dict[str, Any]
WELCOME = "WELCOME10"


def _rule(name: str, action: Action, conditions: Conditions, epoch: datetime, priority: int = 100,
          **extra: Any) -> Row:
    kind, data = action_record(action)
    return {"name": name, "priority": priority, "stackable": True, "currency": "CNY",
            "conditions": conditions_record(conditions), "action_type": kind, "action": data, "is_active": True,
            "created_at": epoch, "updated_at": epoch, **extra}


def promotions(flash_variant: tuple[int, Decimal] | None, channel_ids: list[int], epoch: datetime) -> list[Row]:
    """The running promotions; the flash sale when there is a variant to put on sale (its id, price)."""
    channels = frozenset(channel_ids)
    rows = [_rule("Spend 300, save 30", AmountOff(Decimal(30)),
                  Conditions(channel_ids=channels, min_subtotal=Decimal(300)), epoch,
                  id=1, starts_at=None, ends_at=None, location_id=None)]
    if flash_variant is not None:
        variant_id, price = flash_variant
        half = (price / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        rows.append(_rule("Flash sale", FixedPrice(half, per_member_limit=2),
                          Conditions(channel_ids=channels, variant_ids=frozenset({variant_id})), epoch,
                          priority=10, id=2, starts_at=None, ends_at=None, location_id=None))
    return rows


def coupon_templates(epoch: datetime) -> list[Row]:
    return [_rule("Welcome: 10% off your order", PercentOff(Decimal(10)), Conditions(), epoch,
                  id=1, campaign_code=WELCOME, valid_from=None, valid_until=None, valid_days=30,
                  total_quantity=None, issued_count=0, per_member_limit=1, redeemable_at=RedeemWhere.ANYWHERE)]
