"""The channels' enums: the kind of touchpoint, and who operates it.

Their own module so that the channel inputs use them without importing the channel types.
"""

from __future__ import annotations

from domain.catalog import model as domain
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
