"""The channels' enums: the kind of touchpoint, who operates it, and how its deliveries are routed.

Their own module so that the channel inputs use them without importing the channel types.
"""

from __future__ import annotations

from enum import Enum

from domain.catalog import model as domain
from domain.inventory.model import Routing
from schema.enums import graphql_enum

ChannelKind = graphql_enum(
    domain.ChannelKind,
    "The kind of touchpoint a channel serves.",
    {
        "APP": "Native mobile app.",
        "H5": "Mobile web (H5).",
        "WECHAT_MINI": "WeChat mini-program.",
        "PC": "Desktop web shop.",
        "POS": "In-store point of sale (tills).",
        "KIOSK": "Self-service kiosk in a store.",
        "WEARABLE": "Smart watch or other wearable.",
        "PARTNER": "Third-party platform or marketplace.",
    },
)
ChannelOwnership = graphql_enum(
    domain.ChannelOwnership,
    "Who operates the channel; drives settlement.",
    {
        "DIRECT": "Company-owned.",
        "FRANCHISE": "Run by a franchisee (加盟).",
        "CONSIGNMENT": "A concession in a mall (联营).",
        "PLATFORM": "A third-party marketplace.",
    },
)
# Named for what it routes (a channel's fulfilments); the domain calls it Routing.
_Routing = Enum("FulfillmentRouting", {m.name: m.value for m in Routing}, type=str)  # type: ignore[misc]
FulfillmentRouting = graphql_enum(
    _Routing,
    "Which locations ship a channel's deliveries. Whatever the rule, an order is split only when no "
    "one location can take it all, and only warehouses and stores that ship to homes ship.",
    {
        "NEAREST": "The location nearest to the address, then by the locations' priority.",
        "PRIORITY": "By the locations' priority (lowest first), then the nearest.",
        "WAREHOUSES_FIRST": "Warehouses before stores, each the nearest first.",
    },
)
