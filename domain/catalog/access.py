"""Who sees which products: everyone sees a product where it is published (in an active channel);
staff who work on the catalogue (VIEW_UNPUBLISHED) see every product, published or not."""

from __future__ import annotations

from domain.access.model import Permission, Principal


def sees_unpublished(principal: Principal) -> bool:
    """Staff who see drafts and withdrawn products, in lists as well as by id."""
    return principal.can(Permission.VIEW_UNPUBLISHED)


def sees_product(principal: Principal, published: bool) -> bool:
    """A product the caller may see, given whether it is published where they look."""
    return published or sees_unpublished(principal)
