"""App administration inputs: apps and their webhooks."""

from __future__ import annotations

import strawberry

from schema.apps.enums import AppScope, WebhookEventType


@strawberry.input(description="A new app.")
class AppCreateInput:
    name: str = strawberry.field(description="Display name (at most 100 characters).")
    scopes: list[AppScope] = strawberry.field(description="What its token may do.")


@strawberry.input(description="A new webhook.")
class WebhookCreateInput:
    name: str = strawberry.field(description="Display name (at most 100 characters).")
    target_url: str = strawberry.field(
        description="An https:// URL events are POSTed to; loopback, link-local and private addresses are refused."
    )
    events: list[WebhookEventType] = strawberry.field(description="What it hears about.")
    query: str | None = strawberry.field(
        default=None,
        description="A subscription document whose result is each delivery's `data`, run with the app's "
        "permissions: `subscription { event { ... on OrderWebhookEvent { order { number } } } }`. "
        "Left out: the default payload.",
    )
    app_id: strawberry.ID | None = strawberry.field(
        default=None, description="The app it belongs to: admins name one; an app's own token needs none."
    )


@strawberry.input(description="Changes to a webhook; what is left out stays as it is.")
class WebhookUpdateInput:
    target_url: str | None = strawberry.field(default=None, description="A new target URL.")
    events: list[WebhookEventType] | None = strawberry.field(default=None, description="The new list of events.")
    query: str | None = strawberry.field(
        default=None, description="A new payload query; an empty string goes back to the default payload."
    )
    is_active: bool | None = strawberry.field(default=None, description="Turn deliveries on or off.")
    secret: str | None = strawberry.field(
        default=None,
        description="A new signing secret (`whsec_` and base64 of 24 to 64 random bytes). The previous one "
        "keeps signing alongside it for 24 hours, so receivers can switch without losing events.",
    )
