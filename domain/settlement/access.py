"""Who reads settlement figures, and whose.

Admins and apps with SETTLEMENT_WRITE read every party's. A franchisee's or concession's own staff
(a staff user with VIEW_REPORTS, assigned to a store that belongs to that party) read their party's
figures only: the party itself, its statements and their entries, and its entries of an order;
never another party's, nor the rules (the brand's terms with every party). Nobody else reads any.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.access.model import AccessDenied, Permission, Principal, PrincipalKind, SignInRequired


@dataclass(frozen=True, slots=True)
class SettlementView:
    """The party whose figures the caller reads; None: every party's."""

    party_id: int | None

    def sees(self, party_id: int) -> bool:
        return self.party_id in (None, party_id)


EVERY_PARTY = SettlementView(None)


def settlement_view(principal: Principal, store_party_id: int | None) -> SettlementView:
    """`store_party_id`: the party of the store the caller works at (None: no store, or one of the
    brand's own). Refused (SignInRequired / AccessDenied) when the caller reads no party's figures."""
    if principal.can_everywhere(Permission.MANAGE_SETTLEMENT):
        return EVERY_PARTY
    if (
        principal.kind is PrincipalKind.STAFF
        and principal.location_id is not None
        and principal.can(Permission.VIEW_REPORTS)
        and store_party_id is not None
    ):
        return SettlementView(store_party_id)
    if principal.is_anonymous:
        raise SignInRequired("Authentication is required.")
    raise AccessDenied(
        "Settlement figures are for admins, apps with SETTLEMENT_WRITE, and the store managers of a "
        "franchisee or concession (their party's)."
    )
