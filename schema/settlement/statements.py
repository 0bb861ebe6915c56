"""Settlement statements in the graph: the `SettlementStatement` type, `settlementStatements`, and
`settlementStatementGenerate` / `settlementStatementConfirm` / `settlementStatementMarkPaid`, for
admins and apps with SETTLEMENT_WRITE. A franchisee's or concession's store managers read their party's
statements (and so their entries, which are all the party's) and none other."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry

from db import settlement_statements as ssq
from db.models import SettlementStatement as StatementModel
from db.pagination import count
from domain.access.model import AccessDenied
from domain.settlement import statements as domain
from schema.context import Info
from schema.errors import UserError, refused, run_mutation, user_errors_field
from schema.money import Money
from schema.pagination import After, Before, Connection, First, Last, child_connection, list_connection
from schema.relay import Node, filter_key, key_of, register_node
from schema.settlement.enums import SettlementStatementStatus
from schema.settlement.party import Party
from schema.settlement.types import SettlementEntry, check_settlement_reader, settlement_view

Id = Annotated[strawberry.ID, strawberry.argument(description="The statement.")]


@strawberry.type(description="What one party is owed for one period (in one currency): its settled entries.")
class SettlementStatement(Node):
    row: strawberry.Private[StatementModel]
    period_start: datetime = strawberry.field(description="The period's start.")
    period_end: datetime = strawberry.field(description="The period's end (excluded).")
    status: SettlementStatementStatus = strawberry.field(description="Where it stands.")
    total: Money = strawberry.field(description="The sum of its entries (returns are negative).")
    payment_reference: str | None = strawberry.field(description="The payment's reference, once PAID.")

    @strawberry.field(description="Whom it is for.")
    async def party(self, info: Info) -> Party:
        return Party.from_model(await info.context.loaders.party_by_id.load_existing(self.row.party_id))

    @strawberry.field(description="Its entries, newest first.")
    async def entries(
        self, info: Info, first: First = None, after: After = None, last: Last = None, before: Before = None
    ) -> Connection[SettlementEntry]:
        ctx = info.context
        settled = self.row.status is not domain.SettlementStatementStatus.DRAFT
        window = ctx.services.settlement_return_window_days
        return await child_connection(
            self.pk,
            first,
            after,
            last,
            before,
            ssq.ENTRY_ORDERING,
            ctx.loaders.statement_entries,
            ctx.loaders.entry_count_by_statement,
            lambda e: SettlementEntry.from_model(e, window, ctx.loaders.now, settled),
        )

    @classmethod
    def from_model(cls, m: StatementModel) -> SettlementStatement:
        return cls(
            pk=m.id,
            row=m,
            period_start=m.period_start,
            period_end=m.period_end,
            status=m.status,
            total=Money.of(m.total, m.currency),
            payment_reference=m.payment_reference,
        )


async def _statements(info: Info, ids: list[int]) -> list[SettlementStatement]:
    rows = await info.context.loaders.statement_by_id.load_many(ids)
    return [SettlementStatement.from_model(r) for r in rows if r is not None]


async def _fetch(info: Info, ids: list[int]) -> list[SettlementStatement | None]:
    view = await settlement_view(info)
    rows = await info.context.loaders.statement_by_id.load_many(ids)
    return [SettlementStatement.from_model(r) if r and view.sees(r.party_id) else None for r in rows]


register_node("SettlementStatement", _fetch)


@strawberry.input(description="Which statements to list.")
class SettlementStatementFilter:
    party_id: strawberry.ID | None = strawberry.field(default=None, description="One party's.")
    status: SettlementStatementStatus | None = strawberry.field(default=None, description="Only in this status.")


@strawberry.input(description="The period to settle, and optionally the one party to settle it for.")
class SettlementStatementGenerateInput:
    period_start: datetime = strawberry.field(description="The period's start.")
    period_end: datetime = strawberry.field(description="The period's end (excluded; at most a year later).")
    party_id: strawberry.ID | None = strawberry.field(default=None, description="Only this party; null: every party.")


@strawberry.input(description="How a confirmed statement was paid.")
class SettlementStatementMarkPaidInput:
    reference: str = strawberry.field(description="The payment's reference (a bank transfer's, say).")


@strawberry.type(description="Result of `settlementStatementGenerate`.")
class SettlementStatementGeneratePayload:
    statements: list[SettlementStatement] = strawberry.field(description="The period's statements, by party.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `settlementStatementConfirm`.")
class SettlementStatementConfirmPayload:
    statement: SettlementStatement | None = strawberry.field(description="The statement, CONFIRMED.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `settlementStatementMarkPaid`.")
class SettlementStatementMarkPaidPayload:
    statement: SettlementStatement | None = strawberry.field(description="The statement, PAID.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class SettlementStatementQuery:
    @strawberry.field(
        description="Statements, newest first: admins and apps with SETTLEMENT_WRITE; a franchisee's or "
        "concession's store managers, their party's only (another party's in the filter is FORBIDDEN)."
    )
    async def settlement_statements(
        self,
        info: Info,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[
            SettlementStatementFilter | None, strawberry.argument(description="Only one party's, or one status.")
        ] = None,
    ) -> Connection[SettlementStatement]:
        view = await settlement_view(info)
        session = info.context.session
        party = filter_key(filter.party_id if filter else None, "Party", "filter.partyId", "party")
        if view.party_id is not None:
            if party not in (None, view.party_id):
                raise refused(AccessDenied("A party's staff read their party's statements only."))
            party = view.party_id
        status = domain.SettlementStatementStatus(filter.status.value) if filter and filter.status else None
        statement = ssq.statements_statement(party, status)
        return await list_connection(
            first,
            after,
            last,
            before,
            lambda request, size: ssq.statement_page(session, statement, request, size),
            lambda row: SettlementStatement.from_model(row[0]),
            lambda: count(session, statement),
        )


@strawberry.type
class SettlementStatementMutation:
    @strawberry.mutation(
        description="Build the period's statements from the settleable entries no statement holds (one per "
        "party and currency); generating again rebuilds a DRAFT and leaves a confirmed one as it is."
    )
    async def settlement_statement_generate(
        self,
        info: Info,
        input: Annotated[SettlementStatementGenerateInput, strawberry.argument(description="The period.")],
    ) -> SettlementStatementGeneratePayload:
        check_settlement_reader(info)
        ctx = info.context
        ids, errors = await run_mutation(
            info,
            lambda: domain.generate(
                ctx.uow,
                ctx.principal,
                start=input.period_start,
                end=input.period_end,
                party_id=key_of(input.party_id, "Party") if input.party_id is not None else None,
                window_days=ctx.services.settlement_return_window_days,
                now=ctx.uow.clock(),
            ),
        )
        return SettlementStatementGeneratePayload(statements=await _statements(info, ids or []), user_errors=errors)

    @strawberry.mutation(description="Confirm a DRAFT statement: it is frozen and its entries are SETTLED.")
    async def settlement_statement_confirm(self, info: Info, id: Id) -> SettlementStatementConfirmPayload:
        check_settlement_reader(info)
        ctx = info.context
        done, errors = await run_mutation(
            info, lambda: domain.confirm(ctx.uow, ctx.principal, key_of(id, "SettlementStatement"))
        )
        found = await _statements(info, [done]) if done is not None else []
        return SettlementStatementConfirmPayload(statement=found[0] if found else None, user_errors=errors)

    @strawberry.mutation(description="Record that a CONFIRMED statement was paid, with the payment's reference.")
    async def settlement_statement_mark_paid(
        self,
        info: Info,
        id: Id,
        input: Annotated[SettlementStatementMarkPaidInput, strawberry.argument(description="The payment.")],
    ) -> SettlementStatementMarkPaidPayload:
        check_settlement_reader(info)
        ctx = info.context
        done, errors = await run_mutation(
            info, lambda: domain.mark_paid(ctx.uow, ctx.principal, key_of(id, "SettlementStatement"), input.reference)
        )
        found = await _statements(info, [done]) if done is not None else []
        return SettlementStatementMarkPaidPayload(statement=found[0] if found else None, user_errors=errors)
