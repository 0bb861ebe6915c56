"""Who reads the data centre's figures: head office (admins) and apps with REPORTS_READ everything;
a store's staff with the permission (store managers) their own store only. A filter naming another
store is refused (FORBIDDEN), never answered empty: a manager must not read a silently wrong report.
Figures that belong to no store (the points liability, coupon campaigns) are for head office."""

from __future__ import annotations

from domain.access.model import AccessDenied, Permission, Principal, SignInRequired


def report_locations(principal: Principal, requested: tuple[int, ...] | None) -> tuple[int, ...] | None:
    """The locations a report may cover (None: all of them)."""
    if principal.is_anonymous:
        raise SignInRequired("Sign in as staff to read reports.")
    if principal.can_everywhere(Permission.VIEW_REPORTS):
        return requested
    if not principal.can(Permission.VIEW_REPORTS) or principal.location_id is None:
        raise AccessDenied("Reports are for head office, reporting apps and the managers of a store.")
    if requested is not None and any(location != principal.location_id for location in requested):
        raise AccessDenied("A store's staff read the reports of their own store only.")
    return (principal.location_id,)


def check_head_office(principal: Principal) -> None:
    """Figures of the whole business: admins and reporting apps only."""
    if principal.is_anonymous:
        raise SignInRequired("Sign in as staff to read reports.")
    if not principal.can_everywhere(Permission.VIEW_REPORTS):
        raise AccessDenied("These figures are for head office and reporting apps.")
