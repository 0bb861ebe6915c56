"""The order state machine and cart totals, without a database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.access.model import ANONYMOUS, AppScope, Permission, StaffRole, app, member, staff
from domain.errors import DomainError
from domain.inventory.model import FulfilmentMethod as M
from domain.orders.access import (
    AccessDenied,
    OrderScope,
    SignInRequired,
    acts_on,
    is_scoped,
    member_orders_scope,
    order_list_scope,
    order_locations,
    sees_order,
)
from domain.orders.model import TRANSITIONS, OrderAction, OrderStatus, allowed_actions, transition
from domain.orders.pricing import Discount, PointsRule, PricedLine, ShippingRule, compute_totals

S, A = OrderStatus, OrderAction


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (
            M.DELIVERY,
            [
                (A.PAY, S.PAID),
                (A.SHIP, S.SHIPPED),
                (A.DELIVER, S.COMPLETED),
                (A.RETURN_PART, S.PARTIALLY_RETURNED),
                (A.RETURN_ALL, S.RETURNED),
            ],
        ),
        (M.ENDLESS_AISLE, [(A.PAY, S.PAID), (A.SHIP, S.SHIPPED), (A.DELIVER, S.COMPLETED)]),
        (
            M.PICKUP,
            [
                (A.PAY, S.PAID),
                (A.READY_FOR_PICKUP, S.READY_FOR_PICKUP),
                (A.PICK_UP, S.COMPLETED),
                (A.RETURN_ALL, S.RETURNED),
            ],
        ),
        (M.IN_STORE, [(A.PAY, S.PAID), (A.COMPLETE_IN_STORE, S.COMPLETED)]),
    ],
)
def test_each_fulfilment_method_walks_its_own_path(method: M, path: list[tuple[A, S]]) -> None:
    status = S.UNPAID
    for action, expected in path:
        status = transition(status, action, method)
        assert status is expected


@pytest.mark.parametrize(
    ("status", "action", "method"),
    [
        (S.UNPAID, A.SHIP, M.DELIVERY),  # not paid yet
        (S.PAID, A.READY_FOR_PICKUP, M.DELIVERY),  # a delivery is not picked up
        (S.PAID, A.SHIP, M.PICKUP),  # a pickup is not shipped
        (S.PAID, A.SHIP, M.IN_STORE),
        (S.SHIPPED, A.CANCEL, M.DELIVERY),  # too late to cancel
        (S.COMPLETED, A.CANCEL, M.DELIVERY),
        (S.CANCELLED, A.PAY, M.DELIVERY),  # a cancelled order stays cancelled
        (S.RETURNED, A.RETURN_PART, M.DELIVERY),
        (S.PAID, A.PAY, M.DELIVERY),  # no double payment
    ],
)
def test_illegal_transitions_are_refused_with_a_code(status: S, action: A, method: M) -> None:
    with pytest.raises(DomainError) as caught:
        transition(status, action, method)
    assert caught.value.code == "INVALID_TRANSITION"


def test_cancelled_and_returned_orders_are_final() -> None:
    for method in M:
        assert allowed_actions(S.CANCELLED, method) == []
        assert allowed_actions(S.RETURNED, method) == []


def test_every_status_is_reachable_from_unpaid() -> None:
    reached = {S.UNPAID}
    frontier = [S.UNPAID]
    while frontier:
        current = frontier.pop()
        for (source, _), (target, _) in TRANSITIONS.items():
            if source is current and target not in reached:
                reached.add(target)
                frontier.append(target)
    assert reached == set(S)


def line(price: str, qty: int = 1, *discounts: str) -> PricedLine:
    return PricedLine("0", 1, qty, Decimal(price), tuple(Discount("promo", Decimal(d)) for d in discounts))


def test_totals_add_up_with_discounts_points_and_shipping() -> None:
    totals = compute_totals(
        [line("100.00", 2, "20.00"), line("30.00")],
        "CNY",
        method=M.DELIVERY,
        shipping=ShippingRule(Decimal("10.00"), Decimal("500")),
        points=PointsRule(),
        points_requested=1000,
    )
    assert totals.subtotal == Decimal("230.00") and totals.discount_total == Decimal("20.00")
    assert totals.shipping == Decimal("10.00")
    assert totals.points_spent == 1000 and totals.points_discount == Decimal("10.00")
    assert totals.total == Decimal("210.00")


def test_shipping_is_free_over_the_threshold_and_for_pickup() -> None:
    rule = ShippingRule(Decimal("10.00"), Decimal("199.00"))
    assert compute_totals([line("199.00")], "CNY", method=M.DELIVERY, shipping=rule, points=PointsRule()).shipping == 0
    assert compute_totals([line("19.00")], "CNY", method=M.PICKUP, shipping=rule, points=PointsRule()).shipping == 0
    assert compute_totals(
        [line("19.00")], "CNY", method=M.DELIVERY, shipping=rule, points=PointsRule()
    ).shipping == Decimal("10.00")


def test_points_pay_at_most_the_configured_share() -> None:
    totals = compute_totals(
        [line("50.00")],
        "CNY",
        method=M.PICKUP,
        shipping=ShippingRule(),
        points=PointsRule(Decimal("0.01"), Decimal("0.5")),
        points_requested=1_000_000,
    )
    assert totals.points_spent == 2500 and totals.points_discount == Decimal("25.00")
    assert totals.total == Decimal("25.00")


amounts = st.decimals(min_value=0, max_value=5000, places=2)


@given(
    st.lists(st.tuples(amounts, st.integers(1, 20), amounts), min_size=0, max_size=6),
    st.integers(0, 10**7),
    amounts,
    st.one_of(st.none(), amounts),
    st.sampled_from(list(M)),
    st.decimals(min_value=0, max_value=1, places=2),
)
def test_totals_always_balance_and_never_go_negative(
    raw: list[tuple[Decimal, int, Decimal]],
    points: int,
    flat: Decimal,
    free_over: Decimal | None,
    method: M,
    share: Decimal,
) -> None:
    lines = [PricedLine(str(i), i, q, p, (Discount("x", d),)) for i, (p, q, d) in enumerate(raw)]
    t = compute_totals(
        lines,
        "CNY",
        method=method,
        shipping=ShippingRule(flat, free_over),
        points=PointsRule(Decimal("0.01"), share),
        points_requested=points,
    )
    assert t.total == t.subtotal - t.discount_total - t.points_discount + t.shipping
    assert t.total >= 0 and t.discount_total <= t.subtotal and t.points_spent <= points
    assert t.points_discount <= (t.subtotal - t.discount_total + t.shipping) * share
    assert t.discount_total == sum((ln.discount for ln in lines), Decimal(0))


# --- who sees and acts on an order -----------------------------------------------------------------


def test_an_order_belongs_to_its_store_and_where_its_units_come_from() -> None:
    assert order_locations(3, [9, 9, 4]) == {3, 4, 9}  # a till's endless-aisle sale shipped from warehouses
    assert order_locations(None, [9]) == {9}  # a web delivery: the location that ships it


def test_store_staff_see_and_act_on_their_locations_orders_only() -> None:
    at_3 = frozenset({3, 9})
    assert sees_order(7, at_3, staff(1, StaffRole.CASHIER, 3))
    assert sees_order(7, at_3, staff(1, StaffRole.FULFILLMENT, 9))
    assert not sees_order(7, at_3, staff(1, StaffRole.CASHIER, 4))
    assert not sees_order(7, at_3, staff(1, StaffRole.STORE_MANAGER))  # assigned to no location
    assert sees_order(7, frozenset(), staff(1, StaffRole.ADMIN)) and sees_order(
        7, frozenset(), app(1, frozenset({AppScope.ORDERS_READ}))
    )
    assert sees_order(7, frozenset(), member(7)) and not sees_order(7, at_3, member(8))
    assert sees_order(None, frozenset(), ANONYMOUS)  # a guest order: whoever holds its id
    assert acts_on(Permission.MANAGE_ORDERS, at_3, staff(1, StaffRole.STORE_MANAGER, 3))
    assert not acts_on(Permission.MANAGE_ORDERS, at_3, staff(1, StaffRole.STORE_MANAGER, 4))
    assert not acts_on(Permission.MANAGE_ORDERS, at_3, staff(1, StaffRole.CASHIER, 3))
    assert is_scoped(staff(1, StaffRole.CASHIER, 3)) and not is_scoped(staff(1, StaffRole.ADMIN))
    assert not is_scoped(member(7)) and not is_scoped(app(1, frozenset({AppScope.ORDERS_READ})))


# --- whose orders a list shows ---------------------------------------------------------------------


def test_a_member_lists_only_their_own_orders_whatever_they_ask() -> None:
    assert order_list_scope(member(7), None) == OrderScope(member_id=7)
    assert order_list_scope(member(7), 7) == OrderScope(member_id=7)
    with pytest.raises(AccessDenied, match="only their own"):
        order_list_scope(member(7), 8)


def test_an_anonymous_caller_is_told_to_sign_in_and_an_app_without_orders_is_refused() -> None:
    with pytest.raises(SignInRequired):
        order_list_scope(ANONYMOUS, None)
    with pytest.raises(AccessDenied) as refused:
        order_list_scope(app(1, frozenset({AppScope.CATALOG_READ})), None)
    assert not isinstance(refused.value, SignInRequired)


def test_order_viewing_staff_list_any_members_orders_and_store_staff_only_their_locations() -> None:
    assert order_list_scope(staff(1, StaffRole.ADMIN), 8) == OrderScope(member_id=8)
    assert order_list_scope(app(1, frozenset({AppScope.ORDERS_READ})), None) == OrderScope()
    assert order_list_scope(staff(1, StaffRole.CASHIER, 3), 8) == OrderScope(member_id=8, belongs_to=3)
    with pytest.raises(AccessDenied, match="you have none"):
        order_list_scope(staff(1, StaffRole.STORE_MANAGER), None)


def test_a_members_order_list_is_theirs_whole_and_store_staffs_narrowed_to_their_location() -> None:
    assert member_orders_scope(7, member(7)) == OrderScope(member_id=7)
    assert member_orders_scope(7, staff(1, StaffRole.FULFILLMENT, 9)) == OrderScope(member_id=7, belongs_to=9)
    assert member_orders_scope(7, staff(1, StaffRole.ADMIN)) == OrderScope(member_id=7)
    with pytest.raises(AccessDenied):
        member_orders_scope(7, member(8))
