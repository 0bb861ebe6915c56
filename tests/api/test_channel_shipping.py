"""Each channel charges its own delivery rates; a channel without rates charges the default."""

from __future__ import annotations

from typing import Any

import pytest

from domain.access.model import StaffRole
from tests.api.test_carts import Shop, address, open_shop
from tests.helpers import GraphQLClient

SET = """mutation($id: ID!, $shipping: ChannelShippingInput!) {
  channelUpdate(id: $id, input: {shipping: $shipping}) {
    channel { shipping { flatRate { amount } freeOver { amount } } } userErrors { field code } } }"""
TOTALS = "query($id: ID!) { cart(id: $id) { subtotal { amount } shipping { amount } total { amount } } }"


@pytest.fixture
async def shop(client: GraphQLClient, demo: Any) -> Shop:
    return await open_shop(client, demo)


async def online_channel_id(shop: Shop) -> str:
    channels = (await shop.client.data("{ channels { id slug } }"))["channels"]
    return str(next(c["id"] for c in channels if c["slug"] == "online"))


async def delivery_cart_totals(shop: Shop) -> dict[str, Any]:
    cart = await shop.cart([(0, 1)])  # 50.00
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    totals: dict[str, Any] = (await shop.client.data(TOTALS, {"id": cart["id"]}))["cart"]
    return totals


async def test_a_channel_without_rates_charges_the_default(shop: Shop) -> None:
    channel = await shop.client.data("{ channels { slug shipping { flatRate { amount } freeOver { amount } } } }")
    assert channel["channels"][0]["shipping"] == {"flatRate": {"amount": "10.00"}, "freeOver": {"amount": "199.00"}}
    assert (await delivery_cart_totals(shop))["shipping"] == {"amount": "10.00"}


async def test_a_channel_charges_its_own_rates(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="rates-admin@example.com")
    changed = await shop.client.data(
        SET, {"id": await online_channel_id(shop), "shipping": {"flatRate": "15.00", "freeOver": "40.00"}}, token=admin
    )
    assert changed["channelUpdate"]["userErrors"] == []
    assert changed["channelUpdate"]["channel"]["shipping"] == {
        "flatRate": {"amount": "15.00"},
        "freeOver": {"amount": "40.00"},
    }
    assert (await delivery_cart_totals(shop))["shipping"] == {"amount": "0.00"}  # 50.00 is over 40.00
    await shop.client.data(SET, {"id": await online_channel_id(shop), "shipping": {"flatRate": "15.00"}}, token=admin)
    totals = await delivery_cart_totals(shop)
    assert (totals["shipping"], totals["total"]) == ({"amount": "15.00"}, {"amount": "65.00"})


async def test_rates_are_amounts_in_the_channels_currency(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="rates-admin@example.com")
    refused = await shop.client.data(
        SET, {"id": await online_channel_id(shop), "shipping": {"flatRate": "-1", "freeOver": "9.999"}}, token=admin
    )
    assert {tuple(e["field"]) for e in refused["channelUpdate"]["userErrors"]} == {
        ("input", "shipping", "flatRate"),
        ("input", "shipping", "freeOver"),
    }
    assert (await delivery_cart_totals(shop))["shipping"] == {"amount": "10.00"}
