"""App storage: implements `domain.apps.services.AppsRepository`, and resolves app tokens."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import App
from domain.access.model import AppScope
from domain.clock import Clock, system_clock


class SqlAppsRepository:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock

    async def add_app(self, name: str, token_hash: str, hint: str, scopes: list[AppScope], staff_id: int | None) -> int:
        result = await self.session.execute(
            sa.insert(App)
            .values(
                name=name,
                token_hash=token_hash,
                token_hint=hint,
                scopes=[s.value for s in scopes],
                created_by_staff_id=staff_id,
                created_at=self.clock(),
            )
            .returning(App.id)
        )
        return int(result.scalar_one())

    async def revoke_app(self, app_id: int) -> bool:
        found = await self.session.scalar(
            sa.update(App)
            .where(App.id == app_id, App.revoked_at.is_(None))
            .values(revoked_at=self.clock())
            .returning(App.id)
        )
        return found is not None


async def active_app_scopes(session: AsyncSession, token_hash: str) -> tuple[int, frozenset[AppScope]] | None:
    """The app behind a token hash, if it is not revoked."""
    row = (
        await session.execute(
            sa.select(App.id, App.scopes).where(App.token_hash == token_hash, App.revoked_at.is_(None))
        )
    ).first()
    if row is None:
        return None
    return row.id, frozenset(AppScope(s) for s in row.scopes if s in AppScope._value2member_map_)
