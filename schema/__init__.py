"""The public graph: merges each area's queries and mutations into one schema."""

from __future__ import annotations

import strawberry
from strawberry.extensions import MaskErrors

from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.catalog.mutations import CatalogMutation
from schema.catalog.queries import CatalogQuery
from schema.channels.queries import ChannelQuery
from schema.errors import should_mask
from schema.nodes import NodeQuery


def _merge(name: str, description: str, areas: tuple[type, ...]) -> type:
    """One root type from each area's fields (like strawberry.tools.merge_types, with a description)."""
    return strawberry.type(type(name, areas, {}), description=description)


Query = _merge("Query", "Everything a client can read.", (NodeQuery, ChannelQuery, CatalogQuery, AccountQuery))
Mutation = _merge(
    "Mutation",
    "Everything a client can change. Each mutation is one transaction; expected "
    "failures come back as `userErrors` and change nothing.",
    (AccountMutation, CatalogMutation),
)


def build_schema(*, debug: bool = False) -> strawberry.Schema:
    """The schema; outside debug mode unexpected errors are masked (no internals leak)."""
    extensions = [] if debug else [lambda: MaskErrors(should_mask_error=should_mask)]
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
