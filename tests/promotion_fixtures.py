"""Promotion test set-up: promotions and coupon templates written straight into the database, in
their stored form (`domain.promotions.records`), so coupon and pricing tests do not depend on the
administration API (which has tests of its own)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from db.models import CouponTemplate, Promotion
from domain.clock import system_clock
from domain.promotions import Action, Conditions
from domain.promotions.records import RedeemWhere, action_record, conditions_record


def _rule(
    name: str, action: Action, conditions: Conditions, priority: int, stackable: bool, currency: str | None
) -> dict[str, Any]:
    kind, data = action_record(action)
    now = system_clock()
    return {
        "name": name,
        "priority": priority,
        "stackable": stackable,
        "currency": currency,
        "conditions": conditions_record(conditions),
        "action_type": kind,
        "action": data,
        "is_active": True,
        "created_at": now,
        "updated_at": now,
    }


async def add_promotion(
    engine: AsyncEngine,
    action: Action,
    *,
    name: str = "Promotion",
    conditions: Conditions = Conditions(),
    priority: int = 100,
    stackable: bool = True,
    currency: str | None = "CNY",
    location_id: int | None = None,
) -> int:
    values = _rule(name, action, conditions, priority, stackable, currency)
    async with engine.begin() as conn:
        return int(
            (
                await conn.execute(
                    sa.insert(Promotion)
                    .values(
                        **values, starts_at=conditions.starts_at, ends_at=conditions.ends_at, location_id=location_id
                    )
                    .returning(Promotion.id)
                )
            ).scalar_one()
        )


async def add_template(
    engine: AsyncEngine,
    action: Action,
    *,
    name: str = "Coupon",
    campaign_code: str | None = None,
    conditions: Conditions = Conditions(),
    total_quantity: int | None = None,
    per_member_limit: int = 1,
    redeemable_at: RedeemWhere = RedeemWhere.ANYWHERE,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    valid_days: int | None = None,
    currency: str | None = "CNY",
    priority: int = 100,
    stackable: bool = True,
) -> int:
    values = _rule(name, action, conditions, priority, stackable, currency)
    async with engine.begin() as conn:
        return int(
            (
                await conn.execute(
                    sa.insert(CouponTemplate)
                    .values(
                        **values,
                        campaign_code=campaign_code,
                        valid_from=valid_from,
                        valid_until=valid_until,
                        valid_days=valid_days,
                        total_quantity=total_quantity,
                        issued_count=0,
                        per_member_limit=per_member_limit,
                        redeemable_at=redeemable_at,
                    )
                    .returning(CouponTemplate.id)
                )
            ).scalar_one()
        )
