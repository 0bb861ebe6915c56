"""The settlement ledger as the service-layer tests see it: the sale of a placed order read from the
fake orders (brand-owned locations unless `party_of` says otherwise), rules and entries in lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from domain.settlement.model import NO_REFERRAL, PartyKind, Referral, Rule, SettlementEvent, SettlementRole
from domain.settlement.services import LedgerEntry, Sale, SaleLine
from tests.fakes.orders import FakeOrders

BRAND = 1


class FakeSettlement:
    def __init__(self, orders: FakeOrders) -> None:
        self._orders = orders
        self.parties: dict[int, tuple[str, PartyKind]] = {BRAND: ("Brand", PartyKind.BRAND)}
        self.party_of: dict[int, int | None] = {}  # location id -> party
        self.referrals: dict[str, Referral] = {}
        self.cart_referrals: dict[int, Referral] = {}
        self.rule_list: list[Rule] = []
        self.entries: list[tuple[int, SettlementEvent, datetime, LedgerEntry]] = []

    async def brand_party(self) -> int:
        return BRAND

    async def add_party(self, name: str, kind: PartyKind) -> int:
        self.parties[len(self.parties) + 1] = (name, kind)
        return len(self.parties)

    async def party_exists(self, party_id: int) -> bool:
        return party_id in self.parties

    async def missing_locations(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self._orders._inventory.locations]

    async def missing_channels(self, ids: Sequence[int]) -> list[int]:
        return [i for i in ids if i not in self._orders._carts.channels]

    async def missing_category(self, category_id: int) -> bool:
        return False

    async def currency(self, channel_id: int | None) -> str:
        return "CNY"

    async def assign_party(self, party_id: int, location_ids: Sequence[int], channel_ids: Sequence[int]) -> None:
        self.party_of.update(dict.fromkeys(location_ids, party_id))

    async def rules(self, role: SettlementRole | None = None) -> list[Rule]:
        return [r for r in self.rule_list if role is None or r.role is role]

    async def add_rule(self, rule: Rule) -> int:
        self.rule_list.append(replace(rule, id=len(self.rule_list) + 1))
        return len(self.rule_list)

    async def referral(self, code: str) -> Referral | None:
        return self.referrals.get(code)

    async def set_cart_referral(self, cart_id: int, referral: Referral) -> None:
        self.cart_referrals[cart_id] = referral

    async def sale(self, order_id: int) -> Sale | None:
        placed = self._orders.placed.get(order_id)
        if placed is None:
            return None
        lines = [
            SaleLine(
                ln.id,
                ln.quantity,
                ln.total,
                None,
                tuple((a.location_id, a.quantity) for a in placed.allocations if a.line_key == str(ln.id)),
            )
            for ln in placed.lines
        ]
        s = placed.state
        return Sale(s.currency, s.channel_id, None, NO_REFERRAL, Decimal(0), lines, dict(self.party_of))

    async def supplier_locations(self, location_ids: Sequence[int]) -> list[int]:
        return []  # the fake's locations belong to the brand or a franchisee

    async def sale_entries(self, order_id: int) -> tuple[datetime | None, list[LedgerEntry]]:
        sold = [(at, e) for o, ev, at, e in self.entries if o == order_id and ev is SettlementEvent.SALE]
        return (sold[0][0] if sold else None), [e for _, e in sold]

    async def add_entries(
        self,
        order_id: int,
        currency: str,
        event: SettlementEvent,
        completed_at: datetime,
        entries: Sequence[LedgerEntry],
    ) -> None:
        self.entries.extend((order_id, event, completed_at, e) for e in entries)

    def total(self, order_id: int, party_id: int) -> Decimal:
        """Assert: what the ledger holds for a party on an order."""
        return sum(
            (e.share.amount for o, _, _, e in self.entries if o == order_id and e.share.party_id == party_id),
            Decimal(0),
        )
