"""Who reads a location's stock records: the ledger of movements and the transfers in and out.

Staff and apps who manage stock read them: admins and apps at every location, a store's staff
only at their own. A store's staff asking for another location is refused rather than answered
with an empty page, so a screen never shows a silently wrong ledger.
"""

from __future__ import annotations

from domain.access.model import Permission, Principal, location_scope


def stock_records_scope(principal: Principal, requested: int | None) -> int | None:
    """The location a read of stock records is limited to (None: every location). The caller holds
    MANAGE_STOCK."""
    refusal = "Store staff read the stock movements of their own location only."
    return location_scope(principal, Permission.MANAGE_STOCK, requested, refusal)


def manages_stock_at(principal: Principal, location_id: int) -> bool:
    """Reads and changes a location's stock records (counts stock in or out, sends and receives
    transfers): admins and apps anywhere, a store's staff at their own store."""
    return principal.can_at(Permission.MANAGE_STOCK, location_id)


def sees_transfer(principal: Principal, from_location_id: int, to_location_id: int) -> bool:
    """The staff of either end, and admins and apps who manage stock."""
    return manages_stock_at(principal, from_location_id) or manages_stock_at(principal, to_location_id)
