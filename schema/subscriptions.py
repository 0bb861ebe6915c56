"""Subscriptions (WebSocket, `graphql-transport-ws` or `graphql-ws`): `stockChanged`, `orderUpdated` and
`fulfillmentUpdated`.

Each event comes from the outbox through the event bus (api/events.py) and carries only which
stock level or order changed; the subscription then reads its current state in a fresh database
session, with the same visibility rules as a query, and sends it. A connection's subscriptions
share its context, so their events are resolved one at a time (`Live.snapshot`); between events
the context holds a session bound to nothing, so a socket never keeps a pooled connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing, asynccontextmanager
from typing import Annotated, Any, Protocol

import strawberry
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.accounts import current_principal
from db.outbox import fulfilment_topic, order_topic, stock_topic
from db.replica import look_again_on_primary, route_for
from db.uow import SqlUnitOfWork
from domain.access.model import ANONYMOUS, PrincipalKind
from domain.orders.access import AccessDenied, fulfilment_queue_scope
from schema.apps.payload_types import WebhookEvent
from schema.catalog.types import visible_products
from schema.context import Context, Info, Services
from schema.errors import ErrorCode, bad_input, coded_error, refused
from schema.inventory.types import StockLevel
from schema.loaders import Loaders
from schema.orders.ids import order_token
from schema.orders.types import Fulfillment, Order, visible_fulfilment, visible_order
from schema.relay import decode_id, filter_key

MAX_VARIANTS = 100


class EventSource(Protocol):
    def subscribe(self, topics: list[str]) -> AsyncGenerator[tuple[str, str], None]: ...


class Live:
    """What subscriptions of one connection share: the bus, a session factory, a lock, and the
    unbound session the connection's context holds between events (a statement on it fails:
    nothing can check out a connection outside an event)."""

    def __init__(self, bus: EventSource, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.bus = bus
        self.sessions = sessions
        self.lock = asyncio.Lock()
        self.unbound = AsyncSession()
        self._reader: asyncio.Task[Any] | None = None  # the operation whose event holds a session

    def context(self, services: Services) -> Context:
        """A connection's context: anonymous until `connection_init` says otherwise."""
        context = Context(
            session=self.unbound, principal=ANONYMOUS, services=services, loaders=Loaders(self.unbound, services.clock)
        )
        context.live = self
        return context

    def _use(self, context: Context, session: AsyncSession) -> None:
        context.session = session
        context.loaders = Loaders(session, context.services.clock)
        context.uow = SqlUnitOfWork(session, context.services.clock)

    @asynccontextmanager
    async def snapshot(self, context: Context, *, event: bool = False) -> AsyncIterator[None]:
        """A fresh session and loaders in the connection's context for as long as the block (and
        the resolution of what it yields) lasts, or until `release`. A member's or staff user's
        account is read again first, as HTTP does per request: an erased member's or deactivated
        user's subscriptions end at their next event, and a changed role applies at once.

        With a read replica, an `event`'s state is read on the primary: the event was published once
        its transaction committed there, and a replica a moment behind would send the state before
        the change it announces (and then nothing more). A subscription's first check reads the
        replica, unless its caller wrote within the sticky window (db/replica.py)."""
        async with self.lock:
            session = self.sessions()
            await route_for(session, context.principal, writes=event)
            self._reader = asyncio.current_task()
            self._use(context, session)
            try:
                await self._recheck(context)
                yield
            finally:
                self._reader = None
                self._use(context, self.unbound)
                await session.close()

    async def _recheck(self, context: Context) -> None:
        if context.principal.kind not in (PrincipalKind.MEMBER, PrincipalKind.STAFF):
            return
        principal = await current_principal(context.session, context.principal)
        if principal is None and await look_again_on_primary(context.session):  # a replica behind the sign-up
            principal = await current_principal(context.session, context.principal)
        if principal is None:
            raise coded_error(
                "The access token is revoked: its account was erased or deactivated.", ErrorCode.UNAUTHENTICATED
            )
        context.principal = principal

    async def release(self, context: Context) -> None:
        """The event this operation read is resolved: give its session back before it is sent."""
        if self._reader is asyncio.current_task() and context.session is not self.unbound:
            session = context.session
            self._use(context, self.unbound)
            await session.close()


def _live(info: Info) -> Live:
    live = info.context.live
    if not isinstance(live, Live):
        raise coded_error(
            "Subscriptions are served over WebSocket (graphql-transport-ws or graphql-ws) only.",
            ErrorCode.BAD_USER_INPUT,
        )
    return live


@strawberry.type(
    description="Live updates, over WebSocket with the `graphql-transport-ws` subprotocol (or the "
    "legacy `graphql-ws`), which carries subscriptions only. Send the bearer token as "
    '`{"Authorization": "Bearer ..."}` in `connection_init`.'
)
class Subscription:
    @strawberry.subscription(
        description="Each change of the stock of these variants (at `locationId` only, when "
        "given): the level as it is after the change. At most 100 variants."
    )
    async def stock_changed(
        self,
        info: Info,
        variant_ids: Annotated[list[strawberry.ID], strawberry.argument(description="The variants to watch.")],
        location_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only this location; every location when null.")
        ] = None,
    ) -> AsyncGenerator[StockLevel, None]:
        live = _live(info)
        if not 1 <= len(variant_ids) <= MAX_VARIANTS:
            raise bad_input(f"Watch 1 to {MAX_VARIANTS} variants.")
        ids = [decode_id(v, "ProductVariant") for v in variant_ids]
        location = decode_id(location_id, "Location") if location_id is not None else None
        if None in ids or (location_id is not None and location is None):
            raise coded_error("No such variant or location.", ErrorCode.NOT_FOUND)
        wanted = [i for i in ids if i is not None]
        async with live.snapshot(info.context):
            variants = await info.context.loaders.variant_by_id.load_many(wanted)
            products = await info.context.loaders.product_by_id.load_many(
                [v.product_id for v in variants if v is not None]
            )
            visible = await visible_products(info, products)
            if None in variants or None in visible:
                raise coded_error("No such variant.", ErrorCode.NOT_FOUND)
        async with aclosing(live.bus.subscribe([stock_topic(v) for v in wanted])) as events:
            async for topic, message in events:
                where = int(message)
                if location is not None and where != location:
                    continue
                variant = int(topic.rpartition(":")[2])
                async with live.snapshot(info.context, event=True):
                    level = await info.context.loaders.stock_level.load((variant, where))
                    if level is not None:
                        yield StockLevel.from_model(level)

    @strawberry.subscription(
        description="Each change of the order (paid, shipped, ready for pickup, cancelled, "
        "returned...): the order as it is after the change. Visible to whoever may read it."
    )
    async def order_updated(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The order.")],
    ) -> AsyncGenerator[Order, None]:
        live = _live(info)
        token = order_token(id)
        async with live.snapshot(info.context):
            order = await visible_order(info, token) if token else None
            if order is None:
                raise coded_error("No such order.", ErrorCode.NOT_FOUND)
            order_pk = order.pk
        async with aclosing(live.bus.subscribe([order_topic(order_pk)])) as events:
            async for _ in events:
                async with live.snapshot(info.context, event=True):
                    order = await visible_order(info, token)
                    if order is not None:
                        yield order

    @strawberry.subscription(
        description="A location's queue, live: each change of one of its fulfilments (a new paid "
        "order to send, shipped, delivered, cancelled), as it is after the change. For staff who "
        "view orders: store staff their own location (the default), head office the one they name."
    )
    async def fulfillment_updated(
        self,
        info: Info,
        location_id: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="The location; store staff's own when null."),
        ] = None,
    ) -> AsyncGenerator[Fulfillment, None]:
        live = _live(info)
        requested = filter_key(location_id, "Location", "locationId", "a location")
        try:
            location = fulfilment_queue_scope(info.context.principal, requested)
        except AccessDenied as e:
            raise refused(e) from None
        if location is None:
            raise bad_input("Name the location whose fulfilments to watch (`locationId`).")
        async with aclosing(live.bus.subscribe([fulfilment_topic(location)])) as events:
            async for _, message in events:
                async with live.snapshot(info.context, event=True):
                    found = await info.context.loaders.fulfilment_by_id.load(int(message))
                    fulfilment = visible_fulfilment(info, found)
                    if fulfilment is not None:
                        yield fulfilment

    @strawberry.subscription(
        description="What a webhook delivers, as its payload query (`Webhook.query`) selects it, e.g. "
        "`subscription { event { type ... on OrderWebhookEvent { order { number status } } } }`. "
        "Only webhooks run it, with their app's permissions; it is not served over WebSocket."
    )
    async def event(self, info: Info) -> AsyncGenerator[WebhookEvent, None]:
        _live(info)
        raise bad_input("`event` shapes webhook payloads (`Webhook.query`); it is not served over WebSocket.")
        yield  # an async generator, as a subscription is
