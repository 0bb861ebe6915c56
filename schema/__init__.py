"""The public graph: merges each area's queries and mutations into one schema."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import strawberry
from graphql import DocumentNode
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig

from schema import direct_resolvers
from schema.accounts.expensive import OneExpensiveMutation
from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.apps import payload_queries
from schema.apps.mutations import AppMutation
from schema.apps.payload_types import PAYLOAD_TYPES
from schema.apps.queries import AppQuery
from schema.apps.webhook_mutations import WebhookMutation
from schema.apps.webhook_queries import WebhookQuery
from schema.byte_cache import ByteLRU
from schema.catalog.mutations import CatalogMutation
from schema.catalog.queries import CatalogQuery
from schema.channels.mutations import ChannelMutation
from schema.channels.queries import ChannelQuery
from schema.cost import QueryCost, QueryLimits, limit_rules
from schema.document_cache import DOCUMENT_CACHE_BYTES, DocumentCache
from schema.error_codes import ErrorCodes
from schema.execution import SyncCompletion
from schema.extension_runner import lean_runner
from schema.inventory.location_mutations import LocationMutation
from schema.inventory.queries import LocationQuery
from schema.inventory.record_queries import StockRecordQuery
from schema.inventory.stock_mutations import StockMutation
from schema.inventory.transfer_mutations import StockTransferMutation
from schema.members.address_mutations import MemberAddressMutation
from schema.members.mutations import MemberMutation
from schema.members.queries import MemberQuery
from schema.members.staff_mutations import MemberStaffMutation
from schema.nodes import NodeQuery
from schema.orders.cart_mutations import CartMutation
from schema.orders.fulfilment_mutations import FulfilmentMutation
from schema.orders.fulfilment_queries import FulfilmentQuery
from schema.orders.mutations import CheckoutMutation
from schema.orders.queries import CartQuery, OrderQuery
from schema.payments.mutations import PaymentMutation
from schema.payments.queries import PaymentQuery
from schema.promotions.coupon_mutations import CouponMutation
from schema.promotions.promotion_mutations import PromotionAdminMutation
from schema.promotions.queries import CouponQuery, CouponTemplateQuery, PromotionAdminQuery
from schema.promotions.template_mutations import CouponTemplateMutation
from schema.reports.queries import ReportQuery
from schema.settlement.mutations import SettlementMutation
from schema.settlement.queries import SettlementQuery
from schema.settlement.statements import SettlementStatementMutation, SettlementStatementQuery
from schema.subscriptions import Subscription
from schema.text_input import TextCheck, TextLiterals


def _merge(name: str, description: str, areas: tuple[type, ...]) -> type:
    """One root type from each area's fields (like strawberry.tools.merge_types, with a description)."""
    return strawberry.type(type(name, areas, {}), description=description)


Query = _merge(
    "Query",
    "Everything a client can read.",
    (
        NodeQuery,
        ChannelQuery,
        CatalogQuery,
        AccountQuery,
        LocationQuery,
        StockRecordQuery,
        AppQuery,
        WebhookQuery,
        MemberQuery,
        CartQuery,
        OrderQuery,
        FulfilmentQuery,
        PaymentQuery,
        CouponQuery,
        PromotionAdminQuery,
        CouponTemplateQuery,
        ReportQuery,
        SettlementQuery,
        SettlementStatementQuery,
    ),
)
Mutation = _merge(
    "Mutation",
    "Everything a client can change. Each mutation is one transaction; expected "
    "failures come back as `userErrors` and change nothing.",
    (
        AccountMutation,
        ChannelMutation,
        CatalogMutation,
        StockMutation,
        StockTransferMutation,
        LocationMutation,
        AppMutation,
        WebhookMutation,
        MemberMutation,
        MemberAddressMutation,
        MemberStaffMutation,
        CartMutation,
        CheckoutMutation,
        FulfilmentMutation,
        PaymentMutation,
        CouponMutation,
        PromotionAdminMutation,
        CouponTemplateMutation,
        SettlementMutation,
        SettlementStatementMutation,
    ),
)


def build_schema(
    *,
    debug: bool = False,
    limits: QueryLimits | None = None,
    introspection: bool = True,
    batch_max_operations: int | None = None,
    extensions: Sequence[Callable[[], SchemaExtension]] = (),
) -> strawberry.Schema:
    """The schema, with the query limits (schema/cost.py) checked before anything runs and every
    top-level error coded; outside debug mode unexpected errors are masked (no internals leak).
    `batch_max_operations` enables array batching over HTTP (off when None); `extensions` come
    after ours (they see a parsed and validated document only once it is within the limits)."""
    limits = limits or QueryLimits()
    rules = (*limit_rules(limits, introspection=introspection), OneExpensiveMutation, TextLiterals)
    # Fresh extension instances per request; repeated documents skip parsing and validation
    # (a storefront sends the same few queries), in a cache of this schema's (its rules and limits).
    documents: ByteLRU[str, DocumentNode] = ByteLRU(DOCUMENT_CACHE_BYTES)  # `.args[0]` of its extension
    hooks: list[Any] = [
        lambda: ErrorCodes(mask=not debug),
        lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
        lambda: AddValidationRules(list(rules)),
        functools.partial(DocumentCache, documents),
        TextCheck,
        lambda: QueryCost(limits.max_cost),
        *extensions,
    ]
    config = StrawberryConfig(
        batching_config={"max_operations": batch_max_operations} if batch_max_operations else None
    )
    schema = strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=list(PAYLOAD_TYPES.values()),  # `Subscription.event`'s kinds of events
        extensions=hooks,
        config=config,
        execution_context_class=SyncCompletion,
    )
    direct_resolvers.install(schema)
    schema.create_extensions_runner = lean_runner  # type: ignore[method-assign]
    payload_queries.attach(schema, limits, introspection=introspection)
    return schema
