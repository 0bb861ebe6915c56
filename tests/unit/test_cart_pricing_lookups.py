"""What pricing a cart looks up: each line's product and categories only for a promotion scoped by them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from domain.catalog.model import ChannelKind
from domain.orders.cart_pricing import price_cart_lines
from domain.orders.cart_rules import CartLineState, CartState, ChannelInfo
from domain.promotions import Conditions, PercentOff, Promotion
from tests.fakes.orders import FakePromotions

NOW = datetime(2026, 11, 11, tzinfo=UTC)
ONLINE = ChannelInfo(1, ChannelKind.APP, "CNY", Decimal(1))
CART = CartState(1, "t" * 32, 1, None, None, None, None, None, None, 0, False)
LINES = [CartLineState(1, 10, 1), CartLineState(2, 20, 1)]
PRICES = {10: Decimal(100), 20: Decimal(100)}
SHOES = 5  # variant 20's product is in it (through its parent)


class CountedSource(FakePromotions):
    def __init__(self, *running: Promotion) -> None:
        super().__init__()
        self.running = list(running)
        self.looked_up: list[list[int]] = []

    async def catalogue_facts(self, variant_ids: Sequence[int]) -> dict[int, tuple[int, frozenset[int]]]:
        self.looked_up.append(list(variant_ids))
        return {10: (100, frozenset({1})), 20: (200, frozenset({SHOES, 2}))}


def half_off(**scope: frozenset[int]) -> Promotion:
    return Promotion(1, "Half off", 0, True, Conditions(**scope), PercentOff(Decimal(50)), "CNY")


async def price(source: CountedSource) -> dict[str, Decimal]:
    priced = await price_cart_lines(source, CART, LINES, PRICES, ONLINE, None, now=NOW)
    return {line.key: line.discount for line in priced.result.lines}


@pytest.mark.parametrize(
    "scope", [{}, {"variant_ids": frozenset({20})}, {"channel_ids": frozenset({1}), "variant_ids": frozenset({10})}]
)
async def test_no_lookup_when_no_promotion_is_scoped_by_product_or_category(scope: dict[str, frozenset[int]]) -> None:
    source = CountedSource(half_off(**scope))
    discounts = await price(source)
    assert source.looked_up == []
    assert sum(discounts.values()) == (100 if not scope else 50)


@pytest.mark.parametrize(
    ("scope", "discounted"),
    [({"category_ids": frozenset({SHOES})}, "1"), ({"product_ids": frozenset({100})}, "0")],
)
async def test_a_promotion_scoped_by_product_or_category_gets_every_lines_facts(
    scope: dict[str, frozenset[int]], discounted: str
) -> None:
    source = CountedSource(half_off(**scope))
    discounts = await price(source)
    assert source.looked_up == [[10, 20]]
    assert {k for k, v in discounts.items() if v} == {discounted}
