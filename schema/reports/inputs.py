"""The data centre's arguments: the period, channels and stores a report covers, and its groupings."""

from __future__ import annotations

from datetime import date

import strawberry

from domain.reports import model
from schema.enums import graphql_enum
from schema.errors import bad_input
from schema.relay import decode_id

ReportDimension = graphql_enum(
    model.ReportDimension,
    "What a sales report's rows are grouped by (combinations allowed; one period at most).",
    {
        "DAY": "The business day (in BUSINESS_TIMEZONE).",
        "WEEK": "The ISO week, dated by its Monday.",
        "MONTH": "The month, dated by its first day.",
        "CHANNEL": "The channel sold in.",
        "LOCATION": "The store the sale is attributed to (none for deliveries sold online).",
        "CATEGORY": "The product's category (an order with lines in several counts in each).",
    },
)

TopProductsBy = graphql_enum(
    model.TopProductsBy,
    "How top products are ranked.",
    {"NET": "Net sales (after discounts and returns).", "UNITS": "Units sold less units returned."},
)


@strawberry.input(description="The business days (both included), channels and stores a report covers.")
class ReportFilter:
    from_: date = strawberry.field(name="from", description="The first business day.")
    to: date = strawberry.field(description="The last business day (included).")
    channels: list[str] | None = strawberry.field(
        default=None, description="Only these channels (slugs); they must share one currency. Default: all."
    )
    location_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Only these stores (a store's staff: their own, the default; another is FORBIDDEN).",
    )

    def to_model(self) -> model.ReportFilter:
        locations = None
        if self.location_ids is not None:
            keys = [decode_id(i, "Location") for i in self.location_ids]
            if any(k is None for k in keys):
                raise bad_input("`filter.locationIds` holds an ID that is not a location's.")
            locations = tuple(k for k in keys if k is not None)
        return model.ReportFilter(self.from_, self.to, None, locations)

    @property
    def channel_slugs(self) -> tuple[str, ...] | None:
        return tuple(self.channels) if self.channels is not None else None
