"""Promotion and coupon-template administration storage: implements
`domain.promotions.admin.PromotionAdminRepository` and `TemplateAdminRepository`, and the keyset
pages of `promotions` and `couponTemplates` (newest first, on the primary key).

A row being updated is read `FOR UPDATE`, so concurrent updates of one promotion or template take
turns, and a template's quantity is checked against the `issued_count` no concurrent issue can
raise meanwhile (issuing locks the same row). The use cases check campaign-code uniqueness first;
a violation at the INSERT/UPDATE means a concurrent request took the code meanwhile, and becomes
the same DUPLICATE error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Category, Channel, CouponTemplate, Location, Product, ProductVariant
from db.models import Promotion as PromotionRow
from db.pagination import Ordering, Page, PageRequest, SortKey, keyset_page, parse_int
from db.promotions import promotion_of, running_filter, template_of
from domain.errors import Code, DomainError
from domain.inventory.model import LocationType
from domain.promotions.admin import PromotionStatus, StoredPromotion, TemplateFields
from domain.promotions.coupons import TemplateInfo
from domain.promotions.model import Promotion
from domain.promotions.records import action_record, conditions_record
from domain.promotions.rule_input import IdKind

_ID_TABLES: dict[IdKind, Any] = {"product": Product, "category": Category, "variant": ProductVariant}


def _duplicate_code() -> DomainError:
    return DomainError(Code.DUPLICATE, "The campaign code is already taken.", ["input", "campaignCode"])


def _rule_columns(rule: Promotion) -> dict[str, Any]:
    """The columns a promotion and a coupon template share (the window and store are their own)."""
    kind, data = action_record(rule.action)
    return {
        "name": rule.name,
        "priority": rule.priority,
        "stackable": rule.stackable,
        "currency": rule.currency,
        "conditions": conditions_record(rule.conditions),
        "action_type": kind,
        "action": data,
    }


def _promotion_columns(p: StoredPromotion) -> dict[str, Any]:
    window = p.rule.conditions
    return {
        **_rule_columns(p.rule),
        "starts_at": window.starts_at,
        "ends_at": window.ends_at,
        "location_id": p.location_id,
        "is_active": p.is_active,
    }


def _template_columns(t: TemplateFields) -> dict[str, Any]:
    return {
        **_rule_columns(t.rule),
        "campaign_code": t.campaign_code,
        "valid_from": t.valid_from,
        "valid_until": t.valid_until,
        "valid_days": t.valid_days,
        "total_quantity": t.total_quantity,
        "per_member_limit": t.per_member_limit,
        "redeemable_at": t.redeemable_at,
        "is_active": t.is_active,
    }


class SqlPromotionAdmin:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        rows = await self.session.execute(sa.select(Channel.slug, Channel.id).where(Channel.slug.in_(slugs)))
        return {slug: channel_id for slug, channel_id in rows}

    async def existing_ids(self, kind: IdKind, ids: Sequence[int]) -> set[int]:
        model = _ID_TABLES[kind]
        return set(await self.session.scalars(sa.select(model.id).where(model.id.in_(ids))))

    async def location_is_store(self, location_id: int) -> bool | None:
        kind = await self.session.scalar(sa.select(Location.type).where(Location.id == location_id))
        return None if kind is None else kind is LocationType.STORE

    # --- promotions

    async def promotion(self, promotion_id: int) -> StoredPromotion | None:
        row = await self.session.scalar(
            sa.select(PromotionRow)
            .where(PromotionRow.id == promotion_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return StoredPromotion(promotion_of(row), row.location_id, row.is_active) if row else None

    async def add_promotion(self, promotion: StoredPromotion) -> int:
        values = _promotion_columns(promotion)
        result = await self.session.execute(sa.insert(PromotionRow).values(**values).returning(PromotionRow.id))
        return int(result.scalar_one())

    async def update_promotion(self, promotion_id: int, promotion: StoredPromotion) -> None:
        await self._update_promotion(promotion_id, _promotion_columns(promotion))

    async def set_promotion_active(self, promotion_id: int, is_active: bool) -> None:
        await self._update_promotion(promotion_id, {"is_active": is_active})

    async def _update_promotion(self, promotion_id: int, values: dict[str, Any]) -> None:
        await self.session.execute(
            sa.update(PromotionRow)
            .where(PromotionRow.id == promotion_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )

    # --- coupon templates

    async def template(self, template_id: int) -> TemplateInfo | None:
        row = await self.session.scalar(
            sa.select(CouponTemplate)
            .where(CouponTemplate.id == template_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return template_of(row) if row else None

    async def campaign_code_taken(self, code: str, other_than: int | None) -> bool:
        where = [CouponTemplate.campaign_code == code]
        if other_than is not None:
            where.append(CouponTemplate.id != other_than)
        return bool(await self.session.scalar(sa.select(sa.exists().where(*where))))

    async def add_template(self, template: TemplateFields) -> int:
        values = _template_columns(template)
        try:
            result = await self.session.execute(sa.insert(CouponTemplate).values(**values).returning(CouponTemplate.id))
        except IntegrityError:
            raise _duplicate_code() from None
        return int(result.scalar_one())

    async def update_template(self, template_id: int, template: TemplateFields) -> None:
        try:
            await self.session.execute(
                sa.update(CouponTemplate)
                .where(CouponTemplate.id == template_id)
                .values(**_template_columns(template))
                .execution_options(synchronize_session=False)
            )
        except IntegrityError:
            raise _duplicate_code() from None


# ---------------------------------------------------------------------------- pages

PROMOTION_ORDERING = Ordering("promotions", [SortKey(PromotionRow.id, descending=True, parse=parse_int)])
TEMPLATE_ORDERING = Ordering("coupon-templates", [SortKey(CouponTemplate.id, descending=True, parse=parse_int)])
_FRESH = {"populate_existing": True}


@dataclass(frozen=True, slots=True)
class PromotionQuery:
    """A `promotions` filter. `visible_to_store`: a store manager's view (chain-wide and that store's)."""

    is_active: bool | None = None
    status: PromotionStatus | None = None
    running_at: datetime | None = None
    location_id: int | None = None
    visible_to_store: int | None = None
    now: datetime | None = None  # what `status` is judged at


def _status_filter(status: PromotionStatus, now: datetime) -> Any:
    p = PromotionRow
    match status:
        case PromotionStatus.INACTIVE:
            return p.is_active.is_(False)
        case PromotionStatus.SCHEDULED:
            return sa.and_(p.is_active.is_(True), p.starts_at > now)
        case PromotionStatus.ENDED:
            return sa.and_(p.is_active.is_(True), p.ends_at <= now)
        case PromotionStatus.RUNNING:
            return running_filter(now)


def promotion_statement(q: PromotionQuery) -> sa.Select[Any]:
    p = PromotionRow
    stmt = sa.select(p)
    if q.is_active is not None:
        stmt = stmt.where(p.is_active.is_(q.is_active))
    if q.status is not None and q.now is not None:
        stmt = stmt.where(_status_filter(q.status, q.now))
    if q.running_at is not None:
        stmt = stmt.where(running_filter(q.running_at))
    if q.location_id is not None:
        stmt = stmt.where(p.location_id == q.location_id)
    if q.visible_to_store is not None:
        stmt = stmt.where(sa.or_(p.location_id.is_(None), p.location_id == q.visible_to_store))
    return stmt


async def promotion_page(session: AsyncSession, q: PromotionQuery, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(
        session,
        promotion_statement(q).execution_options(**_FRESH),
        PROMOTION_ORDERING,
        page,
        size,
        lambda r: (r[0].id,),
    )


def template_statement(is_active: bool | None) -> sa.Select[Any]:
    stmt = sa.select(CouponTemplate)
    return stmt if is_active is None else stmt.where(CouponTemplate.is_active.is_(is_active))


async def template_page(session: AsyncSession, is_active: bool | None, page: PageRequest, size: int) -> Page[Any]:
    return await keyset_page(
        session,
        template_statement(is_active).execution_options(**_FRESH),
        TEMPLATE_ORDERING,
        page,
        size,
        lambda r: (r[0].id,),
    )


# ---------------------------------------------------------------------------- loaders


async def promotions_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, PromotionRow]:
    rows = await session.scalars(sa.select(PromotionRow).where(PromotionRow.id.in_(ids)), execution_options=_FRESH)
    return {r.id: r for r in rows}


async def templates_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, CouponTemplate]:
    rows = await session.scalars(sa.select(CouponTemplate).where(CouponTemplate.id.in_(ids)), execution_options=_FRESH)
    return {r.id: r for r in rows}
