"""Member queries for staff: recognise a member at the till, list members for targeted marketing."""

from __future__ import annotations

from typing import Annotated

import strawberry

from db import member_queries as mq
from db.models import Member as MemberModel
from db.pagination import count
from domain.access.model import Permission, Principal
from domain.members.model import TAG_MAX_LENGTH, lookup_candidates
from schema.accounts.types import Member, member_for
from schema.context import Info
from schema.errors import bad_input
from schema.pagination import After, Before, Connection, First, Last, list_connection, primed
from schema.permissions import require

MAX_SEARCH = 100


def _listed(principal: Principal, row: MemberModel) -> Member:
    member = member_for(principal, row)
    assert member is not None, "LOOKUP_MEMBERS sees every member"
    return member


@strawberry.type
class MemberQuery:
    @strawberry.field(
        description="Staff (tills, service desks): the member an identifier belongs to: an e-mail, "
        "a phone number in any format, a member card number, a WeChat OpenID or an app device id. "
        "Null when nobody matches."
    )
    async def member_lookup(
        self, info: Info, identifier: Annotated[str, strawberry.argument(description="What was typed or scanned.")]
    ) -> Member | None:
        require(info, Permission.LOOKUP_MEMBERS)
        candidates = lookup_candidates(identifier, info.context.services.phone_region)
        row = await mq.member_by_identities(info.context.session, candidates)
        if row is None:
            return None
        info.context.loaders.member_by_id.prime(row.id, row)
        return member_for(info.context.principal, row)

    @strawberry.field(
        description="Staff: members, newest first, optionally only those with a tag or whose name contains a text."
    )
    async def members(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        tag: Annotated[str | None, strawberry.argument(description="Only members with this tag (any case).")] = None,
        search: Annotated[
            str | None, strawberry.argument(description="Only members whose name contains this text (any case).")
        ] = None,
    ) -> Connection[Member]:
        require(info, Permission.LOOKUP_MEMBERS)
        if search is not None and len(search) > MAX_SEARCH:
            raise bad_input(f"`search` is at most {MAX_SEARCH} characters.")
        if tag is not None and len(tag.strip()) > TAG_MAX_LENGTH:
            raise bad_input(f"`tag` is at most {TAG_MAX_LENGTH} characters.")
        wanted = tag.strip().lower() if tag is not None else None
        session = info.context.session
        principal = info.context.principal
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: mq.member_page(session, request, size, tag=wanted, search=search),
            primed(info.context.loaders.member_by_id, lambda m: m.id, lambda m: _listed(principal, m)),
            lambda: count(session, mq.member_statement(wanted, search)),
        )
