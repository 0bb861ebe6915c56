"""The buying side's dataloaders: carts, orders, their lines, payments, events and fulfilments, and a
member's orders."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from db import fulfilment_queries as fq
from db import order_queries as oq
from db.models import Cart, CartLine, Fulfilment, Order, OrderAllocation, OrderEvent, OrderLine, Payment
from db.pagination import ChildPage, Page
from schema.batch_loader import BatchLoader, OptionalLoader


class SellablePriceByVariantChannelLoader(OptionalLoader[tuple[int, int], Decimal]):
    """Key (variant id, channel id): the current price, when the channel sells the variant."""

    fetch = staticmethod(oq.sellable_prices)


class CartByTokenLoader(OptionalLoader[str, Cart]):
    fetch = staticmethod(oq.carts_by_tokens)


class CartLinesByCartLoader(BatchLoader[int, Sequence[CartLine]]):
    fetch = staticmethod(oq.lines_by_cart_ids)
    missing = ()


class OrderByTokenLoader(OptionalLoader[str, Order]):
    fetch = staticmethod(oq.orders_by_tokens)


class OrderLinesByOrderLoader(BatchLoader[int, Sequence[OrderLine]]):
    fetch = staticmethod(oq.lines_by_order_ids)
    missing = ()


class PaymentsByOrderLoader(BatchLoader[int, Sequence[Payment]]):
    fetch = staticmethod(oq.payments_by_order_ids)
    missing = ()


class EventsByOrderLoader(BatchLoader[int, Sequence[OrderEvent]]):
    fetch = staticmethod(oq.events_by_order_ids)
    missing = ()


class LocationIdsByOrderLoader(BatchLoader[int, frozenset[int]]):
    """The locations the order belongs to (store staff's visibility)."""

    fetch = staticmethod(oq.locations_by_order_ids)
    missing = frozenset()


class OrderPageByMemberLoader(OptionalLoader[ChildPage, Page[Any]]):
    """Key `ChildPage`: one page of one member's orders."""

    fetch = staticmethod(oq.member_order_pages)


class OrderCountByMemberLoader(BatchLoader[int, int]):
    fetch = staticmethod(oq.member_order_counts)
    missing = 0


class OrderPageByMemberLocationLoader(OptionalLoader[tuple[ChildPage, int], Page[Any]]):
    """Key (`ChildPage`, location id): one page of one member's orders of that location."""

    fetch = staticmethod(oq.member_order_pages_at)


class OrderCountByMemberLocationLoader(BatchLoader[tuple[int, int], int]):
    """Key (member id, location id): how many of that location's orders the member has."""

    fetch = staticmethod(oq.member_order_counts_at)
    missing = 0


class FulfilmentsByOrderLoader(BatchLoader[int, Sequence[Fulfilment]]):
    fetch = staticmethod(fq.fulfilments_by_order_ids)
    missing = ()


class AllocationsByOrderLoader(BatchLoader[int, Sequence[OrderAllocation]]):
    fetch = staticmethod(fq.allocations_by_order_ids)
    missing = ()


class FulfilmentByIdLoader(OptionalLoader[int, tuple[Fulfilment, Order]]):
    """Key fulfilment id: the fulfilment and its order."""

    fetch = staticmethod(fq.fulfilments_by_ids)
