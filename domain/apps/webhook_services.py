"""Managing webhooks: `webhookCreate/Update/Delete` and `webhookDeliveryRetry`.

An app manages its own webhooks; an admin anyone's (naming the app a new one belongs to). A
webhook of another app is NOT_FOUND to an app, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.access.model import Principal
from domain.apps.webhooks import (
    PayloadQueryCheck,
    WebhookEventType,
    check_query,
    check_secret,
    check_spec,
    new_secret,
    owner,
)
from domain.errors import Code, DomainError, input_field


class WebhooksRepository(Protocol):
    async def app_active(self, app_id: int) -> bool: ...
    async def add_webhook(
        self, app_id: int, name: str, target_url: str, events: list[WebhookEventType], query: str | None, secret: str
    ) -> int: ...
    async def webhook_app(self, webhook_id: int) -> int | None: ...
    async def webhook_shape(self, webhook_id: int) -> tuple[str | None, list[WebhookEventType]]:
        """The webhook's payload query and events, as stored."""
        ...

    async def update_webhook(
        self,
        webhook_id: int,
        *,
        target_url: str | None,
        events: list[WebhookEventType] | None,
        query: str | None,
        is_active: bool | None,
        secret: str | None,
    ) -> None:
        """Change what is not None; a `query` of "" removes the payload query."""
        ...

    async def delete_webhook(self, webhook_id: int) -> None: ...
    async def delivery_app(self, delivery_id: int) -> int | None: ...
    async def retry_delivery(self, delivery_id: int) -> None: ...


class WebhooksUnitOfWork(Protocol):
    @property
    def webhooks(self) -> WebhooksRepository: ...


async def create_webhook(
    uow: WebhooksUnitOfWork,
    principal: Principal,
    *,
    app_id: int | None,
    name: str,
    target_url: str,
    events: Sequence[WebhookEventType],
    query: str | None,
    checker: PayloadQueryCheck,
    allow_private: bool,
) -> tuple[int, str]:
    """Register a webhook; returns its id and its signing secret (the only time it is shown)."""
    mine = owner(principal, app_id)
    app_id = mine if mine is not None else app_id
    checked_name, url, checked_events = check_spec(name, target_url, events, allow_private=allow_private)
    assert checked_events is not None
    checked_query = check_query(query, checked_events, checker)
    if app_id is None or not await uow.webhooks.app_active(app_id):
        raise DomainError(Code.NOT_FOUND, "Name an active app the webhook belongs to.", input_field("appId"))
    assert checked_name is not None and url is not None and checked_events is not None
    secret = new_secret()
    return await uow.webhooks.add_webhook(app_id, checked_name, url, checked_events, checked_query, secret), secret


async def _own(uow: WebhooksUnitOfWork, principal: Principal, webhook_id: int | None) -> int:
    mine = owner(principal, None)
    app_id = await uow.webhooks.webhook_app(webhook_id) if webhook_id is not None else None
    if webhook_id is None or app_id is None or mine not in (None, app_id):
        raise DomainError(Code.NOT_FOUND, "No such webhook.", ["id"])
    return webhook_id


async def update_webhook(
    uow: WebhooksUnitOfWork,
    principal: Principal,
    webhook_id: int | None,
    *,
    target_url: str | None,
    events: Sequence[WebhookEventType] | None,
    query: str | None,
    is_active: bool | None,
    secret: str | None,
    checker: PayloadQueryCheck,
    allow_private: bool,
) -> int:
    """Change a webhook. A new query is checked against its events, and new events against its
    query (a query must fit every event it shapes); a blank `query` goes back to the default payload."""
    webhook_id = await _own(uow, principal, webhook_id)
    _, url, checked_events = check_spec(None, target_url, events, allow_private=allow_private)
    new_query = None
    if query is not None or checked_events is not None:
        stored_query, stored_events = await uow.webhooks.webhook_shape(webhook_id)
        after = check_query(query if query is not None else stored_query, checked_events or stored_events, checker)
        new_query = None if query is None else after or ""
    rotated = check_secret(secret) if secret is not None else None
    await uow.webhooks.update_webhook(
        webhook_id, target_url=url, events=checked_events, query=new_query, is_active=is_active, secret=rotated
    )
    return webhook_id


async def delete_webhook(uow: WebhooksUnitOfWork, principal: Principal, webhook_id: int | None) -> int:
    webhook_id = await _own(uow, principal, webhook_id)
    await uow.webhooks.delete_webhook(webhook_id)
    return webhook_id


async def retry_delivery(uow: WebhooksUnitOfWork, principal: Principal, delivery_id: int | None) -> int:
    """Attempt a delivery again now, whatever became of it: one more attempt on its schedule."""
    mine = owner(principal, None)
    app_id = await uow.webhooks.delivery_app(delivery_id) if delivery_id is not None else None
    if delivery_id is None or app_id is None or mine not in (None, app_id):
        raise DomainError(Code.NOT_FOUND, "No such delivery.", ["id"])
    await uow.webhooks.retry_delivery(delivery_id)
    return delivery_id
