"""`node(id:)` and `nodes(ids:)`: fetch any object by its global ID."""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.context import Info
from schema.errors import bad_input
from schema.relay import Node, resolve_nodes

MAX_NODES = 100


@strawberry.type
class NodeQuery:
    @strawberry.field(
        description="Any object by its global ID; null when it does not exist or is not visible to the caller."
    )
    async def node(
        self, info: Info, id: Annotated[strawberry.ID, strawberry.argument(description="A global ID from any object.")]
    ) -> Node | None:
        return (await resolve_nodes(info, [id]))[0]

    @strawberry.field(
        description=f"Several objects by global ID, in the order asked (at most {MAX_NODES}); "
        "null for each one that does not exist or is not visible."
    )
    async def nodes(
        self,
        info: Info,
        ids: Annotated[list[strawberry.ID], strawberry.argument(description="Global IDs of any types.")],
    ) -> list[Node | None]:
        if len(ids) > MAX_NODES:
            raise bad_input(f"Ask for at most {MAX_NODES} ids at once.")
        return await resolve_nodes(info, list(ids))
