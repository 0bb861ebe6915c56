"""Who may see a member's personal data: the one rule every path to it goes through.

A member's profile (name, identities, tags), points, address book and coupons' owner are
personal data. They are the member's, and visible to whoever looks members up at work
(LOOKUP_MEMBERS: admins, store managers, cashiers, apps with `members:read`). Holding some other
permission that reaches an object carrying a member (a coupon, an order) does not reveal the member.
"""

from __future__ import annotations

from domain.access.model import Permission, Principal, PrincipalKind


def sees_personal_data(principal: Principal, member_id: int) -> bool:
    """The member themself, or staff and apps who look members up."""
    return principal.member_id == member_id or principal.can(Permission.LOOKUP_MEMBERS)


def sees_recipient(principal: Principal, member_id: int | None) -> bool:
    """An order's delivery name, phone and address: its buyer's personal data, which whoever ships
    the order (FULFIL_ORDERS) needs too. A guest order's is its guest's, who reached the order by its
    id; a caller with a staff or app token reached it by permission and is no guest."""
    return principal.can(Permission.FULFIL_ORDERS) or _buyer_side(principal, member_id)


def sees_parcel_recipient(principal: Principal, member_id: int | None, location_id: int) -> bool:
    """A fulfilment's delivery details: only the fulfilment staff of the location that sends it (not
    those of the order's other locations), and those who see the order's recipient as its buyer's."""
    return principal.can_at(Permission.FULFIL_ORDERS, location_id) or _buyer_side(principal, member_id)


def _buyer_side(principal: Principal, member_id: int | None) -> bool:
    if member_id is None:
        return principal.kind in (PrincipalKind.ANONYMOUS, PrincipalKind.MEMBER) or principal.can(
            Permission.LOOKUP_MEMBERS
        )
    return sees_personal_data(principal, member_id)
