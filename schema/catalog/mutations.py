"""Catalogue administration mutations (staff)."""

from __future__ import annotations

import strawberry


@strawberry.type
class CatalogMutation:
    pass
