"""The public graph: merges each area's queries and mutations into one schema."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ValidationCache
from strawberry.schema.config import StrawberryConfig

from schema import direct_resolvers
from schema.accounts.expensive import OneExpensiveMutation
from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.apps.api import AppMutation, AppQuery
from schema.catalog.mutations import CatalogMutation
from schema.catalog.queries import CatalogQuery
from schema.channels.mutations import ChannelMutation
from schema.channels.queries import ChannelQuery
from schema.cost import InBandParserCache, QueryCost, QueryLimits, limit_rules
from schema.error_codes import ErrorCodes
from schema.execution import SyncCompletion
from schema.inventory.locations import LocationMutation, LocationQuery
from schema.inventory.stock_mutations import StockMutation
from schema.members.address_mutations import MemberAddressMutation
from schema.members.mutations import MemberMutation
from schema.members.queries import MemberQuery
from schema.members.staff_mutations import MemberStaffMutation
from schema.nodes import NodeQuery
from schema.orders.cart_mutations import CartMutation, CartQuery
from schema.orders.fulfilment_mutations import FulfilmentMutation
from schema.orders.mutations import CheckoutMutation
from schema.orders.queries import OrderQuery
from schema.promotions.admin import PromotionAdminMutation, PromotionAdminQuery
from schema.promotions.coupon_mutations import CouponMutation, CouponQuery
from schema.promotions.templates import CouponTemplateMutation, CouponTemplateQuery
from schema.subscriptions import Subscription


def _merge(name: str, description: str, areas: tuple[type, ...]) -> type:
    """One root type from each area's fields (like strawberry.tools.merge_types, with a description)."""
    return strawberry.type(type(name, areas, {}), description=description)


Query = _merge("Query", "Everything a client can read.", (NodeQuery, ChannelQuery, CatalogQuery, AccountQuery,
                                                           LocationQuery, AppQuery, MemberQuery, CartQuery,
                                                           OrderQuery, CouponQuery, PromotionAdminQuery,
                                                           CouponTemplateQuery))
Mutation = _merge(
    "Mutation",
    "Everything a client can change. Each mutation is one transaction; expected "
    "failures come back as `userErrors` and change nothing.",
    (AccountMutation, ChannelMutation, CatalogMutation, StockMutation, LocationMutation, AppMutation,
     MemberMutation, MemberAddressMutation, MemberStaffMutation, CartMutation, CheckoutMutation,
     FulfilmentMutation, CouponMutation, PromotionAdminMutation, CouponTemplateMutation),
)


def build_schema(*, debug: bool = False, limits: QueryLimits | None = None, introspection: bool = True,
                 batch_max_operations: int | None = None) -> strawberry.Schema:
    """The schema, with the query limits (schema/cost.py) checked before anything runs and every
    top-level error coded; outside debug mode unexpected errors are masked (no internals leak).
    `batch_max_operations` enables array batching over HTTP (off when None)."""
    limits = limits or QueryLimits()
    # built once: the validation cache keys on them
    rules = (*limit_rules(limits, introspection=introspection), OneExpensiveMutation)
    # Fresh extension instances per request; repeated documents skip parsing and validation
    # (a storefront sends the same few queries).
    extensions: list[Any] = [
        lambda: ErrorCodes(mask=not debug),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: InBandParserCache(maxsize=512),
        lambda: AddValidationRules(list(rules)),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryCost(limits.max_cost),
    ]
    config = StrawberryConfig(batching_config={"max_operations": batch_max_operations}
                              if batch_max_operations else None)
    schema = strawberry.Schema(query=Query, mutation=Mutation, subscription=Subscription, extensions=extensions,
                               config=config, execution_context_class=SyncCompletion)
    direct_resolvers.install(schema)
    return schema
