"""Reading payment gateways: `paymentGateways`, public, so a shopper can choose how to pay."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import transactions as tq
from schema.context import Info
from schema.payments.types import PaymentGateway


@strawberry.type
class PaymentQuery:
    @strawberry.field(
        description="The payment apps a shopper can pay with (every gateway serves every channel; an "
        "unknown channel has none), by when the app was registered."
    )
    async def payment_gateways(
        self,
        info: Info,
        channel: Annotated[
            str | None, strawberry.argument(description="The channel's slug (default: every channel).")
        ] = None,
    ) -> list[PaymentGateway]:
        ctx = info.context
        if channel is not None and await ctx.loaders.channel_by_slug.load(channel) is None:
            return []
        return [PaymentGateway.of(g.app_id, g.name) for g in await tq.gateways(ctx.session, ctx.loaders.now)]
