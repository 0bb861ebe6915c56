"""The public graph: merges each area's queries and mutations into one schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors
from strawberry.tools import merge_types

from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.catalog.mutations import CatalogMutation
from schema.catalog.queries import CatalogQuery
from schema.channels.queries import ChannelQuery
from schema.errors import should_mask
from schema.nodes import NodeQuery

Query = merge_types("Query", (NodeQuery, ChannelQuery, CatalogQuery, AccountQuery))
Mutation = merge_types("Mutation", (AccountMutation, CatalogMutation))


def build_schema(*, debug: bool = False) -> strawberry.Schema:
    """The schema; outside debug mode unexpected errors are masked (no internals leak)."""
    extensions = [] if debug else [lambda: MaskErrors(should_mask_error=should_mask)]
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
