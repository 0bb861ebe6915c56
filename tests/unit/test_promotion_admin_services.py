"""Promotion administration and staff coupon issuing against an in-memory unit of work: who may
change which promotion, what a refused command leaves unwritten, and the checks on whom to issue to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from domain.access.model import AccessDenied
from domain.errors import DomainError
from domain.promotions.admin import (
    Manager,
    PromotionChange,
    StoredPromotion,
    TemplateChange,
    TemplateFields,
    deactivate_promotion,
    save_promotion,
    save_template,
)
from domain.promotions.coupons import TemplateInfo
from domain.promotions.issuing import IssueCommand, issue_to_members
from domain.promotions.records import ActionType
from domain.promotions.rule_input import ActionInput, RuleChange

NOW = datetime(2026, 5, 1, tzinfo=UTC)
STORE, OTHER_STORE, WAREHOUSE = 1, 2, 3
FREE_SHIPPING = RuleChange(name="Free shipping", action=ActionInput(ActionType.FREE_SHIPPING))


class MemoryAdmin:
    """Promotions and templates as the records the use cases write; also the staff issuing side."""

    def __init__(self) -> None:
        self.promotions: dict[int, StoredPromotion] = {}
        self.templates: dict[int, TemplateFields] = {}
        self.members = {10, 11}
        self.locked: list[int] = []

    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        return {}

    async def existing_ids(self, kind: str, ids: Sequence[int]) -> set[int]:
        return set(ids)

    async def location_is_store(self, location_id: int) -> bool | None:
        return {STORE: True, OTHER_STORE: True, WAREHOUSE: False}.get(location_id)

    async def promotion(self, promotion_id: int) -> StoredPromotion | None:
        return self.promotions.get(promotion_id)

    async def add_promotion(self, promotion: StoredPromotion) -> int:
        key = len(self.promotions) + 1
        self.promotions[key] = promotion
        return key

    async def update_promotion(self, promotion_id: int, promotion: StoredPromotion) -> None:
        self.promotions[promotion_id] = promotion

    async def set_promotion_active(self, promotion_id: int, is_active: bool) -> None:
        self.promotions[promotion_id] = replace(self.promotions[promotion_id], is_active=is_active)

    async def template(self, template_id: int) -> TemplateInfo | None:
        return None

    async def campaign_code_taken(self, code: str, other_than: int | None) -> bool:
        return any(t.campaign_code == code for k, t in self.templates.items() if k != other_than)

    async def add_template(self, template: TemplateFields) -> int:
        key = len(self.templates) + 1
        self.templates[key] = template
        return key

    async def update_template(self, template_id: int, template: TemplateFields) -> None:
        self.templates[template_id] = template

    async def existing_members(self, member_ids: Sequence[int]) -> set[int]:
        return self.members & set(member_ids)

    async def tagged_members(self, tag: str, limit: int) -> list[int]:
        return []

    async def lock_template(self, template_id: int) -> TemplateInfo | None:
        self.locked.append(template_id)
        return None


class FakeUow:
    def __init__(self) -> None:
        self.promotion_admin = self.coupon_issuing = MemoryAdmin()


async def test_a_store_managers_new_promotion_is_their_stores() -> None:
    uow = FakeUow()
    key = await save_promotion(uow, Manager(store_id=STORE), PromotionChange(FREE_SHIPPING))
    row = uow.promotion_admin.promotions[key]
    assert (row.rule.name, row.location_id, row.is_active) == ("Free shipping", STORE, True)
    with pytest.raises(AccessDenied):
        await save_promotion(uow, Manager(store_id=STORE), PromotionChange(FREE_SHIPPING, location_id=None))


async def test_a_store_manager_cannot_touch_chain_wide_promotions_nor_see_other_stores() -> None:
    uow = FakeUow()
    chain = await save_promotion(uow, Manager(), PromotionChange(FREE_SHIPPING, location_id=None))
    other = await save_promotion(uow, Manager(), PromotionChange(FREE_SHIPPING, location_id=OTHER_STORE))
    manager = Manager(store_id=STORE)
    with pytest.raises(AccessDenied):
        await deactivate_promotion(uow, manager, chain)
    with pytest.raises(DomainError) as e:
        await deactivate_promotion(uow, manager, other)
    assert (e.value.code, e.value.field) == ("NOT_FOUND", ["id"])
    assert await deactivate_promotion(uow, Manager(), other) == other
    assert [r.is_active for r in uow.promotion_admin.promotions.values()] == [True, False]


async def test_a_promotion_of_a_warehouse_is_refused_and_not_written() -> None:
    uow = FakeUow()
    with pytest.raises(DomainError) as e:
        await save_promotion(uow, Manager(), PromotionChange(FREE_SHIPPING, location_id=WAREHOUSE))
    assert (e.value.code, e.value.field) == ("INVALID", ["input", "locationId"])
    assert uow.promotion_admin.promotions == {}


async def test_a_campaign_code_is_upper_cased_and_unique() -> None:
    uow = FakeUow()
    change = TemplateChange(FREE_SHIPPING, campaign_code="spring-26", valid_days=30)
    key = await save_template(uow, change)
    assert uow.promotion_admin.templates[key].campaign_code == "SPRING-26"
    with pytest.raises(DomainError) as e:
        await save_template(uow, change)
    assert (e.value.code, e.value.field) == ("DUPLICATE", ["input", "campaignCode"])
    assert len(uow.promotion_admin.templates) == 1


async def test_issuing_to_an_unknown_member_issues_nothing() -> None:
    uow = FakeUow()
    with pytest.raises(DomainError) as e:
        await issue_to_members(uow, IssueCommand(1, member_ids=[10, 0]), NOW)
    assert (e.value.code, e.value.field) == ("NOT_FOUND", ["input", "memberIds", "1"])
    assert uow.coupon_issuing.locked == []
