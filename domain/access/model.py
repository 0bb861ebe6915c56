"""Who is asking, and what they may do: the one permission table every resolver uses.

A request is made by a `Principal`: anonymous, a member, a staff user with a role, or
(later) a third-party app with scopes. Resolvers never test roles; they ask
`principal.can(Permission.X)`, so changing what a role may do is one edit here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


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
    MANAGE_ORDERS = "manage_orders"
    FULFIL_ORDERS = "fulfil_orders"
    SELL_IN_STORE = "sell_in_store"  # POS: carts and payments at the till
    LOOKUP_MEMBERS = "lookup_members"
    MANAGE_MEMBERS = "manage_members"  # tags, points adjustments
    MANAGE_PROMOTIONS = "manage_promotions"
    VIEW_UNPUBLISHED = "view_unpublished"  # see catalogue data not published in a channel


ROLE_PERMISSIONS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.ADMIN: frozenset(Permission),
    StaffRole.STORE_MANAGER: frozenset({
        Permission.MANAGE_STOCK, Permission.MANAGE_ORDERS, Permission.FULFIL_ORDERS,
        Permission.SELL_IN_STORE, Permission.LOOKUP_MEMBERS, Permission.MANAGE_MEMBERS,
        Permission.MANAGE_PROMOTIONS, Permission.VIEW_UNPUBLISHED,
    }),
    StaffRole.CASHIER: frozenset({
        Permission.SELL_IN_STORE, Permission.LOOKUP_MEMBERS, Permission.VIEW_UNPUBLISHED,
    }),
    StaffRole.FULFILLMENT: frozenset({
        Permission.FULFIL_ORDERS, Permission.VIEW_UNPUBLISHED,
    }),
}


class PrincipalKind(str, Enum):
    ANONYMOUS = "anonymous"
    MEMBER = "member"
    STAFF = "staff"


@dataclass(frozen=True, slots=True)
class Principal:
    kind: PrincipalKind
    id: int | None = None
    role: StaffRole | None = None
    permissions: frozenset[Permission] = field(default_factory=frozenset)

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


ANONYMOUS = Principal(PrincipalKind.ANONYMOUS)


def member(member_id: int) -> Principal:
    return Principal(PrincipalKind.MEMBER, member_id)


def staff(staff_id: int, role: StaffRole) -> Principal:
    return Principal(PrincipalKind.STAFF, staff_id, role, ROLE_PERMISSIONS[role])
