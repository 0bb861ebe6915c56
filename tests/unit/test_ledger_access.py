"""Who reads the stock ledger: admins and apps anywhere, a store's staff only at their store."""

from __future__ import annotations

import pytest

from domain.access.model import AccessDenied, AppScope, StaffRole, app, staff
from domain.inventory.access import manages_stock_at, stock_records_scope

STORE, OTHER = 7, 8


def test_admins_and_stock_apps_read_any_location_or_all() -> None:
    for who in (staff(1, StaffRole.ADMIN), app(2, frozenset({AppScope.INVENTORY_WRITE}))):
        assert stock_records_scope(who, None) is None
        assert stock_records_scope(who, OTHER) == OTHER
        assert manages_stock_at(who, OTHER)


def test_a_store_manager_reads_their_store_by_default_and_no_other() -> None:
    manager = staff(1, StaffRole.STORE_MANAGER, STORE)
    assert stock_records_scope(manager, None) == STORE
    assert stock_records_scope(manager, STORE) == STORE
    with pytest.raises(AccessDenied):
        stock_records_scope(manager, OTHER)
    assert manages_stock_at(manager, STORE) and not manages_stock_at(manager, OTHER)


def test_a_store_manager_without_a_store_reads_nothing() -> None:
    with pytest.raises(AccessDenied):
        stock_records_scope(staff(1, StaffRole.STORE_MANAGER), None)
