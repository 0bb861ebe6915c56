"""The till (WebPOS) recognising a member, written as a till client would call the graph: the cashier
signs in, types the phone number the shopper says, sees name, tags and points at once, hands over
a member card and links it, and the card is recognised from then on."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.model import StaffRole
from tests.api.test_members import ADJUST, TAGS_ADD, SignedIn, new_member, top_code
from tests.helpers import STAFF_PASSWORD, GraphQLClient, StatementCounter

CASHIER_EMAIL = "till-1@example.com"

STAFF_SIGN_IN = """mutation($email: String!, $password: String!) {
  staffTokenCreate(input: {email: $email, password: $password}) { accessToken staff { role } userErrors { code } } }"""

# What the till asks for the moment a phone number, card or QR code is entered: one round trip.
RECOGNISE = """query Recognise($identifier: String!) {
  memberLookup(identifier: $identifier) { id name phone tags points { balance } } }"""

LINK_CARD = """mutation LinkCard($memberId: ID!, $card: String!) {
  memberIdentityLink(input: {kind: MEMBER_CARD, value: $card, memberId: $memberId}) {
    member { id identities { kind value } } userErrors { field code message } } }"""


@pytest.fixture
async def shopper(client: GraphQLClient, engine: AsyncEngine) -> SignedIn:
    """A member who registered in the app with their phone, is a VIP and holds 320 points."""
    from db.demo import seed_demo

    await seed_demo(engine, products=0, seed=1)
    member = await new_member(client, email=None, phone="+86 138 0013 8000", name="Li Na")
    manager = await client.staff_token(engine, StaffRole.STORE_MANAGER)
    await client.data(TAGS_ADD, {"id": member.id, "tags": ["vip", "store:sh01"]}, token=manager)
    await client.data(ADJUST, {"m": member.id, "d": 320, "r": "points from online orders"}, token=manager)
    return member


async def cashier_signs_in(client: GraphQLClient, engine: AsyncEngine) -> str:
    """The cashier account exists (created by a manager); the till signs in with staffTokenCreate."""
    await client.staff_token(engine, StaffRole.CASHIER, email=CASHIER_EMAIL)
    signed = await client.data(STAFF_SIGN_IN, {"email": CASHIER_EMAIL, "password": STAFF_PASSWORD})
    payload: dict[str, Any] = signed["staffTokenCreate"]
    assert payload["userErrors"] == [] and payload["staff"] == {"role": "CASHIER"}
    token: str = payload["accessToken"]
    return token


async def test_the_till_recognises_a_member_by_phone_and_then_by_their_new_card(
    client: GraphQLClient, engine: AsyncEngine, shopper: SignedIn
) -> None:
    till = await cashier_signs_in(client, engine)

    found = (await client.data(RECOGNISE, {"identifier": "138 0013 8000"}, token=till))["memberLookup"]
    assert found == {
        "id": shopper.id,
        "name": "Li Na",
        "phone": "+8613800138000",
        "tags": ["store:sh01", "vip"],
        "points": {"balance": 320},
    }

    linked = (
        await client.data(LINK_CARD, {"memberId": found["id"], "card": "8800 0001".replace(" ", "")}, token=till)
    )["memberIdentityLink"]
    assert linked["userErrors"] == []
    assert {"kind": "MEMBER_CARD", "value": "88000001"} in linked["member"]["identities"]

    by_card = (await client.data(RECOGNISE, {"identifier": " 88000001 "}, token=till))["memberLookup"]
    assert by_card is not None and by_card["id"] == shopper.id
    async with engine.connect() as conn:
        linked_by = await conn.scalar(
            sa.text("SELECT linked_by_staff_id FROM member_identities WHERE kind = 'MEMBER_CARD'")
        )
    assert linked_by is not None, "the link records which cashier made it"


async def test_the_same_member_is_found_by_any_of_their_identities(
    client: GraphQLClient, engine: AsyncEngine, shopper: SignedIn
) -> None:
    till = await cashier_signs_in(client, engine)
    await client.data(LINK_CARD, {"memberId": shopper.id, "card": "88000001"}, token=till)
    for identifier in ("+8613800138000", "+86 138-0013-8000", "13800138000", "88000001"):
        found = (await client.data(RECOGNISE, {"identifier": identifier}, token=till))["memberLookup"]
        assert found is not None and found["id"] == shopper.id, identifier
    for unknown in ("13900139000", "nobody@example.com", "88000002", "", "   ", "x" * 300):
        assert (await client.data(RECOGNISE, {"identifier": unknown}, token=till))["memberLookup"] is None


async def test_a_card_that_belongs_to_another_member_is_taken(
    client: GraphQLClient, engine: AsyncEngine, shopper: SignedIn
) -> None:
    till = await cashier_signs_in(client, engine)
    other = await new_member(client, email="bo@example.com", name="Bo")
    await client.data(LINK_CARD, {"memberId": shopper.id, "card": "88000001"}, token=till)
    taken = await client.data(LINK_CARD, {"memberId": other.id, "card": "88000001"}, token=till)
    assert [(e["code"], e["field"]) for e in taken["memberIdentityLink"]["userErrors"]] == [
        ("IDENTITY_TAKEN", ["input", "value"])
    ]


async def test_members_and_anonymous_callers_cannot_look_members_up(
    client: GraphQLClient, engine: AsyncEngine, shopper: SignedIn
) -> None:
    body = await client.post(RECOGNISE, {"identifier": "13800138000"}, token=shopper.token)
    assert top_code(body) == "FORBIDDEN" and body["data"] == {"memberLookup": None}
    assert top_code(await client.post(RECOGNISE, {"identifier": "13800138000"})) == "UNAUTHENTICATED"
    packer = await client.staff_token(engine, StaffRole.FULFILLMENT)
    assert top_code(await client.post(RECOGNISE, {"identifier": "13800138000"}, token=packer)) == "FORBIDDEN"


async def test_recognising_a_member_costs_the_same_statements_however_rich_their_profile(
    client: GraphQLClient, engine: AsyncEngine, shopper: SignedIn, statements: StatementCounter
) -> None:
    till = await cashier_signs_in(client, engine)
    statements.reset()
    await client.data(RECOGNISE, {"identifier": "13800138000"}, token=till)
    plain = statements.count
    # the cashier's account (the token is checked at use), the lookup (member and balance), identities, tags
    assert plain <= 4, statements.statements

    manager = (
        await client.data(
            STAFF_SIGN_IN,
            {
                "email": "store_manager@example.com",  # made by `shopper`
                "password": STAFF_PASSWORD,
            },
        )
    )["staffTokenCreate"]["accessToken"]
    await client.data(TAGS_ADD, {"id": shopper.id, "tags": [f"tag-{i}" for i in range(20)]}, token=manager)
    for i in range(5):
        await client.data(LINK_CARD, {"memberId": shopper.id, "card": f"8800000{i}"}, token=till)
        await client.data(ADJUST, {"m": shopper.id, "d": 10, "r": "bonus"}, token=manager)
    statements.reset()
    found = (await client.data(RECOGNISE, {"identifier": "+8613800138000"}, token=till))["memberLookup"]
    assert len(found["tags"]) == 22 and found["points"]["balance"] == 370
    assert statements.count == plain, statements.statements


async def test_a_member_registered_at_the_till_joined_at_that_store(client: GraphQLClient, engine: AsyncEngine) -> None:
    from db.demo import seed_demo

    await seed_demo(engine, products=0, seed=1)
    async with engine.connect() as conn:
        store_id = (await conn.execute(sa.text("SELECT id FROM locations WHERE code = 'SH01'"))).scalar_one()
    till = await client.staff_token(engine, StaffRole.CASHIER, email="till-2@example.com", location_id=store_id)
    registered = await client.data(
        'mutation { memberRegister(input: {phone: "139 0000 1111", password: "walk-in-2026", name: "Wang", '
        'channel: "pos"}) { member { joinedChannel { slug } joinedLocation { code } } userErrors { code } } }',
        token=till,
    )
    member = registered["memberRegister"]["member"]
    assert member == {"joinedChannel": {"slug": "pos"}, "joinedLocation": {"code": "SH01"}}
