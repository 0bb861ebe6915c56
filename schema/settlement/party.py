"""The `Party` type on its own, so that `Location.party` and `Channel.party` use it without importing
the rest of settlement's types (which refer to locations and channels)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from db.models import Party as PartyModel
from schema.context import Info
from schema.relay import Node
from schema.settlement.enums import PartyKind


@strawberry.type(
    description="Who shares in sales: the brand, a franchisee, a concession tenant, a platform, a supplier."
)
class Party(Node):
    name: str = strawberry.field(description="Display name.")
    kind: PartyKind = strawberry.field(description="Who it is.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def from_model(cls, m: PartyModel) -> Party:
        return cls(pk=m.id, name=m.name, kind=m.kind, created_at=m.created_at)


async def party_of(info: Info, party_id: int | None) -> Party | None:
    row = await info.context.loaders.party_by_id.load(party_id) if party_id is not None else None
    return Party.from_model(row) if row else None
