"""Reading webhooks: `webhooks`, newest first; an app reads its own, an admin every app's."""

from __future__ import annotations

import strawberry

from db import webhooks as wq
from db.pagination import count
from domain.access.model import AccessDenied
from schema.apps.webhook_types import Webhook, managed_by
from schema.context import Info
from schema.errors import refused
from schema.pagination import After, Before, Connection, First, Last, list_connection


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="Webhooks, newest first: an app's own, or every app's for admins.")
    async def webhooks(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Webhook]:
        try:
            app_id = managed_by(info)
        except AccessDenied as e:
            raise refused(e) from None
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: wq.webhook_page(session, app_id, request, size),
            lambda row: Webhook.from_model(row[0]),
            lambda: count(session, wq.webhooks_statement(app_id)),
        )
