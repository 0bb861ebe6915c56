"""Catalogue storage for staff administration: implements `domain.catalog.services.CatalogRepository`."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession


class SqlCatalogRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
