"""Accounts through the graph, as a front end uses them: register, sign in, who am I, refresh, sign out,
staff sign-in and who may see a member."""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.adapters.tokens import JwtTokens
from domain.access.model import StaffRole, member, staff
from tests.conftest import TEST_SECRET
from tests.helpers import STAFF_PASSWORD, GraphQLClient

PASSWORD = "open-sesame-42"

REGISTER = """
mutation Register($input: MemberRegisterInput!) {
  memberRegister(input: $input) {
    member { id name email phone identities { kind value } }
    userErrors { field message code }
  }
}"""

SIGN_IN = """
mutation SignIn($identifier: String!, $password: String!) {
  tokenCreate(input: {identifier: $identifier, password: $password}) {
    accessToken refreshToken member { id name email phone } userErrors { field message code }
  }
}"""

REFRESH = """
mutation Refresh($token: String!) {
  tokenRefresh(input: {refreshToken: $token}) { accessToken refreshToken userErrors { field message code } }
}"""

REVOKE = """
mutation SignOut($token: String!) {
  tokenRevoke(input: {refreshToken: $token}) { revoked userErrors { field message code } }
}"""

STAFF_SIGN_IN = """
mutation StaffSignIn($email: String!, $password: String!) {
  staffTokenCreate(input: {email: $email, password: $password}) {
    accessToken refreshToken staff { id email role isActive } userErrors { field message code }
  }
}"""

ME = "{ me { id name email phone } }"
STAFF_ME = "{ staffMe { id email name role isActive } }"
NODE = "query Node($id: ID!) { node(id: $id) { id ... on Member { name email } } }"
NODES = "query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Member { name } } }"


@dataclass
class SignedIn:
    id: str
    access_token: str
    refresh_token: str


async def register(client: GraphQLClient, **fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = (
        await client.data(REGISTER, {"input": {"password": PASSWORD, "name": "Ann Lee", **fields}})
    )["memberRegister"]
    return payload


async def sign_in(client: GraphQLClient, identifier: str, password: str = PASSWORD) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(SIGN_IN, {"identifier": identifier, "password": password}))[
        "tokenCreate"
    ]
    return payload


async def member_signed_in(client: GraphQLClient, email: str, name: str = "Ann Lee") -> SignedIn:
    registered = await register(client, email=email, name=name)
    assert registered["userErrors"] == []
    tokens = await sign_in(client, email)
    return SignedIn(registered["member"]["id"], tokens["accessToken"], tokens["refreshToken"])


async def refresh(client: GraphQLClient, token: str) -> dict[str, Any]:
    payload: dict[str, Any] = (await client.data(REFRESH, {"token": token}))["tokenRefresh"]
    return payload


async def count(engine: AsyncEngine, table: str) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.text(f"SELECT count(*) FROM {table}")) or 0)


def codes(payload: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["code"], e["field"][-1] if e["field"] else None) for e in payload["userErrors"]]


def global_id(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- registration ---------------------------------------------------------------------------------


async def test_a_member_registers_with_an_email_stored_lower_case(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = await register(client, email="  Ann.Lee@Example.COM ", name="  Ann   Lee ")
    assert payload["userErrors"] == []
    registered = payload["member"]
    assert registered["email"] == "ann.lee@example.com"
    assert registered["phone"] is None
    assert registered["name"] == "Ann Lee"
    assert registered["identities"] == [{"kind": "EMAIL", "value": "ann.lee@example.com"}]
    assert registered["id"] and not registered["id"].isdigit()  # an opaque global id, not a database key
    assert await count(demo, "members") == 1


async def test_a_member_registers_with_a_phone_stored_in_e164(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = await register(client, phone="138 0013 8000")
    assert payload["userErrors"] == []
    assert payload["member"]["phone"] == "+8613800138000"
    assert payload["member"]["email"] is None
    assert payload["member"]["identities"] == [{"kind": "PHONE", "value": "+8613800138000"}]


async def test_a_foreign_phone_with_its_country_code_keeps_its_country(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    payload = await register(client, phone="+1 650 253 0000")
    assert payload["member"]["phone"] == "+16502530000"


async def test_a_member_registers_with_both_email_and_phone(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = await register(client, email="Ann@Example.com", phone="+86 138-0013-8000")
    assert payload["userErrors"] == []
    assert payload["member"]["identities"] == [
        {"kind": "EMAIL", "value": "ann@example.com"},
        {"kind": "PHONE", "value": "+8613800138000"},
    ]
    assert await count(demo, "member_identities") == 2


async def test_the_password_is_stored_hashed(client: GraphQLClient, demo: AsyncEngine) -> None:
    await register(client, email="ann@example.com")
    async with demo.connect() as conn:
        stored = await conn.scalar(sa.text("SELECT password_hash FROM members"))
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


async def test_a_member_registering_at_the_till_is_attributed_to_that_channel(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    await register(client, phone="13800138000", channel="pos")
    await register(client, email="bob@example.com")
    async with demo.connect() as conn:
        rows = (
            await conn.execute(
                sa.text("SELECT c.slug FROM members m JOIN channels c ON c.id = m.joined_channel_id ORDER BY m.id")
            )
        ).all()
    assert [r.slug for r in rows] == ["pos", "online"]


async def test_registering_through_an_unknown_channel_is_refused(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = await register(client, email="ann@example.com", channel="no-such-channel")
    assert payload["member"] is None
    assert codes(payload) == [("NOT_FOUND", "channel")]
    assert await count(demo, "members") == 0


@pytest.mark.parametrize(
    ("first", "second", "field"),
    [
        ({"email": "ann@example.com"}, {"email": "ANN@Example.com "}, "email"),
        ({"phone": "13800138000"}, {"phone": "+86 138 0013 8000"}, "phone"),
        ({"phone": "+8613800138000"}, {"phone": "0086 138-0013-8000"}, "phone"),
        (
            {"email": "ann@example.com", "phone": "13800138000"},
            {"email": "other@example.com", "phone": "138 0013 8000"},
            "phone",
        ),
    ],
)
async def test_an_identity_belongs_to_one_member_only(
    client: GraphQLClient, demo: AsyncEngine, first: dict[str, str], second: dict[str, str], field: str
) -> None:
    assert (await register(client, **first))["userErrors"] == []
    members, identities = await count(demo, "members"), await count(demo, "member_identities")
    payload = await register(client, **second, name="Someone Else")
    assert payload["member"] is None
    assert codes(payload) == [("IDENTITY_TAKEN", field)]
    assert await count(demo, "members") == members
    assert await count(demo, "member_identities") == identities


async def test_every_taken_identity_is_reported(client: GraphQLClient, demo: AsyncEngine) -> None:
    await register(client, email="ann@example.com", phone="13800138000")
    payload = await register(client, email="Ann@example.com", phone="+8613800138000")
    assert sorted(codes(payload)) == [("IDENTITY_TAKEN", "email"), ("IDENTITY_TAKEN", "phone")]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"email": "not-an-email"}, [("INVALID", "email")]),
        ({"phone": "12345"}, [("INVALID", "phone")]),
        ({"phone": "call me maybe"}, [("INVALID", "phone")]),
        ({"email": "ann@example.com", "password": "short"}, [("PASSWORD_TOO_WEAK", "password")]),
        ({"email": "ann@example.com", "password": "12345678"}, [("PASSWORD_TOO_WEAK", "password")]),
        ({"email": "ann@example.com", "password": "aaaaaaaaaa"}, [("PASSWORD_TOO_WEAK", "password")]),
        ({"email": "ann@example.com", "name": "   "}, [("REQUIRED", "name")]),
        ({"email": "ann@example.com", "name": "x" * 101}, [("INVALID", "name")]),
        ({}, [("REQUIRED", "email")]),
        ({"email": "", "phone": "  "}, [("REQUIRED", "email")]),
    ],
)
async def test_bad_registrations_say_which_field_is_wrong_and_write_nothing(
    client: GraphQLClient, demo: AsyncEngine, fields: dict[str, str], expected: list[tuple[str, str]]
) -> None:
    payload = await register(client, **fields)
    assert payload["member"] is None
    assert codes(payload) == expected
    assert all(e["message"] for e in payload["userErrors"])
    assert await count(demo, "members") == 0
    assert await count(demo, "member_identities") == 0


async def test_several_mistakes_are_reported_together(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = await register(client, email="ann@", phone="999", password="1234", name="")
    assert sorted(codes(payload)) == [
        ("INVALID", "email"),
        ("INVALID", "phone"),
        ("PASSWORD_TOO_WEAK", "password"),
        ("REQUIRED", "name"),
    ]
    assert await count(demo, "members") == 0


async def test_a_missing_identity_is_reported_alongside_other_mistakes(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    payload = await register(client, password="1234", name="")
    assert sorted(codes(payload)) == [("PASSWORD_TOO_WEAK", "password"), ("REQUIRED", "email"), ("REQUIRED", "name")]


async def test_user_error_messages_do_not_leak_internals(client: GraphQLClient, demo: AsyncEngine) -> None:
    await register(client, email="ann@example.com")
    payload = await register(client, email="ann@example.com")
    message = payload["userErrors"][0]["message"].lower()
    assert "insert" not in message and "unique" not in message and "member_identities" not in message


# --- sign in --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "identifier",
    [
        "ann@example.com",
        "ANN@EXAMPLE.COM",
        " ann@example.com ",
        "13800138000",
        "138 0013 8000",
        "+86 138-0013-8000",
        "+8613800138000",
    ],
)
async def test_a_member_signs_in_with_email_or_phone_in_any_format(
    client: GraphQLClient, demo: AsyncEngine, identifier: str
) -> None:
    registered = (await register(client, email="ann@example.com", phone="13800138000"))["member"]
    payload = await sign_in(client, identifier)
    assert payload["userErrors"] == []
    assert payload["accessToken"] and payload["refreshToken"]
    assert payload["accessToken"] != payload["refreshToken"]
    assert payload["member"] == {
        "id": registered["id"],
        "name": "Ann Lee",
        "email": "ann@example.com",
        "phone": "+8613800138000",
    }


@pytest.mark.parametrize(
    ("identifier", "password"),
    [
        ("ann@example.com", "open-sesame-43"),  # wrong password
        ("ann@example.com", ""),
        ("ann@example.com", "OPEN-SESAME-42"),
        ("bob@example.com", PASSWORD),  # nobody
        ("13900139000", PASSWORD),
        ("not an identifier", PASSWORD),
        ("", ""),
    ],
)
async def test_wrong_password_and_unknown_identifier_look_the_same(
    client: GraphQLClient, demo: AsyncEngine, identifier: str, password: str
) -> None:
    await register(client, email="ann@example.com")
    payload = await sign_in(client, identifier, password)
    assert payload["accessToken"] is None and payload["refreshToken"] is None and payload["member"] is None
    assert [(e["code"], e["message"]) for e in payload["userErrors"]] == [
        ("INVALID_CREDENTIALS", "The identifier or password is wrong.")
    ]


async def test_a_failed_sign_in_issues_no_refresh_token(client: GraphQLClient, demo: AsyncEngine) -> None:
    await register(client, email="ann@example.com")
    await sign_in(client, "ann@example.com", "wrong-password")
    assert await count(demo, "refresh_tokens") == 0


# --- me and bearer tokens -------------------------------------------------------------------------


async def test_me_is_the_member_the_access_token_belongs_to(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    await member_signed_in(client, "bob@example.com", name="Bob")
    me = (await client.data(ME, token=ann.access_token))["me"]
    assert me == {"id": ann.id, "name": "Ann Lee", "email": "ann@example.com", "phone": None}


async def test_anonymous_callers_have_no_me(client: GraphQLClient, demo: AsyncEngine) -> None:
    assert (await client.data(ME))["me"] is None
    assert (await client.data(STAFF_ME))["staffMe"] is None


def _forged_tokens(member_id: int) -> dict[str, str]:
    settings = JwtTokens(secret_key=TEST_SECRET)
    other = JwtTokens(secret_key="not-the-server-secret-0123456789-abcdefghijkl")
    header, payload, signature = settings.issue(member(member_id), datetime.now(UTC)).split(".")
    admin_payload = settings.issue(staff(member_id, StaffRole.ADMIN), datetime.now(UTC)).split(".")[1]
    return {
        "garbage": "garbage",
        "expired": settings.issue(member(member_id), datetime.now(UTC) - timedelta(hours=1)),
        "wrong secret": other.issue(member(member_id), datetime.now(UTC)),
        "other secret claiming admin": other.issue(staff(1, StaffRole.ADMIN), datetime.now(UTC)),
        "payload swapped": f"{header}.{admin_payload}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "refresh token as bearer": "rt_" + "x" * 43,
    }


@pytest.mark.parametrize("kind", list(_forged_tokens(1)))
async def test_a_bad_bearer_token_is_unauthenticated_not_anonymous(
    client: GraphQLClient, demo: AsyncEngine, kind: str
) -> None:
    await member_signed_in(client, "ann@example.com")
    token = _forged_tokens(1)[kind]
    response = await client.http.post("/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body or body["data"] is None
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic YW5uOnB3", "Bearer", "Bearer   ", "Token abc", "garbage"])
async def test_an_authorization_header_that_is_not_a_bearer_token_is_refused(
    client: GraphQLClient, demo: AsyncEngine, header: str
) -> None:
    response = await client.http.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_the_bearer_scheme_is_case_insensitive(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    response = await client.http.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"bearer {ann.access_token}"}
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["id"] == ann.id


# --- refresh and sign out -------------------------------------------------------------------------


async def test_refreshing_rotates_both_tokens(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    rotated = await refresh(client, ann.refresh_token)
    assert rotated["userErrors"] == []
    assert rotated["refreshToken"] != ann.refresh_token
    assert (await client.data(ME, token=rotated["accessToken"]))["me"]["id"] == ann.id
    again = await refresh(client, rotated["refreshToken"])
    assert again["userErrors"] == [] and again["refreshToken"] not in (ann.refresh_token, rotated["refreshToken"])


async def test_reusing_a_refresh_token_revokes_the_whole_sign_in(client: GraphQLClient, demo: AsyncEngine) -> None:
    """Theft detection: a used refresh token presented again means two parties hold the sign-in."""
    ann = await member_signed_in(client, "ann@example.com")
    rotated = await refresh(client, ann.refresh_token)
    replay = await refresh(client, ann.refresh_token)
    assert replay["accessToken"] is None and replay["refreshToken"] is None
    assert codes(replay) == [("INVALID_TOKEN", "refreshToken")]
    # The legitimate holder's newest token is revoked too.
    assert codes(await refresh(client, rotated["refreshToken"])) == [("INVALID_TOKEN", "refreshToken")]


async def test_a_replay_does_not_touch_other_sign_ins(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    other_device = await sign_in(client, "ann@example.com")
    await refresh(client, ann.refresh_token)
    await refresh(client, ann.refresh_token)  # replay: revokes the first sign-in only
    assert (await refresh(client, other_device["refreshToken"]))["userErrors"] == []


@pytest.mark.parametrize("token", ["", "rt_made-up", "x" * 5000, "乌龙"])
async def test_an_unknown_refresh_token_is_invalid(client: GraphQLClient, demo: AsyncEngine, token: str) -> None:
    payload = await refresh(client, token)
    assert payload["accessToken"] is None
    assert codes(payload) == [("INVALID_TOKEN", "refreshToken")]


async def test_an_expired_refresh_token_is_invalid(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    async with demo.begin() as conn:
        await conn.execute(
            sa.text("UPDATE refresh_tokens SET expires_at = :past"), {"past": datetime.now(UTC) - timedelta(seconds=1)}
        )
    assert codes(await refresh(client, ann.refresh_token)) == [("INVALID_TOKEN", "refreshToken")]


async def test_signing_out_revokes_the_refresh_token(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    rotated = await refresh(client, ann.refresh_token)
    revoked = (await client.data(REVOKE, {"token": rotated["refreshToken"]}))["tokenRevoke"]
    assert revoked == {"revoked": True, "userErrors": []}
    assert codes(await refresh(client, rotated["refreshToken"])) == [("INVALID_TOKEN", "refreshToken")]


async def test_signing_out_with_an_unknown_token_says_so(client: GraphQLClient, demo: AsyncEngine) -> None:
    payload = (await client.data(REVOKE, {"token": "rt_made-up"}))["tokenRevoke"]
    assert payload["revoked"] is False
    assert codes(payload) == [("INVALID_TOKEN", "refreshToken")]


async def test_only_one_of_many_concurrent_refreshes_with_one_token_succeeds(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    if demo.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    ann = await member_signed_in(client, "ann@example.com")
    results = await asyncio.gather(*[refresh(client, ann.refresh_token) for _ in range(10)])
    winners = [r for r in results if r["accessToken"]]
    assert len(winners) == 1
    assert all(codes(r) == [("INVALID_TOKEN", "refreshToken")] for r in results if not r["accessToken"])
    assert (await client.data(ME, token=winners[0]["accessToken"]))["me"]["id"] == ann.id


async def test_of_concurrent_registrations_with_one_email_exactly_one_wins(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    if demo.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    results = await asyncio.gather(*[register(client, email="race@example.com") for _ in range(5)])
    assert sum(1 for r in results if r["member"]) == 1
    assert all([e["code"] for e in r["userErrors"]] == ["IDENTITY_TAKEN"] for r in results if not r["member"])
    assert await count(demo, "members") == 1


# --- staff ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(StaffRole))
async def test_staff_sign_in_and_see_themselves(client: GraphQLClient, demo: AsyncEngine, role: StaffRole) -> None:
    token = await client.staff_token(demo, role)
    me = (await client.data(STAFF_ME, token=token))["staffMe"]
    assert me["email"] == f"{role.value}@example.com"
    assert me["role"] == role.name and me["isActive"] is True
    assert (await client.data(ME, token=token))["me"] is None


async def test_staff_sign_in_normalises_the_email_and_returns_the_staff_user(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    await client.staff_token(demo, StaffRole.CASHIER, email="till.one@example.com")
    payload = (await client.data(STAFF_SIGN_IN, {"email": " Till.One@Example.COM ", "password": STAFF_PASSWORD}))[
        "staffTokenCreate"
    ]
    assert payload["userErrors"] == []
    assert payload["staff"]["email"] == "till.one@example.com" and payload["staff"]["role"] == "CASHIER"


@pytest.mark.parametrize(
    ("email", "password"),
    [("cashier@example.com", "wrong-pass-123"), ("nobody@example.com", STAFF_PASSWORD), ("not-an-email", "x")],
)
async def test_staff_sign_in_failures_look_the_same(
    client: GraphQLClient, demo: AsyncEngine, email: str, password: str
) -> None:
    await client.staff_token(demo, StaffRole.CASHIER)
    payload = (await client.data(STAFF_SIGN_IN, {"email": email, "password": password}))["staffTokenCreate"]
    assert payload["accessToken"] is None and payload["staff"] is None
    assert [(e["code"], e["message"]) for e in payload["userErrors"]] == [
        ("INVALID_CREDENTIALS", "The identifier or password is wrong.")
    ]


async def test_members_cannot_use_the_staff_sign_in(client: GraphQLClient, demo: AsyncEngine) -> None:
    await register(client, email="ann@example.com")
    payload = (await client.data(STAFF_SIGN_IN, {"email": "ann@example.com", "password": PASSWORD}))["staffTokenCreate"]
    assert codes(payload) == [("INVALID_CREDENTIALS", None)]


async def test_a_member_token_has_no_staff_me(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    assert (await client.data(STAFF_ME, token=ann.access_token))["staffMe"] is None


async def test_a_staff_refresh_keeps_the_role(client: GraphQLClient, demo: AsyncEngine) -> None:
    await client.staff_token(demo, StaffRole.STORE_MANAGER)
    signed_in = (await client.data(STAFF_SIGN_IN, {"email": "store_manager@example.com", "password": STAFF_PASSWORD}))[
        "staffTokenCreate"
    ]
    rotated = await refresh(client, signed_in["refreshToken"])
    assert rotated["userErrors"] == []
    me = (await client.data(STAFF_ME, token=rotated["accessToken"]))["staffMe"]
    assert me["role"] == "STORE_MANAGER"


async def test_a_deactivated_staff_user_can_neither_refresh_nor_sign_in(
    client: GraphQLClient, demo: AsyncEngine
) -> None:
    await client.staff_token(demo, StaffRole.CASHIER)
    signed_in = (await client.data(STAFF_SIGN_IN, {"email": "cashier@example.com", "password": STAFF_PASSWORD}))[
        "staffTokenCreate"
    ]
    async with demo.begin() as conn:
        await conn.execute(sa.text("UPDATE staff_users SET is_active = :no"), {"no": False})
    assert codes(await refresh(client, signed_in["refreshToken"])) == [("INVALID_TOKEN", "refreshToken")]
    again = (await client.data(STAFF_SIGN_IN, {"email": "cashier@example.com", "password": STAFF_PASSWORD}))[
        "staffTokenCreate"
    ]
    assert codes(again) == [("INVALID_CREDENTIALS", None)]


# --- node(id:) for members ------------------------------------------------------------------------


async def test_a_member_can_fetch_themselves_by_id(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    node = (await client.data(NODE, {"id": ann.id}, token=ann.access_token))["node"]
    assert node == {"id": ann.id, "name": "Ann Lee", "email": "ann@example.com"}


async def test_members_cannot_see_each_other(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    bob = await member_signed_in(client, "bob@example.com", name="Bob")
    assert (await client.data(NODE, {"id": ann.id}, token=bob.access_token))["node"] is None
    assert (await client.data(NODES, {"ids": [ann.id, bob.id]}, token=bob.access_token))["nodes"] == [
        None,
        {"id": bob.id, "name": "Bob"},
    ]


async def test_anonymous_callers_cannot_see_members(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    assert (await client.data(NODE, {"id": ann.id}))["node"] is None


async def test_a_cashier_can_look_members_up(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    cashier = await client.staff_token(demo, StaffRole.CASHIER)
    node = (await client.data(NODE, {"id": ann.id}, token=cashier))["node"]
    assert node == {"id": ann.id, "name": "Ann Lee", "email": "ann@example.com"}


async def test_fulfilment_staff_cannot_look_members_up(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    picker = await client.staff_token(demo, StaffRole.FULFILLMENT)
    assert (await client.data(NODE, {"id": ann.id}, token=picker))["node"] is None


def _malformed_ids(member_id: str) -> list[str]:
    key = base64.urlsafe_b64decode(member_id + "=" * (-len(member_id) % 4)).decode().partition(":")[2]
    return [
        "garbage",
        "",
        " ",
        "=",
        "!!!!",
        "乌龙",
        global_id("Member:abc"),
        global_id("Member:"),
        global_id("Member"),
        global_id(":1"),
        global_id("Member:-1"),
        global_id("Member:1.0"),
        global_id("Member: 1"),
        global_id(f"Member:{key} "),
        global_id("Member:²"),
        global_id("Member:١"),
        global_id(f"Member:0{key}"),
        global_id("Member:99999999"),
        global_id("Member:" + "9" * 40),
        global_id("NoSuchType:1"),
        global_id("member:1"),
        base64.urlsafe_b64encode(b"\xff\xfeMember:1").decode(),
        "a" * 10_000,
        member_id * 50,
    ]


async def test_malformed_ids_resolve_to_null_never_to_an_error(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    bad = _malformed_ids(ann.id)
    for candidate in bad:
        body = await client.post(NODE, {"id": candidate}, token=ann.access_token)
        assert body["data"] == {"node": None} and "errors" not in body, candidate
    nodes = (await client.data(NODES, {"ids": bad}, token=ann.access_token))["nodes"]
    assert nodes == [None] * len(bad)
    nul = await client.post(NODE, {"id": "\x00"}, token=ann.access_token)  # no string holds NUL: the client's error
    assert [e["extensions"]["code"] for e in nul["errors"]] == ["BAD_USER_INPUT"]


async def test_nodes_keeps_the_order_asked_with_nulls_in_place(client: GraphQLClient, demo: AsyncEngine) -> None:
    ann = await member_signed_in(client, "ann@example.com")
    bob = await member_signed_in(client, "bob@example.com", name="Bob")
    cashier = await client.staff_token(demo, StaffRole.CASHIER)
    ids = [bob.id, "garbage", ann.id, global_id("Member:99999"), bob.id]
    nodes = (await client.data(NODES, {"ids": ids}, token=cashier))["nodes"]
    assert [n["name"] if n else None for n in nodes] == ["Bob", None, "Ann Lee", None, "Bob"]
    assert (await client.data(NODES, {"ids": []}, token=cashier))["nodes"] == []


async def test_a_staff_user_can_fetch_themselves_by_id(client: GraphQLClient, demo: AsyncEngine) -> None:
    token = await client.staff_token(demo, StaffRole.CASHIER)
    me = (await client.data(STAFF_ME, token=token))["staffMe"]
    query = "query($id: ID!) { node(id: $id) { id ... on StaffUser { email role } } }"
    node = (await client.data(query, {"id": me["id"]}, token=token))["node"]
    assert node == {"id": me["id"], "email": "cashier@example.com", "role": "CASHIER"}
    assert (await client.data(query, {"id": me["id"]}))["node"] is None
    ann = await member_signed_in(client, "ann@example.com")
    assert (await client.data(query, {"id": me["id"]}, token=ann.access_token))["node"] is None
