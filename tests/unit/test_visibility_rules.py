"""Who sees which products, whose coupons, which staff users and whose order lists, decided in
the domain (each area's `access.py`) rather than in the GraphQL types."""

from __future__ import annotations

import pytest

from domain.access.model import ANONYMOUS, Permission, Principal, PrincipalKind, StaffRole, member, staff
from domain.accounts.access import sees_staff
from domain.catalog.access import sees_product, sees_unpublished
from domain.orders.access import sees_orders_of
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


def test_a_staff_user_is_seen_by_themself_and_by_whoever_manages_staff() -> None:
    assert sees_staff(staff(3, StaffRole.CASHIER), 3)
    assert not sees_staff(staff(4, StaffRole.STORE_MANAGER), 3)
    assert sees_staff(staff(9, StaffRole.ADMIN), 3)
    assert not sees_staff(member(3), 3)


def test_a_members_orders_are_theirs_and_order_viewing_staffs() -> None:
    assert sees_orders_of(5, member(5))
    assert not sees_orders_of(5, member(6))
    assert not sees_orders_of(5, ANONYMOUS)
    assert sees_orders_of(5, holding(Permission.VIEW_ORDERS))
    assert not sees_orders_of(5, holding(Permission.LOOKUP_MEMBERS))
