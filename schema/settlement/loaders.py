"""Settlement's dataloaders: parties by id, and each order's ledger entries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from db import settlement_queries as sq
from db import settlement_statements as ssq
from db.models import Party, SettlementEntry, SettlementRule, SettlementStatement
from db.pagination import ChildPage, Page
from domain.settlement.statements import SettlementStatementStatus
from schema.batch_loader import BatchLoader, OptionalLoader


class PartyByIdLoader(OptionalLoader[int, Party]):
    fetch = staticmethod(sq.parties_by_ids)


class RuleByIdLoader(OptionalLoader[int, SettlementRule]):
    fetch = staticmethod(sq.rules_by_ids)


class EntriesByOrderLoader(BatchLoader[int, Sequence[tuple[SettlementEntry, SettlementStatementStatus | None]]]):
    fetch = staticmethod(sq.entries_by_order_ids)
    missing = ()


class StatementByIdLoader(OptionalLoader[int, SettlementStatement]):
    fetch = staticmethod(ssq.statements_by_ids)


class EntryPageByStatementLoader(OptionalLoader[ChildPage, Page[Any]]):
    """Key `ChildPage`: one page of one statement's entries."""

    fetch = staticmethod(ssq.entry_pages)


class EntryCountByStatementLoader(BatchLoader[int, int]):
    fetch = staticmethod(ssq.entry_counts)
    missing = 0
