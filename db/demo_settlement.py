"""The demo's settlement set-up: a franchise store, a concession counter in a mall, and the rules the
tour (docs) settles a month of orders with. Every store and the warehouse get a referral code (the
QR a shopper scans), made from the seed so the same seed gives the same codes.

Written after the catalogue and stores, before the order history, in the demo's transaction: the
brand party is the database's own (created by the migration; made here if it is missing), so its
table is not one the demo fills. `write` returns the `Ledger` the history's completed orders are
split with (db.demo_orders), by the domain's own split.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from db.demo_loader import Row
from db.models import Location, Party, SettlementRule
from db.settlement import SqlSettlementRepository
from domain.settlement.model import (
    REFERRAL_ALPHABET,
    REFERRAL_LENGTH,
    PartyKind,
    Rule,
    SettlementEvent,
    SettlementRole,
)
from domain.settlement.services import Sale, sale_entries

FRANCHISE_STORE, CONCESSION_STORE = "SH02", "SH03"  # store codes


@dataclass(frozen=True)
class Ledger:
    """What splitting a past order needs: the brand, the rules, and the party of each store (None: the brand's)."""

    brand_party_id: int
    rules: list[Rule]
    party_of: dict[int, int | None]

    def entry_rows(self, order_id: int, sale: Sale, done: datetime, first_id: int) -> list[Row]:
        """The SALE entry rows the order's completion (`done`) wrote, by the domain's split; ids from `first_id`."""
        return [
            {
                "id": first_id + n,
                "order_id": order_id,
                "order_line_id": entry.line_id,
                "party_id": entry.share.party_id,
                "role": entry.share.role,
                "event": SettlementEvent.SALE,
                "rule_id": entry.share.rule_id,
                "amount": entry.share.amount,
                "currency": sale.currency,
                "completed_at": done,
                "statement_id": None,
                "created_at": done,
            }
            for n, entry in enumerate(sale_entries(sale, self.rules, self.brand_party_id, done))
        ]


def referral_codes(rows: list[Row], seed: int) -> None:
    """A referral code on each location row, from its own generator (the demo's other draws stay as they were)."""
    rng = random.Random(f"referral-{seed}")
    for row in rows:
        row["referral_code"] = "".join(rng.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))
        row["party_id"] = None  # the brand's; `write` gives two stores to their parties (and COPY needs every column)


async def _party(conn: AsyncConnection, name: str, kind: PartyKind, created: datetime) -> int:
    result = await conn.execute(sa.insert(Party).values(name=name, kind=kind, created_at=created).returning(Party.id))
    return int(result.scalar_one())


async def write(conn: AsyncConnection, created: datetime) -> Ledger:
    """The parties, their stores and the rules (a franchise store keeps 70 % of what it sells, a concession
    counter 80 % and the mall hosting it 12 %; a referring store earns 5 %, a staff guide's store 2 %, a
    location that ships or hands over goods 3.00 a unit)."""
    if await conn.scalar(sa.select(Party.id).where(Party.kind == PartyKind.BRAND)) is None:
        await _party(conn, "Brand", PartyKind.BRAND, created)
    franchisee = await _party(conn, "Jing'an Franchise Co.", PartyKind.FRANCHISEE, created)
    tenant = await _party(conn, "Lujiazui Counter Ltd.", PartyKind.CONCESSION, created)
    mall = await _party(conn, "Grand Mall", PartyKind.PLATFORM, created)
    for code, party in ((FRANCHISE_STORE, franchisee), (CONCESSION_STORE, tenant)):
        await conn.execute(sa.update(Location).where(Location.code == code).values(party_id=party))
    counter = await conn.scalar(sa.select(Location.id).where(Location.code == CONCESSION_STORE))
    rules = [
        {"role": SettlementRole.SELLER, "party_id": franchisee, "rate": Decimal(70)},
        {"role": SettlementRole.SELLER, "party_id": tenant, "rate": Decimal(80)},
        {"role": SettlementRole.HOST, "party_id": mall, "location_id": counter, "rate": Decimal(12)},
        {"role": SettlementRole.REFERRER, "rate": Decimal(5)},
        {"role": SettlementRole.GUIDE, "rate": Decimal(2)},
        {"role": SettlementRole.FULFILLER, "fixed_amount": Decimal(3), "currency": "CNY"},
    ]
    defaults = {"party_id": None, "location_id": None, "rate": None, "fixed_amount": None, "currency": None}
    rows = [{**defaults, **r, "created_at": created} for r in rules]
    await conn.execute(sa.insert(SettlementRule), rows)
    return await ledger(conn)


async def ledger(conn: AsyncConnection) -> Ledger:
    """The database's settlement set-up, as the ledger reads it when an order completes."""
    owners = {row.id: row.party_id for row in await conn.execute(sa.select(Location.id, Location.party_id))}
    async with AsyncSession(bind=conn) as session:  # in the connection's transaction
        repository = SqlSettlementRepository(session)
        return Ledger(await repository.brand_party(), await repository.rules(), owners)
