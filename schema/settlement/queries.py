"""Reading settlement: `parties` (also a party's own, for its store managers) and `settlementRules`
(for those who manage settlement), oldest first."""

from __future__ import annotations

import strawberry

from db import settlement_queries as sq
from db.pagination import count
from schema.context import Info
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.settlement.types import Party, SettlementRule, check_settlement_reader, settlement_view


@strawberry.type
class SettlementQuery:
    @strawberry.field(
        description="Parties, oldest first (the brand first): admins and apps with SETTLEMENT_WRITE; a "
        "franchisee's or concession's store managers, their own party only."
    )
    async def parties(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[Party]:
        view = await settlement_view(info)
        session = info.context.session
        statement = sq.parties_statement(view.party_id)
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: sq.party_page(session, statement, request, size),
            lambda row: Party.from_model(row[0]),
            lambda: count(session, statement),
        )

    @strawberry.field(description="Settlement rules, oldest first: admins and apps with SETTLEMENT_WRITE.")
    async def settlement_rules(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SettlementRule]:
        check_settlement_reader(info)
        session = info.context.session
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: sq.rule_page(session, request, size),
            lambda row: SettlementRule.from_model(row[0]),
            lambda: count(session, sq.rules_statement()),
        )
