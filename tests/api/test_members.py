"""Members through the graph, as the app, the service desk and the store manager use them: profile,
tags, the address book, points adjustments and history, identities, erasure and who may see what."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.jobs import expire_all_points
from db.demo import seed_demo
from db.engine import create_session_factory
from db.pagination import ChildPage
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.members.model import AddressData
from domain.members.points import MAX_BALANCE
from domain.members.points_services import PointsPolicy, adjust_points, claw_back_points, earn_points, spend_points
from schema.loaders import Loaders
from tests.helpers import GraphQLClient, StatementCounter

PASSWORD = "open-sesame-42"

REGISTER = """mutation($input: MemberRegisterInput!) {
  memberRegister(input: $input) { member { id } userErrors { field code } } }"""
SIGN_IN = """mutation($i: String!, $p: String!) {
  tokenCreate(input: {identifier: $i, password: $p}) { accessToken userErrors { code } } }"""
PROFILE = """{ me { id name email phone tags createdAt identities { kind value }
  points { balance history { totalCount edges { node { kind delta } } } }
  addresses { id } joinedChannel { slug } joinedLocation { code } } }"""
UPDATE = """mutation($input: MemberUpdateInput!) {
  memberUpdate(input: $input) { member { name } userErrors { field code } } }"""
TAGS_ADD = """mutation($id: ID!, $tags: [String!]!) {
  memberTagsAdd(id: $id, input: {tags: $tags}) { member { id tags } userErrors { field code } } }"""
TAGS_REMOVE = """mutation($id: ID!, $tags: [String!]!) {
  memberTagsRemove(id: $id, input: {tags: $tags}) { member { id tags } userErrors { field code } } }"""
ADJUST = """mutation($m: ID!, $d: Int!, $r: String!) {
  pointsAdjust(input: {memberId: $m, delta: $d, reason: $r}) {
    member { points { balance history { edges { node { kind delta reason balanceAfter createdAt expiresAt } } } } }
    userErrors { field code message } } }"""
HISTORY = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  node(id: $id) { ... on Member { points { balance history(first: $first, after: $after, last: $last,
    before: $before) { totalCount edges { cursor node { delta reason } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } } } }"""
ADDRESS_FIELDS = "address { id name phone line1 line2 city postalCode country latitude longitude isDefault }"
ADDRESS_CREATE = f"""mutation($input: MemberAddressInput!) {{
  memberAddressCreate(input: $input) {{ {ADDRESS_FIELDS} member {{ addresses {{ id isDefault }} }}
    userErrors {{ field code }} }} }}"""
ADDRESS_UPDATE = f"""mutation($id: ID!, $input: MemberAddressInput!) {{
  memberAddressUpdate(id: $id, input: $input) {{ {ADDRESS_FIELDS} member {{ addresses {{ id isDefault }} }}
    userErrors {{ field code }} }} }}"""
ADDRESS_DELETE = """mutation($id: ID!) {
  memberAddressDelete(id: $id) { address { id line1 } member { addresses { id isDefault } }
    userErrors { field code } } }"""
LINK = """mutation($input: MemberIdentityLinkInput!) {
  memberIdentityLink(input: $input) { member { id identities { kind value } } userErrors { field code } } }"""
ERASE = """mutation($id: ID) { memberErase(id: $id) { erased userErrors { field code } } }"""
LOOKUP = """query($q: String!) { memberLookup(identifier: $q) { id name } }"""
NODES = """query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { name email phone tags addresses { id } }
  ... on MemberAddress { line1 } } }"""
MEMBERS = """query($first: Int, $after: String, $tag: String, $search: String) {
  members(first: $first, after: $after, tag: $tag, search: $search) {
    totalCount edges { node { name } } pageInfo { hasNextPage endCursor } } }"""


@dataclass
class SignedIn:
    id: str
    token: str

    @property
    def pk(self) -> int:
        return int(base64.urlsafe_b64decode(self.id + "=" * (-len(self.id) % 4)).decode().split(":")[1])


@pytest.fixture
async def shop(engine: AsyncEngine) -> AsyncEngine:
    """Channels and stores, no products: members need only a channel to join through."""
    await seed_demo(engine, products=0, seed=1)
    return engine


async def new_member(
    client: GraphQLClient, email: str | None = "ann@example.com", phone: str | None = None, name: str = "Ann Lee"
) -> SignedIn:
    fields = {k: v for k, v in (("email", email), ("phone", phone)) if v is not None}
    payload = await client.data(REGISTER, {"input": {"password": PASSWORD, "name": name, **fields}})
    assert payload["memberRegister"]["userErrors"] == []
    signed = (await client.data(SIGN_IN, {"i": email or phone, "p": PASSWORD}))["tokenCreate"]
    return SignedIn(payload["memberRegister"]["member"]["id"], signed["accessToken"])


def errors(payload: dict[str, Any]) -> list[tuple[str, list[str] | None]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def top_code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def scalar(engine: AsyncEngine, sql: str, **params: Any) -> Any:
    async with engine.connect() as conn:
        return await conn.scalar(sa.text(sql), params)


def address(**overrides: Any) -> dict[str, Any]:
    return {
        "name": "Ann Lee",
        "phone": "138 0013 8000",
        "line1": "1 Nanjing Road",
        "city": "Shanghai",
        "country": "cn",
        **overrides,
    }


# --- profile -------------------------------------------------------------------------------------


async def test_a_member_sees_their_whole_profile(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client, phone="+86 138 0013 8000")
    me = (await client.data(PROFILE, token=ann.token))["me"]
    assert me["id"] == ann.id and me["name"] == "Ann Lee"
    assert (me["email"], me["phone"]) == ("ann@example.com", "+8613800138000")
    assert me["tags"] == [] and me["addresses"] == []
    assert me["points"] == {"balance": 0, "history": {"totalCount": 0, "edges": []}}
    assert me["joinedChannel"] == {"slug": "online"}
    assert me["joinedLocation"] is None


async def test_a_member_renames_themselves(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    payload = (await client.data(UPDATE, {"input": {"name": "  Ann   Wang "}}, token=ann.token))["memberUpdate"]
    assert payload == {"member": {"name": "Ann Wang"}, "userErrors": []}
    blank = (await client.data(UPDATE, {"input": {"name": "  "}}, token=ann.token))["memberUpdate"]
    assert errors(blank) == [("REQUIRED", ["input", "name"])]
    assert (await client.data(PROFILE, token=ann.token))["me"]["name"] == "Ann Wang"


async def test_only_a_signed_in_member_updates_a_profile(client: GraphQLClient, shop: AsyncEngine) -> None:
    assert top_code(await client.post(UPDATE, {"input": {"name": "X"}})) == "UNAUTHENTICATED"
    staff = await client.staff_token(shop, StaffRole.ADMIN)
    assert top_code(await client.post(UPDATE, {"input": {"name": "X"}}, token=staff)) == "FORBIDDEN"


# --- tags ----------------------------------------------------------------------------------------


async def test_a_store_manager_tags_and_untags_a_member(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    added = (await client.data(TAGS_ADD, {"id": ann.id, "tags": ["VIP", " store:SH01", "vip"]}, token=manager))[
        "memberTagsAdd"
    ]
    assert added == {"member": {"id": ann.id, "tags": ["store:sh01", "vip"]}, "userErrors": []}
    again = (await client.data(TAGS_ADD, {"id": ann.id, "tags": ["vip", "new"]}, token=manager))["memberTagsAdd"]
    assert again["member"]["tags"] == ["new", "store:sh01", "vip"]
    removed = (await client.data(TAGS_REMOVE, {"id": ann.id, "tags": ["VIP", "never-had"]}, token=manager))[
        "memberTagsRemove"
    ]
    assert removed["member"]["tags"] == ["new", "store:sh01"]
    assert (await client.data(PROFILE, token=ann.token))["me"]["tags"] == ["new", "store:sh01"]


async def test_bad_tags_say_which_one_and_write_nothing(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    bad = (await client.data(TAGS_ADD, {"id": ann.id, "tags": ["ok", "not ok!"]}, token=manager))["memberTagsAdd"]
    assert bad["member"] is None and errors(bad) == [("INVALID", ["input", "tags", "1"])]
    empty = (await client.data(TAGS_ADD, {"id": ann.id, "tags": []}, token=manager))["memberTagsAdd"]
    assert errors(empty) == [("REQUIRED", ["input", "tags"])]
    nobody = (await client.data(TAGS_ADD, {"id": "bm9ib2R5", "tags": ["vip"]}, token=manager))["memberTagsAdd"]
    assert errors(nobody) == [("NOT_FOUND", ["id"])]
    assert await scalar(shop, "SELECT count(*) FROM member_tags") == 0


@pytest.mark.parametrize(
    ("who", "code"), [("cashier", "FORBIDDEN"), ("member", "FORBIDDEN"), ("anonymous", "UNAUTHENTICATED")]
)
async def test_only_member_managers_tag_members(client: GraphQLClient, shop: AsyncEngine, who: str, code: str) -> None:
    ann = await new_member(client)
    token = {"cashier": await client.staff_token(shop, StaffRole.CASHIER), "member": ann.token, "anonymous": None}[who]
    for mutation in (TAGS_ADD, TAGS_REMOVE):
        body = await client.post(mutation, {"id": ann.id, "tags": ["vip"]}, token=token)
        assert top_code(body) == code
    assert await scalar(shop, "SELECT count(*) FROM member_tags") == 0


async def test_staff_list_members_newest_first_by_tag_and_name(client: GraphQLClient, shop: AsyncEngine) -> None:
    names = ["Ann Lee", "Bo Wang", "Cai Lee", "Dan Wu"]
    members = [await new_member(client, f"m{i}@example.com", name=n) for i, n in enumerate(names)]
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    for m in members[:3]:
        await client.data(TAGS_ADD, {"id": m.id, "tags": ["vip"]}, token=manager)
    cashier = await client.staff_token(shop, StaffRole.CASHIER)
    everyone = (await client.data(MEMBERS, {}, token=cashier))["members"]
    assert [e["node"]["name"] for e in everyone["edges"]] == names[::-1] and everyone["totalCount"] == 4
    vips = (await client.data(MEMBERS, {"tag": " VIP ", "first": 2}, token=cashier))["members"]
    assert [e["node"]["name"] for e in vips["edges"]] == ["Cai Lee", "Bo Wang"] and vips["totalCount"] == 3
    rest = (
        await client.data(MEMBERS, {"tag": "vip", "first": 2, "after": vips["pageInfo"]["endCursor"]}, token=cashier)
    )["members"]
    assert [e["node"]["name"] for e in rest["edges"]] == ["Ann Lee"] and not rest["pageInfo"]["hasNextPage"]
    lees = (await client.data(MEMBERS, {"search": "LEE"}, token=cashier))["members"]
    assert [e["node"]["name"] for e in lees["edges"]] == ["Cai Lee", "Ann Lee"]
    assert top_code(await client.post(MEMBERS, {}, token=members[0].token)) == "FORBIDDEN"
    assert top_code(await client.post(MEMBERS, {})) == "UNAUTHENTICATED"


# --- addresses -----------------------------------------------------------------------------------


async def test_a_member_keeps_an_address_book_with_one_default(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    first = (
        await client.data(
            ADDRESS_CREATE,
            {"input": address(line2="Flat 3", postalCode="200001", latitude=31.23, longitude=121.47)},
            token=ann.token,
        )
    )["memberAddressCreate"]
    assert first["userErrors"] == []
    home = first["address"]
    assert home["isDefault"] is True, "a member's first address is the default"
    assert (home["phone"], home["country"], home["line2"], home["latitude"]) == (
        "+8613800138000",
        "CN",
        "Flat 3",
        31.23,
    )
    second = (await client.data(ADDRESS_CREATE, {"input": address(line1="9 Huaihai Road")}, token=ann.token))[
        "memberAddressCreate"
    ]
    office = second["address"]
    assert office["isDefault"] is False
    assert second["member"]["addresses"] == [
        {"id": home["id"], "isDefault": True},
        {"id": office["id"], "isDefault": False},
    ]
    moved = (
        await client.data(
            ADDRESS_UPDATE,
            {"id": office["id"], "input": address(line1="9 Huaihai Road", isDefault=True)},
            token=ann.token,
        )
    )["memberAddressUpdate"]
    assert moved["member"]["addresses"] == [
        {"id": office["id"], "isDefault": True},
        {"id": home["id"], "isDefault": False},
    ]
    kept = (
        await client.data(
            ADDRESS_UPDATE, {"id": office["id"], "input": address(line1="10 Huaihai Road")}, token=ann.token
        )
    )["memberAddressUpdate"]
    assert kept["address"]["line1"] == "10 Huaihai Road" and kept["address"]["isDefault"] is True
    gone = (await client.data(ADDRESS_DELETE, {"id": home["id"]}, token=ann.token))["memberAddressDelete"]
    assert gone == {
        "address": {"id": home["id"], "line1": "1 Nanjing Road"},
        "member": {"addresses": [{"id": office["id"], "isDefault": True}]},
        "userErrors": [],
    }


async def test_a_foreign_address_phone_is_read_in_its_own_country(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    created = (
        await client.data(
            ADDRESS_CREATE,
            {"input": address(phone="650 253 0000", country="US", city="Mountain View")},
            token=ann.token,
        )
    )["memberAddressCreate"]
    assert created["address"]["phone"] == "+16502530000"


async def test_bad_addresses_report_every_bad_field_and_write_nothing(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    bad = (
        await client.data(
            ADDRESS_CREATE, {"input": address(name=" ", phone="12345", country="China", latitude=31.2)}, token=ann.token
        )
    )["memberAddressCreate"]
    assert bad["address"] is None
    assert sorted(errors(bad)) == [
        ("INVALID", ["input", "country"]),
        ("INVALID", ["input", "latitude"]),
        ("INVALID", ["input", "phone"]),
        ("REQUIRED", ["input", "name"]),
    ]
    assert await scalar(shop, "SELECT count(*) FROM member_addresses") == 0


async def test_another_members_address_is_not_found_anywhere(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann, bo = await new_member(client), await new_member(client, "bo@example.com", name="Bo")
    home = (await client.data(ADDRESS_CREATE, {"input": address()}, token=ann.token))["memberAddressCreate"]
    home_id = home["address"]["id"]
    for mutation, variables in (
        (ADDRESS_UPDATE, {"id": home_id, "input": address(line1="Mine now")}),
        (ADDRESS_DELETE, {"id": home_id}),
        (ADDRESS_DELETE, {"id": "not-an-id"}),
        (ADDRESS_UPDATE, {"id": ann.id, "input": address()}),
    ):
        payload = next(iter((await client.data(mutation, variables, token=bo.token)).values()))
        assert payload["address"] is None and errors(payload) == [("NOT_FOUND", ["id"])]
    assert (await client.data(NODES, {"ids": [home_id, ann.id]}, token=bo.token))["nodes"] == [None, None]
    assert (await client.data(NODES, {"ids": [home_id]}))["nodes"] == [None]
    assert (await client.data(NODES, {"ids": [home_id]}, token=ann.token))["nodes"] == [
        {"id": home_id, "line1": "1 Nanjing Road"}
    ]
    cashier = await client.staff_token(shop, StaffRole.CASHIER)
    assert (await client.data(NODES, {"ids": [home_id]}, token=cashier))["nodes"][0]["line1"] == "1 Nanjing Road"
    assert await scalar(shop, "SELECT line1 FROM member_addresses") == "1 Nanjing Road"


async def test_only_members_keep_address_books(client: GraphQLClient, shop: AsyncEngine) -> None:
    assert top_code(await client.post(ADDRESS_CREATE, {"input": address()})) == "UNAUTHENTICATED"
    admin = await client.staff_token(shop, StaffRole.ADMIN)
    assert top_code(await client.post(ADDRESS_CREATE, {"input": address()}, token=admin)) == "FORBIDDEN"


# --- points --------------------------------------------------------------------------------------


async def test_points_adjustments_make_a_newest_first_history(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    credit = (await client.data(ADJUST, {"m": ann.id, "d": 100, "r": "followed the official account"}, token=manager))[
        "pointsAdjust"
    ]
    assert credit["userErrors"] == [] and credit["member"]["points"]["balance"] == 100
    debit = (await client.data(ADJUST, {"m": ann.id, "d": -30, "r": " correction "}, token=manager))["pointsAdjust"]
    points = debit["member"]["points"]
    assert points["balance"] == 70
    newest, oldest = (e["node"] for e in points["history"]["edges"])
    assert (newest["kind"], newest["delta"], newest["reason"], newest["balanceAfter"]) == (
        "ADJUST",
        -30,
        "correction",
        70,
    )
    assert (oldest["delta"], oldest["balanceAfter"]) == (100, 100)
    assert newest["expiresAt"] is None
    earned = datetime.fromisoformat(oldest["createdAt"])
    assert datetime.fromisoformat(oldest["expiresAt"]).year == earned.year + 2, "valid 24 months by default"
    staff_ids = await scalar(shop, "SELECT count(DISTINCT staff_id) FROM points_entries WHERE staff_id IS NOT NULL")
    assert staff_ids == 1, "the store manager is recorded on every adjustment"


async def test_a_deduction_beyond_the_balance_is_refused_and_writes_nothing(
    client: GraphQLClient, shop: AsyncEngine
) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    await client.data(ADJUST, {"m": ann.id, "d": 10, "r": "bonus"}, token=manager)
    refused = (await client.data(ADJUST, {"m": ann.id, "d": -11, "r": "too much"}, token=manager))["pointsAdjust"]
    assert refused["member"] is None and errors(refused) == [("INSUFFICIENT_POINTS", ["input", "delta"])]
    assert await scalar(shop, "SELECT count(*) FROM points_entries") == 1
    assert await scalar(shop, "SELECT points_balance FROM members") == 10


@pytest.mark.parametrize("start", [MAX_BALANCE - 5, 2_140_000_000])  # the bound, and a balance from before it
async def test_a_credit_past_the_balance_bound_is_a_coded_error(
    client: GraphQLClient, shop: AsyncEngine, start: int
) -> None:
    """Repeated adjustments once overflowed the 32-bit balance (INTERNAL_SERVER_ERROR on PostgreSQL)."""
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    async with shop.begin() as conn:
        await conn.execute(sa.text("UPDATE members SET points_balance = :b"), {"b": start})
    refused = (await client.data(ADJUST, {"m": ann.id, "d": 10_000_000, "r": "bonus"}, token=manager))["pointsAdjust"]
    assert errors(refused) == [("INVALID_QUANTITY", ["input", "delta"])]
    assert await scalar(shop, "SELECT points_balance FROM members") == start
    fits = (await client.data(ADJUST, {"m": ann.id, "d": 5, "r": "bonus"}, token=manager))["pointsAdjust"]
    assert bool(fits["userErrors"]) is (start > MAX_BALANCE - 5)
    assert await scalar(shop, "SELECT max(points_balance) FROM members") == max(start, MAX_BALANCE)


@pytest.mark.parametrize(
    ("delta", "reason", "member", "expected"),
    [
        (0, "nothing", "ann", ("INVALID_QUANTITY", ["input", "delta"])),
        (10_000_001, "too generous", "ann", ("INVALID_QUANTITY", ["input", "delta"])),
        (5, "   ", "ann", ("REQUIRED", ["input", "reason"])),
        (5, "x" * 251, "ann", ("INVALID", ["input", "reason"])),
        (5, "bonus", "TWVtYmVyOjk5OTk", ("NOT_FOUND", ["input", "memberId"])),
        (5, "bonus", "garbage", ("NOT_FOUND", ["input", "memberId"])),
    ],
)
async def test_bad_adjustments_say_why(
    client: GraphQLClient, shop: AsyncEngine, delta: int, reason: str, member: str, expected: tuple[str, list[str]]
) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    payload = (
        await client.data(ADJUST, {"m": ann.id if member == "ann" else member, "d": delta, "r": reason}, token=manager)
    )["pointsAdjust"]
    assert errors(payload) == [expected]
    assert await scalar(shop, "SELECT count(*) FROM points_entries") == 0


@pytest.mark.parametrize(
    ("who", "code"), [("cashier", "FORBIDDEN"), ("member", "FORBIDDEN"), ("anonymous", "UNAUTHENTICATED")]
)
async def test_only_member_managers_adjust_points(
    client: GraphQLClient, shop: AsyncEngine, who: str, code: str
) -> None:
    ann = await new_member(client)
    token = {"cashier": await client.staff_token(shop, StaffRole.CASHIER), "member": ann.token, "anonymous": None}[who]
    assert top_code(await client.post(ADJUST, {"m": ann.id, "d": 1000, "r": "self-service"}, token=token)) == code
    assert await scalar(shop, "SELECT points_balance FROM members") == 0


async def test_the_ledger_sums_to_the_balance_after_any_mix(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    policy = PointsPolicy()
    async with create_session_factory(shop)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            await earn_points(uow, ann.pk, 250, "order-1", policy=policy)
        async with uow.transaction():
            await spend_points(uow, ann.pk, 120, "order-2")
    for delta in (40, -500, -60, 7):
        await client.data(ADJUST, {"m": ann.id, "d": delta, "r": "mix"}, token=manager)
    async with create_session_factory(shop)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            assert await claw_back_points(uow, ann.pk, 1000, "return-1") == 117, "never more than the balance"
    history = (await client.data(HISTORY, {"id": ann.id, "first": 100}, token=manager))["node"]["points"]
    assert history["balance"] == 0
    assert await scalar(shop, "SELECT coalesce(sum(delta), 0) FROM points_entries") == 0
    deltas = [e["node"]["delta"] for e in history["history"]["edges"]]
    assert deltas == [-117, 7, -60, 40, -120, 250]


async def test_points_history_pages_both_ways(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    for i in range(1, 6):
        await client.data(ADJUST, {"m": ann.id, "d": i, "r": f"r{i}"}, token=manager)

    async def page(**args: Any) -> dict[str, Any]:
        data = await client.data(HISTORY, {"id": ann.id, **args}, token=ann.token)
        result: dict[str, Any] = data["node"]["points"]["history"]
        return result

    first = await page(first=2)
    assert [e["node"]["delta"] for e in first["edges"]] == [5, 4] and first["totalCount"] == 5
    assert first["pageInfo"]["hasNextPage"] and not first["pageInfo"]["hasPreviousPage"]
    second = await page(first=2, after=first["pageInfo"]["endCursor"])
    assert [e["node"]["delta"] for e in second["edges"]] == [3, 2] and second["pageInfo"]["hasPreviousPage"]
    last = await page(first=2, after=second["pageInfo"]["endCursor"])
    assert [e["node"]["delta"] for e in last["edges"]] == [1] and not last["pageInfo"]["hasNextPage"]
    oldest = await page(last=2)
    assert [e["node"]["delta"] for e in oldest["edges"]] == [2, 1] and oldest["pageInfo"]["hasPreviousPage"]
    back = await page(last=2, before=oldest["pageInfo"]["startCursor"])
    assert [e["node"]["delta"] for e in back["edges"]] == [4, 3]
    foreign = await client.post(HISTORY, {"id": ann.id, "after": "bm90LWEtY3Vyc29y"}, token=ann.token)
    assert top_code(foreign) == "BAD_USER_INPUT"


async def test_a_page_of_members_costs_the_same_statements_whatever_its_size(
    client: GraphQLClient, shop: AsyncEngine, statements: StatementCounter
) -> None:
    query = """{ members(first: 50) { edges { node { name email tags addresses { line1 } joinedChannel { slug }
      points { balance history(first: 2) { totalCount edges { node { delta } } } } } } } }"""
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)

    async def add_members(start: int, n: int) -> None:
        for i in range(start, start + n):
            m = await new_member(client, f"m{i}@example.com")
            await client.data(TAGS_ADD, {"id": m.id, "tags": ["vip", f"t{i}"]}, token=manager)
            await client.data(ADJUST, {"m": m.id, "d": 5, "r": "bonus"}, token=manager)
            await client.data(ADJUST, {"m": m.id, "d": 5, "r": "bonus"}, token=manager)
            await client.data(ADDRESS_CREATE, {"input": address()}, token=m.token)

    await add_members(0, 2)
    statements.reset()
    small = (await client.data(query, token=manager))["members"]["edges"]
    few = statements.count
    await add_members(2, 4)
    statements.reset()
    large = (await client.data(query, token=manager))["members"]["edges"]
    assert (len(small), len(large)) == (2, 6)
    assert statements.count == few, statements.statements
    assert large[0]["node"]["points"]["history"]["totalCount"] == 2


# --- identities ----------------------------------------------------------------------------------


async def test_a_member_links_an_identity_to_themselves_once(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client)
    link = {"kind": "WECHAT_OPENID", "value": " oWx_1234567890 "}
    linked = (await client.data(LINK, {"input": link}, token=ann.token))["memberIdentityLink"]
    assert linked["userErrors"] == []
    assert linked["member"]["identities"] == [
        {"kind": "EMAIL", "value": "ann@example.com"},
        {"kind": "WECHAT_OPENID", "value": "oWx_1234567890"},
    ]
    again = (await client.data(LINK, {"input": {**link, "memberId": ann.id}}, token=ann.token))["memberIdentityLink"]
    assert again["userErrors"] == [] and again["member"] == linked["member"]
    assert await scalar(shop, "SELECT count(*) FROM member_identities") == 2
    assert await scalar(shop, "SELECT linked_by_staff_id FROM member_identities WHERE kind = 'WECHAT_OPENID'") is None


async def test_an_identity_of_another_member_is_taken(client: GraphQLClient, shop: AsyncEngine) -> None:
    await new_member(client, phone="13800138000")
    bo = await new_member(client, "bo@example.com", name="Bo")
    payload = (await client.data(LINK, {"input": {"kind": "PHONE", "value": "+86 138-0013-8000"}}, token=bo.token))[
        "memberIdentityLink"
    ]
    assert payload["member"] is None and errors(payload) == [("IDENTITY_TAKEN", ["input", "value"])]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("EMAIL", "not-an-email"),
        ("PHONE", "12"),
        ("MEMBER_CARD", "a b c d"),
        ("MEMBER_CARD", "abc"),
        ("APP_DEVICE", "x" * 129),
    ],
)
async def test_malformed_identities_are_invalid(
    client: GraphQLClient, shop: AsyncEngine, kind: str, value: str
) -> None:
    ann = await new_member(client)
    payload = await client.data(LINK, {"input": {"kind": kind, "value": value}}, token=ann.token)
    assert errors(payload["memberIdentityLink"]) == [("INVALID", ["input", "value"])]
    assert await scalar(shop, "SELECT count(*) FROM member_identities") == 1


async def test_identities_are_linked_only_to_yourself_or_by_staff_at_a_till(
    client: GraphQLClient, shop: AsyncEngine
) -> None:
    ann, bo = await new_member(client), await new_member(client, "bo@example.com", name="Bo")
    card = {"kind": "MEMBER_CARD", "value": "CARD-0001"}
    assert top_code(await client.post(LINK, {"input": {**card, "memberId": ann.id}}, token=bo.token)) == "FORBIDDEN"
    assert top_code(await client.post(LINK, {"input": card})) == "UNAUTHENTICATED"
    packer = await client.staff_token(shop, StaffRole.FULFILLMENT)
    assert top_code(await client.post(LINK, {"input": {**card, "memberId": ann.id}}, token=packer)) == "FORBIDDEN"
    cashier = await client.staff_token(shop, StaffRole.CASHIER)
    nobody = (await client.data(LINK, {"input": card}, token=cashier))["memberIdentityLink"]
    assert errors(nobody) == [("NOT_FOUND", ["input", "memberId"])]
    assert await scalar(shop, "SELECT count(*) FROM member_identities") == 2


# --- erasure and visibility ----------------------------------------------------------------------


async def test_an_erased_member_can_be_neither_found_nor_signed_in_as(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann = await new_member(client, phone="13800138000")
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    await client.data(TAGS_ADD, {"id": ann.id, "tags": ["vip"]}, token=manager)
    await client.data(ADJUST, {"m": ann.id, "d": 50, "r": "bonus"}, token=manager)
    await client.data(ADDRESS_CREATE, {"input": address()}, token=ann.token)
    erased = (await client.data(ERASE, {}, token=ann.token))["memberErase"]
    assert erased == {"erased": True, "userErrors": []}
    for identifier in ("ann@example.com", "13800138000"):
        assert (await client.data(LOOKUP, {"q": identifier}, token=manager))["memberLookup"] is None
        signed = (await client.data(SIGN_IN, {"i": identifier, "p": PASSWORD}))["tokenCreate"]
        assert signed == {"accessToken": None, "userErrors": [{"code": "INVALID_CREDENTIALS"}]}
    [seen] = (await client.data(NODES, {"ids": [ann.id]}, token=manager))["nodes"]
    assert seen == {"id": ann.id, "name": "Erased member", "email": None, "phone": None, "tags": [], "addresses": []}
    assert (await client.data(MEMBERS, {}, token=manager))["members"]["totalCount"] == 0
    assert await scalar(shop, "SELECT count(*) FROM points_entries") == 1, "the ledger is kept"
    assert top_code(await client.post(ERASE, {}, token=ann.token)) == "UNAUTHENTICATED"  # her token is revoked
    admin = await client.staff_token(shop, StaffRole.ADMIN)
    twice = (await client.data(ERASE, {"id": ann.id}, token=admin))["memberErase"]
    assert twice["erased"] is False and errors(twice) == [("NOT_FOUND", ["id"])]


async def test_only_admins_erase_other_members(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann, bo = await new_member(client), await new_member(client, "bo@example.com", name="Bo")
    manager = await client.staff_token(shop, StaffRole.STORE_MANAGER)
    assert top_code(await client.post(ERASE, {"id": ann.id}, token=manager)) == "FORBIDDEN"
    assert top_code(await client.post(ERASE, {"id": ann.id}, token=bo.token)) == "FORBIDDEN"
    assert top_code(await client.post(ERASE, {})) == "UNAUTHENTICATED"
    assert top_code(await client.post(ERASE, {}, token=manager)) == "FORBIDDEN"
    admin = await client.staff_token(shop, StaffRole.ADMIN)
    assert (await client.data(ERASE, {"id": "garbage"}, token=admin))["memberErase"]["userErrors"][0][
        "code"
    ] == "NOT_FOUND"
    assert (await client.data(ERASE, {"id": ann.id}, token=admin))["memberErase"]["erased"] is True
    assert (await client.data(ERASE, {"id": bo.id}, token=bo.token))["memberErase"]["erased"] is True
    assert await scalar(shop, "SELECT count(*) FROM member_identities") == 0


async def test_members_never_see_each_other_or_each_others_addresses(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann, bo = await new_member(client), await new_member(client, "bo@example.com", name="Bo")
    home = (await client.data(ADDRESS_CREATE, {"input": address()}, token=ann.token))["memberAddressCreate"]
    ids = [ann.id, home["address"]["id"], bo.id]
    nodes = (await client.data(NODES, {"ids": ids}, token=bo.token))["nodes"]
    assert nodes[:2] == [None, None] and nodes[2]["name"] == "Bo"
    assert (await client.data(NODES, {"ids": ids}))["nodes"] == [None, None, None]


# --- the expiry job ------------------------------------------------------------------------------


async def test_the_expiry_job_writes_off_expired_points_once(client: GraphQLClient, shop: AsyncEngine) -> None:
    ann, bo = await new_member(client), await new_member(client, "bo@example.com", name="Bo")
    long_ago = datetime(2020, 1, 31, tzinfo=UTC)
    async with create_session_factory(shop)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            await adjust_points(
                uow,
                member_id=ann.pk,
                delta=100,
                reason="old bonus",
                staff_id=None,
                policy=PointsPolicy(24),
                now=long_ago,
            )
            await spend_points(uow, ann.pk, 30, "order-1", now=long_ago)
            await adjust_points(
                uow, member_id=ann.pk, delta=5, reason="new bonus", staff_id=None, policy=PointsPolicy(24)
            )
            await adjust_points(
                uow, member_id=bo.pk, delta=40, reason="new bonus", staff_id=None, policy=PointsPolicy(24)
            )
    assert await expire_all_points(shop) == (70, 1)
    assert await expire_all_points(shop) == (0, 0)
    me = (await client.data(HISTORY, {"id": ann.id, "first": 1}, token=ann.token))["node"]["points"]
    assert me["balance"] == 5 and me["history"]["edges"][0]["node"] == {"delta": -70, "reason": "points expired"}
    assert await scalar(shop, "SELECT points_balance FROM members WHERE id = :id", id=bo.pk) == 40


# --- the dataloaders -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loader", ["tags_by_member", "addresses_by_member", "address_by_id", "points_history", "points_count_by_member"]
)
async def test_each_member_loader_fetches_a_batch_in_one_statement(
    shop: AsyncEngine, statements: StatementCounter, loader: str
) -> None:
    sessions = create_session_factory(shop)
    async with sessions() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            members = [await uow.accounts.add_member(f"M{i}", None, [], None) for i in range(3)]
            for m in members:
                await uow.members.add_tags(m, ["vip", f"m{m}"])
                await uow.members.save_address(
                    m, None, AddressData("A", "+8613800138000", "1 Road", "Shanghai", "CN"), True
                )
                for delta in (5, 7):
                    await adjust_points(
                        uow, member_id=m, delta=delta, reason="bonus", staff_id=None, policy=PointsPolicy()
                    )
        address_ids = list(await session.scalars(sa.text("SELECT id FROM member_addresses ORDER BY id")))
    keys: list[Any] = {"address_by_id": address_ids, "points_history": [ChildPage(m, 1) for m in members]}.get(
        loader, members
    )
    async with sessions() as session:
        statements.reset()
        batch = getattr(Loaders(session), loader)
        found = await asyncio.gather(*(batch.load(k) for k in keys))
    assert statements.count == 1, statements.statements
    assert all(found) and len(found) == 3
