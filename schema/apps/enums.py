"""The apps' enum: what an app's token may do.

Its own module so that the app inputs use it without importing the app types.
"""

from __future__ import annotations

from domain.access import model as access
from schema.enums import graphql_enum

AppScope = graphql_enum(
    access.AppScope,
    "What an app's token may do.",
    {
        "CATALOG_READ": "Read catalogue data, including unpublished products.",
        "CATALOG_WRITE": "Create and change products, variants, categories and prices.",
        "INVENTORY_WRITE": "Adjust and transfer stock.",
        "ORDERS_READ": "Read every order.",
        "ORDERS_WRITE": "Change and fulfil orders.",
        "MEMBERS_READ": "Look members up.",
        "MEMBERS_WRITE": "Tag members and adjust their points.",
        "PROMOTIONS_WRITE": "Manage promotions and coupon templates, and issue coupons.",
    },
)
