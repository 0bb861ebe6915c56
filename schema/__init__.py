"""The public graph: merges each area's queries and mutations into one schema."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import MaskErrors, ParserCache, ValidationCache

from schema.accounts.mutations import AccountMutation
from schema.accounts.queries import AccountQuery
from schema.apps.api import AppMutation, AppQuery
from schema.catalog.mutations import CatalogMutation
from schema.catalog.queries import CatalogQuery
from schema.channels.mutations import ChannelMutation
from schema.channels.queries import ChannelQuery
from schema.errors import should_mask
from schema.inventory.locations import LocationMutation, LocationQuery
from schema.inventory.stock_mutations import StockMutation
from schema.members.address_mutations import MemberAddressMutation
from schema.members.mutations import MemberMutation
from schema.members.queries import MemberQuery
from schema.members.staff_mutations import MemberStaffMutation
from schema.nodes import NodeQuery


def _merge(name: str, description: str, areas: tuple[type, ...]) -> type:
    """One root type from each area's fields (like strawberry.tools.merge_types, with a description)."""
    return strawberry.type(type(name, areas, {}), description=description)


Query = _merge("Query", "Everything a client can read.", (NodeQuery, ChannelQuery, CatalogQuery, AccountQuery,
                                                           LocationQuery, AppQuery, MemberQuery))
Mutation = _merge(
    "Mutation",
    "Everything a client can change. Each mutation is one transaction; expected "
    "failures come back as `userErrors` and change nothing.",
    (AccountMutation, ChannelMutation, CatalogMutation, StockMutation, LocationMutation, AppMutation,
     MemberMutation, MemberAddressMutation, MemberStaffMutation),
)


def build_schema(*, debug: bool = False) -> strawberry.Schema:
    """The schema; outside debug mode unexpected errors are masked (no internals leak)."""
    # Repeated documents skip parsing and validation (a storefront sends the same few queries).
    extensions: list[Any] = [lambda: ParserCache(maxsize=512), lambda: ValidationCache(maxsize=512)]
    if not debug:
        extensions.append(lambda: MaskErrors(should_mask_error=should_mask))
    return strawberry.Schema(query=Query, mutation=Mutation, extensions=extensions)
