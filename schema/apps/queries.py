"""Reading apps: `apps`, newest first, for admins."""

from __future__ import annotations

import strawberry

from db.catalog_queries import id_page, id_statement
from db.models import App as AppModel
from db.pagination import count
from domain.access.model import Permission
from schema.apps.types import App
from schema.context import Info
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require


@strawberry.type
class AppQuery:
    @strawberry.field(description="Registered apps, newest first (admins).")
    async def apps(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[App]:
        require(info, Permission.MANAGE_APPS)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: id_page(session, AppModel, request, size),
            lambda row: App.from_model(row[0]),
            lambda: count(session, id_statement(AppModel)),
        )
