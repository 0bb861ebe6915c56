"""The apps' and their webhooks' dataloaders."""

from __future__ import annotations

from typing import Any

from db import webhooks as wq
from db.models import App, Webhook, WebhookDelivery
from db.pagination import ChildPage, Page
from schema.batch_loader import BatchLoader, OptionalLoader, by_id


class AppByIdLoader(OptionalLoader[int, App]):
    fetch = staticmethod(by_id(App))


class WebhookByIdLoader(OptionalLoader[int, Webhook]):
    fetch = staticmethod(wq.webhooks_by_ids)


class DeliveryByIdLoader(OptionalLoader[int, WebhookDelivery]):
    fetch = staticmethod(wq.deliveries_by_ids)


class DeliveryPageByWebhookLoader(OptionalLoader[ChildPage, Page[Any]]):
    """Key `ChildPage`: one page of one webhook's deliveries."""

    fetch = staticmethod(wq.delivery_pages)


class DeliveryCountByWebhookLoader(BatchLoader[int, int]):
    fetch = staticmethod(wq.delivery_counts)
    missing = 0
