"""Who is asking, and what they may do: the one permission table every resolver uses.

A request is made by a `Principal`: anonymous, a member, a staff user with a role, or
(later) a third-party app with scopes. Resolvers never test roles; they ask
`principal.can(Permission.X)`, so changing what a role may do is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class AccessDenied(Exception):
    """The caller may not do this or read this (a top-level FORBIDDEN, not a userError)."""


class SignInRequired(AccessDenied):
    """An anonymous caller asked for what only a signed-in one may see (a top-level UNAUTHENTICATED)."""


class StaffRole(str, Enum):
    ADMIN = "admin"
    STORE_MANAGER = "store_manager"
    CASHIER = "cashier"
    FULFILLMENT = "fulfillment"


class Permission(str, Enum):
    MANAGE_CATALOG = "manage_catalog"  # products, variants, categories, listings
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_STAFF = "manage_staff"
    MANAGE_STOCK = "manage_stock"
    MANAGE_LOCATIONS = "manage_locations"  # warehouses and stores: create, change, channel links
    MANAGE_ORDERS = "manage_orders"
    FULFIL_ORDERS = "fulfil_orders"
    SELL_IN_STORE = "sell_in_store"  # POS: carts and payments at the till
    LOOKUP_MEMBERS = "lookup_members"
    MANAGE_MEMBERS = "manage_members"  # tags, points adjustments
    ERASE_MEMBERS = "erase_members"  # erase a member's personal data on request (admins only)
    MANAGE_PROMOTIONS = "manage_promotions"
    VIEW_UNPUBLISHED = "view_unpublished"  # see catalogue data not published in a channel
    VIEW_ORDERS = "view_orders"  # read every member's orders
    MANAGE_APPS = "manage_apps"  # third-party app tokens
    REPORT_PAYMENTS = "report_payments"  # a payment app reports charges and refunds of its own transactions
    VIEW_REPORTS = "view_reports"  # the data centre's figures (a store's staff: their store's)
    MANAGE_SETTLEMENT = "manage_settlement"  # parties, settlement rules, the ledger and statements


ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.ADMIN: frozenset(Permission),
    StaffRole.STORE_MANAGER: frozenset(
        {
            Permission.MANAGE_STOCK,
            Permission.MANAGE_ORDERS,
            Permission.FULFIL_ORDERS,
            Permission.SELL_IN_STORE,
            Permission.LOOKUP_MEMBERS,
            Permission.MANAGE_MEMBERS,
            Permission.MANAGE_PROMOTIONS,
            Permission.VIEW_UNPUBLISHED,
            Permission.VIEW_ORDERS,
            Permission.VIEW_REPORTS,
        }
    ),
    StaffRole.CASHIER: frozenset(
        {
            Permission.SELL_IN_STORE,
            Permission.LOOKUP_MEMBERS,
            Permission.VIEW_UNPUBLISHED,
            Permission.VIEW_ORDERS,
        }
    ),
    StaffRole.FULFILLMENT: frozenset(
        {
            Permission.FULFIL_ORDERS,
            Permission.VIEW_UNPUBLISHED,
            Permission.VIEW_ORDERS,
        }
    ),
}


class PrincipalKind(str, Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    STAFF = "staff"
    APP = "app"


class AppScope(str, Enum):
    """What a third-party app's token may do; each scope grants a fixed set of permissions."""

    CATALOG_READ = "catalog:read"
    CATALOG_WRITE = "catalog:write"
    INVENTORY_WRITE = "inventory:write"
    ORDERS_READ = "orders:read"
    ORDERS_WRITE = "orders:write"
    MEMBERS_READ = "members:read"
    MEMBERS_WRITE = "members:write"
    PROMOTIONS_WRITE = "promotions:write"
    PAYMENTS = "payments"  # a payment provider's app: a gateway when it hears PAYMENT_INITIALIZE
    REPORTS_READ = "reports:read"
    SETTLEMENT_WRITE = "settlement:write"


SCOPE_PERMISSIONS: dict[AppScope, frozenset[Permission]] = {
    AppScope.CATALOG_READ: frozenset({Permission.VIEW_UNPUBLISHED}),
    AppScope.CATALOG_WRITE: frozenset({Permission.VIEW_UNPUBLISHED, Permission.MANAGE_CATALOG}),
    AppScope.INVENTORY_WRITE: frozenset({Permission.MANAGE_STOCK}),
    AppScope.ORDERS_READ: frozenset({Permission.VIEW_ORDERS}),
    AppScope.ORDERS_WRITE: frozenset({Permission.VIEW_ORDERS, Permission.MANAGE_ORDERS, Permission.FULFIL_ORDERS}),
    AppScope.MEMBERS_READ: frozenset({Permission.LOOKUP_MEMBERS}),
    AppScope.MEMBERS_WRITE: frozenset({Permission.LOOKUP_MEMBERS, Permission.MANAGE_MEMBERS}),
    AppScope.PROMOTIONS_WRITE: frozenset({Permission.MANAGE_PROMOTIONS}),
    AppScope.PAYMENTS: frozenset({Permission.REPORT_PAYMENTS}),
    AppScope.REPORTS_READ: frozenset({Permission.VIEW_REPORTS}),
    AppScope.SETTLEMENT_WRITE: frozenset({Permission.MANAGE_SETTLEMENT}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    id: int | None = None
    role: StaffRole | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)
    location_id: int | None = None  # the store a staff user works at, if any

    @property
    def is_anonymous(self) -> bool:
        return self.kind is PrincipalKind.ANONYMOUS

    @property
    def member_id(self) -> int | None:
        return self.id if self.kind is PrincipalKind.MEMBER else None

    @property
    def staff_id(self) -> int | None:
        return self.id if self.kind is PrincipalKind.STAFF else None

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def can_everywhere(self, permission: Permission) -> bool:
        """Admins and apps hold their permissions at every store, and for what belongs to no store."""
        return self.can(permission) and (self.kind is PrincipalKind.APP or self.role is StaffRole.ADMIN)

    def can_at(self, permission: Permission, location_id: int) -> bool:
        """Admins and apps act everywhere; other staff only at the store they are assigned to
        (a store manager without a store manages none)."""
        if not self.can(permission):
            return False
        return self.can_everywhere(permission) or self.location_id == location_id


def location_scope(principal: Principal, permission: Permission, requested: int | None, refusal: str) -> int | None:
    """The location a list of one location's records is limited to (None: every location): those who
    hold `permission` everywhere read any (or all); a store's staff their own, by default. Another
    location is refused with `refusal` rather than answered empty, so a screen never shows a silently
    wrong list."""
    if principal.can_everywhere(permission):
        return requested
    if principal.location_id is None or requested not in (None, principal.location_id):
        raise AccessDenied(refusal)
    return principal.location_id


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)


def member(member_id: int) -> Principal:
    return Principal(PrincipalKind.MEMBER, member_id)


def app(app_id: int, scopes: frozenset[AppScope]) -> Principal:
    permissions: frozenset[Permission] = frozenset().union(*(SCOPE_PERMISSIONS[s] for s in scopes))
    return Principal(PrincipalKind.APP, app_id, None, permissions)


def staff(staff_id: int, role: StaffRole, location_id: int | None = None) -> Principal:
    return Principal(PrincipalKind.STAFF, staff_id, role, ROLE_PERMISSIONS[role], location_id)
