"""The settlement use cases over the in-memory unit of work: the ledger written when an order
completes and when goods come back, who manages parties and rules, and a cart's referral."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.access.model import ANONYMOUS, AccessDenied, SignInRequired
from domain.errors import Code, DomainErrors
from domain.settlement.model import PartyKind, Referral, Scope, SettlementEvent, SettlementRole
from domain.settlement.services import create_party, create_rule, set_referral
from tests.fakes import WAREHOUSE, FakeUow
from tests.fakes.settlement import BRAND
from tests.order_steps import BUYER, CASHIER, SERVICE, completed, give_back, refused


async def franchised_warehouse(uow: FakeUow) -> int:
    """Arrange: the warehouse belongs to a franchisee, paid 4 % of what it ships."""
    party = await create_party(
        uow, SERVICE, name="South", kind=PartyKind.FRANCHISEE, location_ids=[WAREHOUSE], channel_ids=[]
    )
    await create_rule(
        uow,
        SERVICE,
        role=SettlementRole.FULFILLER,
        scope=Scope(),
        rate=Decimal(4),
        fixed_amount=None,
        valid_from=None,
        valid_to=None,
    )
    return party


async def test_a_completed_order_splits_each_line_between_its_fulfiller_and_the_brand() -> None:
    uow = FakeUow()
    south = await franchised_warehouse(uow)
    order = await completed(uow)  # two shoes at 100.00 from the warehouse
    sale = [e for _, ev, _, e in uow.settlement.entries if ev is SettlementEvent.SALE]
    assert [(e.share.party_id, e.share.role, e.share.amount) for e in sale] == [
        (south, SettlementRole.FULFILLER, Decimal("8.00")),
        (BRAND, SettlementRole.BRAND, Decimal("192.00")),
    ]
    assert uow.settlement.total(order.state.id, south) + uow.settlement.total(order.state.id, BRAND) == Decimal(200)


async def test_returning_everything_in_two_goes_nets_every_party_to_zero() -> None:
    uow = FakeUow()
    south = await franchised_warehouse(uow)
    order = await completed(uow)
    await give_back(uow, order, 1)
    assert uow.settlement.total(order.state.id, south) == Decimal("4.00")
    await give_back(uow, order, 1)
    assert uow.settlement.total(order.state.id, south) == uow.settlement.total(order.state.id, BRAND) == 0
    returns = [e for _, ev, _, e in uow.settlement.entries if ev is SettlementEvent.RETURN]
    assert sum(e.share.amount for e in returns) == Decimal(-200)


async def test_parties_and_rules_are_for_admins_and_settlement_apps() -> None:
    uow = FakeUow()
    with pytest.raises(SignInRequired):
        await create_party(uow, ANONYMOUS, name="X", kind=PartyKind.FRANCHISEE, location_ids=[], channel_ids=[])
    with pytest.raises(AccessDenied):
        await create_party(uow, CASHIER, name="X", kind=PartyKind.FRANCHISEE, location_ids=[], channel_ids=[])
    unknown = await refused(
        create_party(uow, SERVICE, name="X", kind=PartyKind.FRANCHISEE, location_ids=[999], channel_ids=[None])
    )
    assert isinstance(unknown, DomainErrors)
    assert [(e.code, e.field) for e in unknown.errors] == [
        (Code.NOT_FOUND, ["input", "locationIds"]),
        (Code.NOT_FOUND, ["input", "channelIds"]),
    ]


async def test_a_cart_takes_a_known_referral_code_only() -> None:
    uow = FakeUow()
    cart = uow.cart({1: 1}, member_id=5)
    uow.settlement.referrals["SH01CODE"] = Referral(location_id=WAREHOUSE)
    assert await set_referral(uow, BUYER, cart, " sh01code ") == cart
    assert uow.settlement.cart_referrals[uow.carts.carts[cart].id] == Referral(location_id=WAREHOUSE)
    unknown = await refused(set_referral(uow, BUYER, cart, "NOPE"))
    assert (unknown.code, unknown.field) == (Code.REFERRAL_CODE_INVALID, ["input", "referralCode"])
    someone_else = await refused(set_referral(uow, CASHIER, cart, "SH01CODE"))
    assert someone_else.code is Code.NOT_FOUND
