"""Promotion administration rules without a database: flat action inputs, promotion status, who
manages what, and issuing over an in-memory repository."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from domain.errors import DomainError
from domain.promotions.admin import Manager, PromotionStatus, promotion_status
from domain.promotions.coupons import CouponInfo, TemplateInfo
from domain.promotions.issuing import NewCoupon, issue, issue_one
from domain.promotions.model import BuyXGetY, Conditions, FixedPrice, FreeShipping, PercentOff, Promotion
from domain.promotions.records import ActionType, CouponState, RedeemWhere
from domain.promotions.rule_input import ActionInput, action_from_input

NOW = datetime(2030, 1, 1, tzinfo=UTC)
PATH = ["input", "action"]


def parsed(given: ActionInput) -> tuple[object, set[tuple[str, str]]]:
    errors: list[DomainError] = []
    action = action_from_input(given, errors, PATH)
    return action, {(e.code, (e.field or [])[-1]) for e in errors}


def test_an_action_is_built_from_the_fields_of_its_type() -> None:
    assert parsed(ActionInput(ActionType.PERCENT_OFF, percent=Decimal(15))) == (PercentOff(Decimal(15)), set())
    assert parsed(ActionInput(ActionType.FIXED_PRICE, unit_price=Decimal("9.9"))) == (
        FixedPrice(Decimal("9.9"), None),
        set(),
    )
    assert parsed(ActionInput(ActionType.BUY_X_GET_Y, buy=2, get=1)) == (BuyXGetY(2, 1, Decimal(100)), set())
    assert parsed(ActionInput(ActionType.FREE_SHIPPING)) == (FreeShipping(), set())


def test_missing_fields_are_required_and_extra_ones_invalid() -> None:
    _, errors = parsed(ActionInput(ActionType.AMOUNT_OFF, percent=Decimal(5)))
    assert errors == {("REQUIRED", "amount"), ("INVALID", "percent")}
    _, errors = parsed(ActionInput(ActionType.POINTS_MULTIPLIER, buy=1, get=1))
    assert errors == {("REQUIRED", "factor"), ("INVALID", "buy"), ("INVALID", "get")}


@pytest.mark.parametrize(
    ("is_active", "starts", "ends", "status"),
    [
        (False, None, None, PromotionStatus.INACTIVE),
        (True, None, None, PromotionStatus.RUNNING),
        (True, NOW, None, PromotionStatus.RUNNING),  # the start instant is inside
        (True, NOW + timedelta(seconds=1), None, PromotionStatus.SCHEDULED),
        (True, None, NOW, PromotionStatus.ENDED),  # the end instant is not
        (True, None, NOW + timedelta(seconds=1), PromotionStatus.RUNNING),
    ],
)
def test_a_promotions_status_follows_its_half_open_window(
    is_active: bool, starts: datetime | None, ends: datetime | None, status: PromotionStatus
) -> None:
    assert promotion_status(is_active, starts, ends, NOW) is status


def test_a_store_manager_sees_the_chain_and_their_store_and_manages_only_their_store() -> None:
    admin, manager = Manager(), Manager(store_id=7)
    assert admin.sees(None) and admin.sees(8) and admin.manages(None) and admin.manages(8)
    assert manager.sees(None) and manager.sees(7) and not manager.sees(8)
    assert manager.manages(7) and not manager.manages(None) and not manager.manages(8)


# --- issuing --------------------------------------------------------------------------------------

RULE = Promotion(1, "Gift", 100, True, Conditions(), PercentOff(Decimal(10)))


def campaign(**changes: object) -> TemplateInfo:
    base = TemplateInfo(1, RULE, None, None, None, None, None, 0, 1, RedeemWhere.ANYWHERE, True)
    return replace(base, **changes)  # type: ignore[arg-type]


class MemoryIssuing:
    def __init__(self, template: TemplateInfo, held: dict[int, int] | None = None) -> None:
        self.template = template
        self.holdings = dict(held or {})
        self.added: list[NewCoupon] = []

    async def lock_template(self, template_id: int) -> TemplateInfo | None:
        return self.template if template_id == self.template.id else None

    async def held(self, template_id: int, member_ids: Sequence[int]) -> dict[int, int]:
        return {m: n for m, n in self.holdings.items() if m in member_ids}

    async def take(self, template_id: int, count: int) -> bool:
        t = self.template
        if t.total_quantity is not None and t.issued_count + count > t.total_quantity:
            return False
        self.template = replace(t, issued_count=t.issued_count + count)
        return True

    async def add_coupons(self, coupons: Sequence[NewCoupon]) -> list[CouponInfo]:
        self.added += coupons
        return [
            CouponInfo(i, c.code, c.template_id, c.member_id, CouponState.ACTIVE, c.valid_from, c.valid_until)
            for i, c in enumerate(coupons, start=len(self.added))
        ]


async def test_each_member_gets_one_coupon_and_members_at_their_limit_are_skipped() -> None:
    repo = MemoryIssuing(campaign(valid_days=10), held={2: 1})
    issued = await issue(repo, 1, [1, 2, 3, 1], now=NOW, staff_id=5, field=["templateId"])
    assert [c.member_id for c in issued.coupons] == [1, 3]
    assert [(s.member_id, s.code) for s in issued.skipped] == [(2, "COUPON_LIMIT_REACHED")]
    assert {(c.valid_from, c.valid_until, c.issued_by_staff_id) for c in repo.added} == {
        (NOW, NOW + timedelta(days=10), 5)
    }
    assert repo.template.issued_count == 2


async def test_a_batch_larger_than_what_is_left_issues_nothing() -> None:
    repo = MemoryIssuing(campaign(total_quantity=5, issued_count=3))
    with pytest.raises(DomainError) as refused:
        await issue(repo, 1, [1, 2, 3], now=NOW, field=["templateId"])
    assert refused.value.code == "COUPON_EXHAUSTED" and repo.added == [] and repo.template.issued_count == 3


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"is_active": False}, "COUPON_INVALID"),
        ({"valid_until": NOW}, "COUPON_EXPIRED"),
        ({"total_quantity": 2, "issued_count": 2}, "COUPON_EXHAUSTED"),
    ],
)
async def test_a_campaign_that_cannot_issue_refuses_everyone(changes: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as refused:
        await issue(MemoryIssuing(campaign(**changes)), 1, [1], now=NOW, field=["templateId"])
    assert refused.value.code == code


async def test_a_claim_over_the_limit_is_refused() -> None:
    repo = MemoryIssuing(campaign(), held={9: 1})
    assert (await issue_one(repo, 1, 8, now=NOW, field=["code"])).member_id == 8
    with pytest.raises(DomainError) as refused:
        await issue_one(repo, 1, 9, now=NOW, field=["code"])
    assert (refused.value.code, refused.value.field) == ("COUPON_LIMIT_REACHED", ["code"])
