"""Whose settlement figures a caller reads (domain/settlement/access.py), as a table: admins and
settlement apps every party's; a store manager of a party's store that party's; nobody else any."""

from __future__ import annotations

import pytest

from domain.access.model import (
    ANONYMOUS,
    AccessDenied,
    AppScope,
    Principal,
    SignInRequired,
    StaffRole,
    app,
    member,
    staff,
)
from domain.settlement.access import EVERY_PARTY, SettlementView, settlement_view

NORTH = 7
STORE = 3


def test_admins_and_settlement_apps_read_every_party() -> None:
    assert settlement_view(staff(1, StaffRole.ADMIN), None) == EVERY_PARTY
    assert settlement_view(staff(1, StaffRole.ADMIN, STORE), NORTH) == EVERY_PARTY, "an admin at a store too"
    assert settlement_view(app(1, frozenset({AppScope.SETTLEMENT_WRITE})), None) == EVERY_PARTY


def test_a_partys_store_manager_reads_that_party_only() -> None:
    view = settlement_view(staff(2, StaffRole.STORE_MANAGER, STORE), NORTH)
    assert view == SettlementView(NORTH)
    assert view.sees(NORTH) and not view.sees(NORTH + 1)
    assert EVERY_PARTY.sees(NORTH + 1)


@pytest.mark.parametrize(
    ("principal", "store_party"),
    [
        (staff(2, StaffRole.STORE_MANAGER, STORE), None),  # one of the brand's own stores
        (staff(2, StaffRole.STORE_MANAGER), NORTH),  # no store: the party cannot be theirs
        (staff(3, StaffRole.CASHIER, STORE), NORTH),  # no VIEW_REPORTS
        (staff(4, StaffRole.FULFILLMENT, STORE), NORTH),
        (app(1, frozenset({AppScope.REPORTS_READ})), None),
        (member(5), None),
    ],
)
def test_anyone_else_is_refused(principal: Principal, store_party: int | None) -> None:
    with pytest.raises(AccessDenied) as refused:
        settlement_view(principal, store_party)
    assert not isinstance(refused.value, SignInRequired)


def test_an_anonymous_caller_is_asked_to_sign_in() -> None:
    with pytest.raises(SignInRequired):
        settlement_view(ANONYMOUS, None)
