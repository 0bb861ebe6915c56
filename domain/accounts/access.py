"""Who may see a staff user: themself, and whoever manages staff (MANAGE_STAFF); colleagues and
customers get null, so staff accounts cannot be listed by guessing ids."""

from __future__ import annotations

from domain.access.model import Permission, Principal


def sees_staff(principal: Principal, staff_id: int) -> bool:
    return principal.staff_id == staff_id or principal.can(Permission.MANAGE_STAFF)
