"""Third-party app types."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.models import App as AppModel
from domain.access import model as access
from domain.access.model import Permission
from schema.apps.enums import AppScope
from schema.context import Info
from schema.relay import Node, register_node


@strawberry.type(description="A third-party app with a long-lived, scoped token (an ERP, a marketing tool).")
class App(Node):
    name: str = strawberry.field(description="Display name.")
    scopes: list[AppScope] = strawberry.field(description="What its token may do.")
    token_hint: str = strawberry.field(description="The token's first characters, to tell tokens apart.")
    created_at: datetime = strawberry.field(description="When the app was registered.")
    revoked_at: datetime | None = strawberry.field(description="When its token was revoked; null while active.")

    @classmethod
    def from_model(cls, m: AppModel) -> App:
        scopes = [access.AppScope(s) for s in m.scopes if s in access.AppScope._value2member_map_]
        return cls(
            pk=m.id,
            name=m.name,
            scopes=scopes,
            token_hint=m.token_hint,
            created_at=m.created_at,
            revoked_at=m.revoked_at,
        )


async def _fetch_apps(info: Info, ids: list[int]) -> list[App | None]:
    if not info.context.principal.can(Permission.MANAGE_APPS):
        return [None] * len(ids)
    rows = await info.context.loaders.app_by_id.load_many(ids)
    return [App.from_model(r) if r else None for r in rows]


register_node("App", _fetch_apps)
