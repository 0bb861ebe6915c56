"""In-memory stock levels and points ledger, making the same promises as the SQL repositories."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace

from domain.inventory.model import LocationType, TransferStatus
from domain.inventory.services import Change, Level, Movement, insufficient
from domain.inventory.transfers import Transfer
from domain.members.points import LedgerEntry, PointsKind
from domain.members.points_services import NewEntry


class FakeInventory:
    def __init__(self) -> None:
        self.variants: set[int] = set()
        self.locations: dict[int, LocationType] = {}
        self.priorities: dict[int, int] = {}  # lower ships first; a location's id when not set
        self.coordinates: dict[int, tuple[float, float]] = {}
        self.levels: dict[tuple[int, int], Level] = {}
        self.movements: list[Movement] = []

    async def variant_exists(self, variant_id: int) -> bool:
        return variant_id in self.variants

    async def location_exists(self, location_id: int) -> bool:
        return location_id in self.locations

    async def ensure_level(self, variant_id: int, location_id: int) -> None:
        self.levels.setdefault((variant_id, location_id), Level(0, 0))

    async def apply(self, variant_id: int, location_id: int, on_hand_delta: int, reserved_delta: int) -> bool:
        level = self.levels.get((variant_id, location_id))
        if level is None:
            return False
        after = Level(level.on_hand + on_hand_delta, level.reserved + reserved_delta)
        if not 0 <= after.reserved <= after.on_hand:
            return False
        self.levels[(variant_id, location_id)] = after
        return True

    async def apply_last(self, changes: Sequence[Change]) -> None:
        for c in changes:
            if not await self.apply(c.variant_id, c.location_id, c.on_hand_delta, c.reserved_delta):
                level = self.levels.get((c.variant_id, c.location_id))
                raise insufficient(level.available if level else 0, c.wanted, c.field)

    async def level(self, variant_id: int, location_id: int) -> Level | None:
        return self.levels.get((variant_id, location_id))

    async def record(self, movements: Sequence[Movement]) -> None:
        self.movements.extend(movements)

    def stock(self, variant_id: int, location_id: int, on_hand: int, reserved: int = 0) -> None:
        """Arrange: a stock level (the variant and location exist from then on)."""
        self.variants.add(variant_id)
        self.locations.setdefault(location_id, LocationType.WAREHOUSE)
        self.levels[(variant_id, location_id)] = Level(on_hand, reserved)


class FakePoints:
    """`PointsRepository` with the same conditional balance update as the database."""

    def __init__(self) -> None:
        self.balances: dict[int, int] = {}
        self.entries: dict[int, list[NewEntry]] = defaultdict(list)

    async def lock_balance(self, member_id: int) -> int | None:
        return self.balances.get(member_id)

    async def change_balance(self, member_id: int, delta: int) -> int | None:
        if member_id not in self.balances or self.balances[member_id] + delta < 0:
            return None
        self.balances[member_id] += delta
        return self.balances[member_id]

    async def ledger(self, member_id: int) -> list[LedgerEntry]:
        return [LedgerEntry(e.delta, e.kind, e.expires_at) for e in self.entries[member_id]]

    async def append(self, member_id: int, entry: NewEntry) -> None:
        self.entries[member_id].append(entry)

    async def clawed_back(self, member_id: int, reference: str) -> int:
        return -sum(
            e.delta for e in self.entries[member_id] if e.kind is PointsKind.CLAWBACK and e.reference == reference
        )

    def kinds(self, member_id: int) -> list[tuple[PointsKind, int]]:
        return [(e.kind, e.delta) for e in self.entries[member_id]]


class FakeTransfers:
    def __init__(self) -> None:
        self.transfers: dict[int, Transfer] = {}

    async def add(
        self,
        reference: str,
        variant_id: int,
        from_location_id: int,
        to_location_id: int,
        quantity: int,
        staff_id: int | None,
    ) -> int:
        transfer_id = len(self.transfers) + 1
        self.transfers[transfer_id] = Transfer(
            transfer_id,
            reference,
            variant_id,
            from_location_id,
            to_location_id,
            quantity,
            TransferStatus.IN_TRANSIT,
            None,
        )
        return transfer_id

    async def get(self, transfer_id: int) -> Transfer | None:
        return self.transfers.get(transfer_id)

    async def mark_received(self, transfer_id: int, received_quantity: int, staff_id: int | None) -> bool:
        transfer = self.transfers[transfer_id]
        if transfer.status is not TransferStatus.IN_TRANSIT:
            return False
        self.transfers[transfer_id] = replace(
            transfer, status=TransferStatus.RECEIVED, received_quantity=received_quantity
        )
        return True
