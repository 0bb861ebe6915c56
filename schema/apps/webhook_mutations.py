"""Managing webhooks (apps their own, admins anyone's): create, update, delete, retry a delivery."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import strawberry

from domain.access.model import AccessDenied
from domain.apps import webhook_services as services
from domain.apps.webhooks import WebhookEventType as DomainEvent
from schema.apps.inputs import WebhookCreateInput, WebhookUpdateInput
from schema.apps.payload_queries import payload_queries
from schema.apps.webhook_types import Webhook, WebhookDelivery, managed_by
from schema.context import Info
from schema.errors import UserError, refused, run_mutation, user_errors_field
from schema.relay import decode_id

T = TypeVar("T")


@strawberry.type(description="Result of `webhookCreate`.")
class WebhookCreatePayload:
    webhook: Webhook | None = strawberry.field(description="The new webhook.")
    secret: str | None = strawberry.field(
        description="The signing secret (`whsec_...`): shown this once, store it now to verify signatures."
    )
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `webhookUpdate`.")
class WebhookUpdatePayload:
    webhook: Webhook | None = strawberry.field(description="The webhook as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `webhookDelete`.")
class WebhookDeletePayload:
    webhook: Webhook | None = strawberry.field(description="The webhook as it was before it was deleted.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `webhookDeliveryRetry`.")
class WebhookDeliveryRetryPayload:
    delivery: WebhookDelivery | None = strawberry.field(description="The delivery, due again now.")
    user_errors: list[UserError] = user_errors_field()


async def _webhook(info: Info, webhook_id: int | None) -> Webhook | None:
    row = await info.context.loaders.webhook_by_id.load(webhook_id) if webhook_id is not None else None
    return Webhook.from_model(row) if row else None


def _events(events: list[object] | None) -> list[DomainEvent] | None:
    return [DomainEvent(e.value) for e in events] if events is not None else None  # type: ignore[attr-defined]


async def _managing(
    info: Info, work: Callable[[], Awaitable[T]], app_id: int | None = None
) -> tuple[T | None, list[UserError]]:
    """Only apps and admins manage webhooks: anyone else is refused before anything is read."""
    try:
        managed_by(info, app_id)
    except AccessDenied as e:
        raise refused(e) from None
    return await run_mutation(info, work)


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register a webhook; its signing secret is shown only in this answer.")
    async def webhook_create(
        self, info: Info, input: Annotated[WebhookCreateInput, strawberry.argument(description="The webhook.")]
    ) -> WebhookCreatePayload:
        ctx = info.context
        app_id = decode_id(input.app_id, "App") if input.app_id is not None else None
        created, errors = await _managing(
            info,
            lambda: services.create_webhook(
                ctx.uow,
                ctx.principal,
                app_id=app_id,
                name=input.name,
                target_url=input.target_url,
                events=_events(input.events) or [],
                query=input.query,
                checker=payload_queries(info.schema),
                allow_private=ctx.services.webhook_allow_private_networks,
            ),
            app_id,
        )
        if created is None:
            return WebhookCreatePayload(webhook=None, secret=None, user_errors=errors)
        return WebhookCreatePayload(webhook=await _webhook(info, created[0]), secret=created[1], user_errors=[])

    @strawberry.mutation(description="Change a webhook's target, events or state, or rotate its secret.")
    async def webhook_update(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")],
        input: Annotated[WebhookUpdateInput, strawberry.argument(description="The changes.")],
    ) -> WebhookUpdatePayload:
        ctx = info.context
        webhook_id, errors = await _managing(
            info,
            lambda: services.update_webhook(
                ctx.uow,
                ctx.principal,
                decode_id(id, "Webhook"),
                target_url=input.target_url,
                events=_events(input.events),
                query=input.query,
                is_active=input.is_active,
                secret=input.secret,
                checker=payload_queries(info.schema),
                allow_private=ctx.services.webhook_allow_private_networks,
            ),
        )
        return WebhookUpdatePayload(webhook=await _webhook(info, webhook_id), user_errors=errors)

    @strawberry.mutation(description="Delete a webhook and its deliveries.")
    async def webhook_delete(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The webhook.")]
    ) -> WebhookDeletePayload:
        ctx = info.context
        webhook_id = decode_id(id, "Webhook")
        before = await _webhook(info, webhook_id) if webhook_id is not None else None
        deleted, errors = await _managing(info, lambda: services.delete_webhook(ctx.uow, ctx.principal, webhook_id))
        return WebhookDeletePayload(webhook=before if deleted is not None else None, user_errors=errors)

    @strawberry.mutation(description="Attempt a delivery again now (after its receiver was fixed, say).")
    async def webhook_delivery_retry(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The delivery.")]
    ) -> WebhookDeliveryRetryPayload:
        ctx = info.context
        delivery_id, errors = await _managing(
            info, lambda: services.retry_delivery(ctx.uow, ctx.principal, decode_id(id, "WebhookDelivery"))
        )
        row = await ctx.loaders.delivery_by_id.load(delivery_id) if delivery_id is not None else None
        return WebhookDeliveryRetryPayload(
            delivery=WebhookDelivery.from_model(row) if row else None, user_errors=errors
        )
