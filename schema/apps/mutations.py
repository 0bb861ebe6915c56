"""App administration (admins): register apps (`appCreate`) and revoke their tokens (`appRevoke`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import AppScope as DomainScope
from domain.access.model import Permission
from domain.apps import services
from schema.apps.inputs import AppCreateInput
from schema.apps.types import App
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.permissions import require
from schema.relay import decode_id


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
