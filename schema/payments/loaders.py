"""The payment apps' dataloaders: an order's transactions."""

from __future__ import annotations

from collections.abc import Sequence

from db import transactions as tq
from db.models import Transaction
from schema.batch_loader import BatchLoader, OptionalLoader


class TransactionsByOrderLoader(BatchLoader[int, Sequence[Transaction]]):
    fetch = staticmethod(tq.transactions_by_order_ids)
    missing = ()


class TransactionByIdLoader(OptionalLoader[int, Transaction]):
    fetch = staticmethod(tq.transactions_by_ids)
