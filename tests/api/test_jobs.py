"""The periodic jobs: unpaid orders expire (by command and in the background of `serve`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.jobs import expire_unpaid_orders
from api.settings import Settings
from domain.members.points_services import PointsPolicy
from tests.api.test_carts import Shop, open_shop
from tests.api.test_checkout import ORDER
from tests.api.test_order_flow import delivery_order
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import Level, level


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def test_the_expiry_job_cancels_each_overdue_order_once(shop: Shop) -> None:
    order = await delivery_order(shop)
    assert await expire_unpaid_orders(shop.engine, PointsPolicy()) == 0  # not due yet
    later = datetime.now(UTC) + timedelta(hours=1)
    assert await expire_unpaid_orders(shop.engine, PointsPolicy(), lambda: later) == 1
    assert await expire_unpaid_orders(shop.engine, PointsPolicy(), lambda: later) == 0
    assert (await shop.client.data(ORDER, {"id": order["id"]}))["order"]["status"] == "CANCELLED"
    assert await level(shop.engine, shop.variants[0], shop.store_a) == Level(10, 0)


async def test_serve_expires_overdue_orders_in_the_background_by_the_apps_clock(shop: Shop, settings: Settings) -> None:
    order = await delivery_order(shop)
    an_hour_on = datetime.now(UTC) + timedelta(hours=1)
    app = create_app(
        settings.model_copy(update={"order_expiry_interval": 0.05}), engine=shop.engine, clock=lambda: an_hour_on
    )
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            client = GraphQLClient(http)
            for _ in range(100):
                await asyncio.sleep(0.05)
                status = (await client.data(ORDER, {"id": order["id"]}))["order"]["status"]
                if status == "CANCELLED":
                    break
    assert status == "CANCELLED"
