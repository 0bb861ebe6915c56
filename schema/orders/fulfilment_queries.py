"""A location's queue: `fulfillments(filter: {locationId, status})`, oldest first, the parts of paid
orders, for staff who view orders; a store's staff read their own location's (its default; another
location is FORBIDDEN, domain/orders/access.py `fulfilment_queue_scope`)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import fulfilment_queries as fq
from db.pagination import count
from domain.orders.access import AccessDenied, fulfilment_queue_scope
from domain.orders.fulfilment import FulfilmentStatus
from schema.context import Info
from schema.errors import refused
from schema.orders.inputs import FulfillmentFilter
from schema.orders.types import Fulfillment
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.relay import filter_key


def _location(info: Info, location_id: strawberry.ID | None) -> int | None:
    """The location the caller's list is limited to (None: every location)."""
    requested = filter_key(location_id, "Location", "locationId", "a location")
    try:
        return fulfilment_queue_scope(info.context.principal, requested)
    except AccessDenied as e:
        raise refused(e) from None


@strawberry.type
class FulfilmentQuery:
    @strawberry.field(
        description="Staff who view orders: fulfilments of paid orders, oldest first: what a location "
        "has to pick, pack and send (store staff: their location's; head office: any or all)."
    )
    async def fulfillments(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            FulfillmentFilter | None, strawberry.argument(description="Only fulfilments matching all of these.")
        ] = None,
    ) -> Connection[Fulfillment]:
        f = filter or FulfillmentFilter()
        location_id = _location(info, f.location_id)
        statement = fq.fulfilment_statement(location_id, FulfilmentStatus(f.status.value) if f.status else None)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: fq.fulfilment_page(session, request, size, statement),
            lambda row: Fulfillment.from_model(row[0], row[1]),
            lambda: count(session, statement),
        )
