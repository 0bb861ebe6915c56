"""Who sees which products and whose coupons, decided in the domain (`domain.catalog.access`,
`domain.promotions.access`) rather than in the GraphQL types."""

from __future__ import annotations

import pytest

from domain.access.model import ANONYMOUS, Permission, Principal, PrincipalKind, StaffRole, member, staff
from domain.catalog.access import sees_product, sees_unpublished
from domain.promotions.access import sees_coupons_of


def holding(permission: Permission) -> Principal:
    return Principal(PrincipalKind.APP, 7, None, frozenset({permission}))


def test_a_published_product_is_everyones_and_an_unpublished_one_staffs() -> None:
    for principal in (ANONYMOUS, member(1), staff(2, StaffRole.CASHIER)):
        assert sees_product(principal, published=True)
    assert not sees_product(ANONYMOUS, published=False)
    assert not sees_product(member(1), published=False)
    assert not sees_product(holding(Permission.MANAGE_PROMOTIONS), published=False)
    assert sees_product(holding(Permission.VIEW_UNPUBLISHED), published=False)
    assert sees_unpublished(staff(2, StaffRole.FULFILLMENT)) and not sees_unpublished(member(1))


@pytest.mark.parametrize(
    "permission", [Permission.LOOKUP_MEMBERS, Permission.SELL_IN_STORE, Permission.MANAGE_PROMOTIONS]
)
def test_staff_who_look_members_up_sell_or_run_promotions_see_anyones_coupons(permission: Permission) -> None:
    assert sees_coupons_of(holding(permission), 5)


def test_a_member_sees_only_their_own_coupons() -> None:
    assert sees_coupons_of(member(5), 5)
    assert not sees_coupons_of(member(6), 5)
    assert not sees_coupons_of(ANONYMOUS, 5)
    assert not sees_coupons_of(holding(Permission.VIEW_ORDERS), 5)
