"""Settlement's dataloaders: parties by id, and each order's ledger entries."""

from __future__ import annotations

from collections.abc import Sequence

from db import settlement_queries as sq
from db.models import Party, SettlementEntry, SettlementRule
from schema.batch_loader import BatchLoader, OptionalLoader


class PartyByIdLoader(OptionalLoader[int, Party]):
    fetch = staticmethod(sq.parties_by_ids)


class RuleByIdLoader(OptionalLoader[int, SettlementRule]):
    fetch = staticmethod(sq.rules_by_ids)


class EntriesByOrderLoader(BatchLoader[int, Sequence[SettlementEntry]]):
    fetch = staticmethod(sq.entries_by_order_ids)
    missing = ()
