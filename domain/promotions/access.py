"""Who may see a member's coupons.

A coupon is personal: its member sees it, and so do staff who look members up, sell at a till
(the till scans the code before writing it off) or manage promotions. Seeing a coupon does not
reveal its member (`domain.access.personal`).
"""

from __future__ import annotations

from domain.access.model import Permission, Principal

_COUPON_READERS = (Permission.LOOKUP_MEMBERS, Permission.SELL_IN_STORE, Permission.MANAGE_PROMOTIONS)


def sees_coupons_of(principal: Principal, member_id: int) -> bool:
    return principal.member_id == member_id or any(principal.can(p) for p in _COUPON_READERS)
