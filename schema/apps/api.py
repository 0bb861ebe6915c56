"""App administration (admins): register apps, revoke their tokens, list them."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db.catalog_queries import id_page, id_statement
from db.models import App as AppModel
from db.pagination import count
from domain.access.model import AppScope as DomainScope
from domain.access.model import Permission
from domain.apps import services
from schema.apps.types import App, AppScope
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.relay import decode_id


@strawberry.input(description="A new app.")
class AppCreateInput:
    name: str = strawberry.field(description="Display name (at most 100 characters).")
    scopes: list[AppScope] = strawberry.field(description="What its token may do.")  # type: ignore[valid-type]


@strawberry.type(description="Result of `appCreate`.")
class AppCreatePayload:
    app: App | None = strawberry.field(description="The new app.")
    token: str | None = strawberry.field(
        description="The app's token: shown this once, store it now. Send it as `Authorization: Bearer <token>`."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `appRevoke`.")
class AppRevokePayload:
    app: App | None = strawberry.field(description="The revoked app.")
    user_errors: list[UserError] = user_errors_field()


async def _app(info: Info, app_id: int | None) -> App | None:
    row = await info.context.loaders.app_by_id.load(app_id) if app_id is not None else None
    return App.from_model(row) if row else None


@strawberry.type
class AppQuery:
    @strawberry.field(description="Registered apps, newest first (admins).")
    async def apps(self, info: Info, first: First = None, after: After = None, last: Last = None,
                   before: Before = None) -> Connection[App]:
        require(info, Permission.MANAGE_APPS)
        session = info.context.session
        return await list_connection(first, after, last, before, lambda request, size: id_page(
            session, AppModel, request, size), lambda row: App.from_model(row[0]), lambda: count(
            session, id_statement(AppModel)))


@strawberry.type
class AppMutation:
    @strawberry.mutation(description="Register a third-party app and issue its token (shown only in this answer).")
    async def app_create(
        self, info: Info, input: Annotated[AppCreateInput, strawberry.argument(description="The app.")]
    ) -> AppCreatePayload:
        staff_id = require(info, Permission.MANAGE_APPS).staff_id
        scopes = [DomainScope(s.value) for s in input.scopes]
        created, errors = await run_mutation(
            info, lambda: services.create_app(info.context.uow, name=input.name, scopes=scopes, staff_id=staff_id)
        )
        if created is None:
            return AppCreatePayload(app=None, token=None, user_errors=errors)
        return AppCreatePayload(app=await _app(info, created[0]), token=created[1], user_errors=[])

    @strawberry.mutation(description="Revoke an app's token; requests with it fail from within 30 seconds on.")
    async def app_revoke(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The app.")]
    ) -> AppRevokePayload:
        require(info, Permission.MANAGE_APPS)
        app_id, errors = await run_mutation(info, lambda: services.revoke_app(info.context.uow, decode_id(id, "App")))
        return AppRevokePayload(app=await _app(info, app_id), user_errors=errors)
