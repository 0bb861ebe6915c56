"""Reading carts and orders: `cart(id)`, `order(id)` and `orders(first, after, last, before, filter)`,
newest first.

A cart is read by whoever may use it (`visible_cart`). Members read their own orders; staff who
view orders read all of them, except store staff, who read their location's
(`domain.orders.access`); a guest reads a guest order by its id. Lists are
keyset pages on the order id (newest first), one index per filter (store staff's through
`order_locations`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import strawberry

from db import order_queries as oq
from db.pagination import count
from domain.orders.access import AccessDenied, member_orders_scope, order_list_scope
from domain.orders.model import OrderStatus as DomainStatus
from schema.channels.types import channel_for
from schema.context import Info
from schema.errors import refused
from schema.orders.cart_types import Cart, visible_cart
from schema.orders.ids import CartId, cart_token, order_token
from schema.orders.inputs import OrderFilter
from schema.orders.types import Order, visible_order
from schema.pagination import After, Before, Connection, First, Last, child_connection, list_connection, primed
from schema.relay import filter_key


async def order_query(info: Info, f: OrderFilter | None) -> oq.OrderQuery:
    """The caller's filter, narrowed to what they may see (`domain.orders.access`)."""
    f = f or OrderFilter()
    member_id = filter_key(f.member_id, "Member", "memberId", "a member")
    try:
        scope = order_list_scope(info.context.principal, member_id)
    except AccessDenied as e:
        raise refused(e) from None
    location_id = filter_key(f.location_id, "Location", "locationId", "a location")
    channel_id = (await channel_for(info, f.channel)).id if f.channel is not None else None
    return oq.OrderQuery(
        member_id=scope.member_id,
        status=DomainStatus(f.status.value) if f.status else None,
        channel_id=channel_id,
        location_id=location_id,
        created_from=_utc(f.created_from),
        created_to=_utc(f.created_to),
        belongs_to=scope.belongs_to,
    )


def _utc(moment: datetime | None) -> datetime | None:
    """A moment without an offset is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


async def member_orders(
    info: Info, member_id: int, first: int | None, after: str | None, last: int | None, before: str | None
) -> Connection[Order]:
    """`Member.orders`: the member themself and staff who view orders; batched over a list of members."""
    try:
        belongs_to = member_orders_scope(member_id, info.context.principal).belongs_to
    except AccessDenied as e:
        raise refused(e) from None
    loaders = info.context.loaders
    if belongs_to is None:
        return await child_connection(
            member_id,
            first,
            after,
            last,
            before,
            oq.ORDER_ORDERING,
            loaders.member_orders,
            loaders.order_count_by_member,
            Order.from_model,
        )
    return await child_connection(
        member_id,
        first,
        after,
        last,
        before,
        oq.ORDER_ORDERING,
        loaders.member_orders_at,
        loaders.order_count_by_member_at,
        Order.from_model,
        scope=belongs_to,
    )


async def order_connection(
    info: Info, q: oq.OrderQuery, first: int | None, after: str | None, last: int | None, before: str | None
) -> Connection[Order]:
    session = info.context.session
    return await list_connection(
        first,
        after,
        last,
        before,
        lambda request, size: oq.order_page(session, q, request, size),
        primed(info.context.loaders.order_by_token, lambda o: o.token, Order.from_model),
        lambda: count(session, oq.order_statement(q)),
    )


@strawberry.type
class CartQuery:
    @strawberry.field(
        description="A cart by ID: a member's own cart, a till's cart for staff at that store, or "
        "a guest cart for whoever holds its ID; null otherwise."
    )
    async def cart(self, info: Info, id: CartId) -> Cart | None:
        return await visible_cart(info, cart_token(id))


@strawberry.type
class OrderQuery:
    @strawberry.field(
        description="An order by ID: a member's own, any for staff who view orders (store staff: "
        "an order of their location), a guest order for whoever holds its ID; null otherwise."
    )
    async def order(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="The order.")]
    ) -> Order | None:
        return await visible_order(info, order_token(id))

    @strawberry.field(
        description="Orders, newest first: a member's own; every order for staff who view orders, "
        "except store staff, who see their location's (its sales, pickups and what it ships). "
        "Anonymous callers are told to sign in."
    )
    async def orders(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            OrderFilter | None, strawberry.argument(description="Only orders matching all of these.")
        ] = None,
    ) -> Connection[Order]:
        return await order_connection(info, await order_query(info, filter), first, after, last, before)
