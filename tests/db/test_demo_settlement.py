"""The demo's settlement set-up: a franchise store and a concession counter with their parties, the
mall hosting the counter, the rules the tour settles with, and a referral code on every location
(the same seed giving the same codes)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from db.demo_settlement import CONCESSION_STORE, FRANCHISE_STORE
from db.models import Location, Party, SettlementRule
from domain.settlement.model import PartyKind, SettlementRole
from tests.conftest import truncate_all


async def test_the_demo_has_a_franchise_store_a_concession_and_their_rules(engine: AsyncEngine) -> None:
    await seed_demo(engine, products=60, seed=1, promotions=False)
    async with engine.connect() as conn:
        owners = dict(
            (await conn.execute(select(Location.code, Party.kind).join(Party, Party.id == Location.party_id))).all()
        )
        codes = (await conn.scalars(select(Location.referral_code).order_by(Location.id))).all()
        roles = sorted((await conn.scalars(select(SettlementRule.role))).all())
        kinds = sorted((await conn.scalars(select(Party.kind))).all())
    assert owners == {FRANCHISE_STORE: PartyKind.FRANCHISEE, CONCESSION_STORE: PartyKind.CONCESSION}
    assert len(set(codes)) == len(codes) >= 5, "a distinct referral code on every location"
    assert kinds == sorted([PartyKind.BRAND, PartyKind.FRANCHISEE, PartyKind.CONCESSION, PartyKind.PLATFORM])
    assert roles == sorted(
        [
            SettlementRole.SELLER,
            SettlementRole.SELLER,
            SettlementRole.HOST,
            SettlementRole.REFERRER,
            SettlementRole.GUIDE,
            SettlementRole.FULFILLER,
        ]
    )
    assert codes == await _codes_of_a_second_seeding(engine)


async def _codes_of_a_second_seeding(engine: AsyncEngine) -> list[str]:
    await truncate_all(engine)
    await seed_demo(engine, products=60, seed=1, promotions=False)
    async with engine.connect() as conn:
        return list((await conn.scalars(select(Location.referral_code).order_by(Location.id))).all())
