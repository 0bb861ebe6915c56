"""One visibility rule for a member's personal data, on every path of the graph (issue #13, item 2).

A member's profile, identities, tags, points, address book and an order's recipient are personal
data. `domain/access/personal.py` decides who sees them; the schema builds a `Member` or a
`MemberAddress` only through `member_for` / `address_for`, which apply it.

- The walk finds every field through which personal data enters the graph from an object that is
  not itself personal (a coupon's `member`, a payload's `member`, `node`...): each must be listed in
  GUARDED with how it is guarded, so a new field cannot forget.
- The source check: nothing in `schema/` builds those types except through the rule.
- The API check: each guarded path, called as every kind of caller (anonymous, another member,
  each staff role, an app with each scope alone), reveals the member's data to exactly those the
  rule names, and never leaks it to anyone else (reported: an app with only `promotions:write`
  read every coupon owner's name, e-mail, phone, identities, addresses, points and tags).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from graphql import GraphQLAbstractType, GraphQLObjectType, GraphQLSchema, get_named_type
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access import model as access
from domain.access.model import AppScope, Principal, StaffRole
from domain.access.personal import sees_personal_data, sees_recipient
from domain.promotions import PercentOff
from schema import build_schema
from schema.relay import to_global_id
from tests.api.test_carts import Shop, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import PASSWORD, new_member
from tests.helpers import GraphQLClient
from tests.promotion_fixtures import add_template

# --- the walk -----------------------------------------------------------------------------------

PERSONAL = frozenset({"Member", "MemberAddress", "Identity", "Points", "PointsEntry", "DeliveryAddress"})

RULE = "sees_personal_data: the member, or who looks members up"
RECIPIENT = "sees_recipient: the buyer, who looks members up, or who ships the order"
SIGNED_IN = "the caller has just proved to be this member (registration, sign-in)"
OWN_CART = "the cart is the caller's own (can_use_cart); its address is what they typed"
PARCEL = "sees_parcel_recipient: the buyer's side, or the fulfilment staff of the location that sends it"

# Where personal data enters the graph, and what guards it.
GUARDED: dict[str, str] = {
    "Query.me": RULE,  # the caller's own member
    "Query.memberLookup": RULE,
    "Query.members": RULE,
    "Query.node": RULE,
    "Query.nodes": RULE,
    "Order.member": RULE,
    "Order.deliveryAddress": RECIPIENT,
    "Fulfillment.deliveryAddress": PARCEL,  # within RECIPIENT: staff of the order's other locations do not
    "Coupon.member": RULE,
    "MemberWebhookEvent.member": RULE,  # a webhook's payload query, run as its app (node's fetcher)
    "CouponIssueSkip.member": RULE,
    "CartFulfillment.address": OWN_CART,
    "MemberRegisterPayload.member": SIGNED_IN,
    "TokenCreatePayload.member": SIGNED_IN,
    "MemberUpdatePayload.member": RULE,
    "MemberIdentityLinkPayload.member": RULE,
    "MemberTagsAddPayload.member": RULE,
    "MemberTagsRemovePayload.member": RULE,
    "PointsAdjustPayload.member": RULE,
    **{
        f"MemberAddress{verb}Payload.{field}": RULE
        for verb in ("Create", "Update", "Delete")
        for field in ("address", "member")
    },
}


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    schema: GraphQLSchema = build_schema()._schema
    return schema


def carriers(schema: GraphQLSchema) -> set[str]:
    """The personal types and the connections and edges of them (which hold nothing else)."""
    found = set(PERSONAL)
    for t in schema.type_map.values():
        if (
            isinstance(t, GraphQLObjectType)
            and {"node", "cursor"} <= t.fields.keys()
            and get_named_type(t.fields["node"].type).name in PERSONAL
        ):
            found.add(t.name)
    for t in schema.type_map.values():
        if (
            isinstance(t, GraphQLObjectType)
            and {"edges", "pageInfo"} <= t.fields.keys()
            and get_named_type(t.fields["edges"].type).name in found
        ):
            found.add(t.name)
    return found


def entries(schema: GraphQLSchema) -> set[str]:
    """Fields reachable from the roots that lead into personal data from an object that is not personal."""
    personal = carriers(schema)
    roots = [t for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None]
    seen: set[str] = set()
    todo: list[Any] = list(roots)
    found: set[str] = set()
    while todo:
        t = todo.pop()
        if t.name in seen:
            continue
        seen.add(t.name)
        for name, field in t.fields.items():
            target = get_named_type(field.type)
            possible = (
                list(schema.get_possible_types(target))
                if isinstance(target, GraphQLAbstractType)
                else [target]
                if isinstance(target, GraphQLObjectType)
                else []
            )
            if t.name not in personal and any(p.name in personal for p in possible):
                found.add(f"{t.name}.{name}")
            todo += possible
    return found


def test_every_way_into_personal_data_is_guarded(graphql_schema: GraphQLSchema) -> None:
    found = entries(graphql_schema)
    assert sorted(found - GUARDED.keys()) == [], "guard these fields with the rule, then list them in GUARDED"
    assert sorted(GUARDED.keys() - found) == [], "no such fields any more"


def test_the_personal_types_are_all_known(graphql_schema: GraphQLSchema) -> None:
    """A new type holding a phone number or an address line is personal: add it to PERSONAL."""
    holding = {
        t.name
        for t in graphql_schema.type_map.values()
        if isinstance(t, GraphQLObjectType)
        and {"phone", "email", "identities"} & t.fields.keys()
        and t.name != "StaffUser"
    }
    assert holding <= PERSONAL
    assert {"Member", "Points", "PointsEntryConnection"} <= carriers(graphql_schema)


# --- the source: the types are built only through the rule --------------------------------------

SCHEMA = Path(__file__).resolve().parents[2] / "schema"
BUILDERS = {  # what builds a personal type, and the one module allowed to call it
    r"\bMember\._from_model\(": "accounts/types.py",
    r"\bMemberAddress\._from_model\(": "(members|accounts)/types.py",  # address_for; Member.addresses
    r"\bPoints\(": "accounts/types.py",  # Member.points: reached only through a visible member
    r"\bDeliveryAddress\.of\(": "orders/(types|cart_types).py",
}


def test_personal_types_are_built_only_through_the_rule() -> None:
    offenders = []
    for path in sorted(SCHEMA.rglob("*.py")):
        relative = path.relative_to(SCHEMA).as_posix()
        text = path.read_text(encoding="utf-8")
        for pattern, allowed in BUILDERS.items():
            if re.search(pattern, text) and not re.fullmatch(allowed, relative):
                offenders.append(f"{relative}: {pattern}")
        if re.search(r"\b(Member|MemberAddress)\.from_model\(", text):
            offenders.append(f"{relative}: from_model")
    assert offenders == []


# --- through the graph, as every kind of caller -----------------------------------------------------

NAME, EMAIL, PHONE = "Annabel Secretname", "annabel@example.com", "13800138000"
CARD, BONUS, TAG, HOME = "CARD-0000-SECRET", "a private apology", "secret-vip", "7 Secret Lane"
DELIVERY = {"name": NAME, "phone": "139 1234 5678", "line1": "9 Hidden Road", "city": "Shanghai", "country": "CN"}
PROFILE_SECRETS = [NAME, EMAIL, PHONE, CARD, BONUS, TAG, HOME]
RECIPIENT_SECRETS = ["9 Hidden Road", "13912345678"]

PROFILE = """name email phone tags identities { value } addresses { line1 phone }
  points { balance history { edges { node { reason } } } }"""
ADDRESS = "deliveryAddress { name phone line1 }"

# Who may see what: the rule as a table (principals by name; store staff work at a store).
SEES_PROFILE = {"Ann", "admin", "store_manager", "cashier", "app members:read", "app members:write"}
SEES_RECIPIENT = SEES_PROFILE | {"fulfillment", "app orders:write"}


@dataclass
class Probe:
    name: str
    covers: str  # the GUARDED entry it exercises
    document: str
    variables: dict[str, Any]
    secrets: list[str]
    staff_only: bool = False  # Ann herself cannot call it
    own_only: bool = False  # it reads the caller's own data


@dataclass
class Ann:
    token: str
    member_id: str
    coupon_id: str
    coupon_code: str
    address_id: str
    order_id: str
    template_id: str


async def ann_with_data(shop: Shop, admin: str) -> Ann:
    client = shop.client
    ann = await new_member(client, EMAIL, PHONE, name=NAME)
    template = await add_template(
        shop.engine, PercentOff(Decimal(10)), name="Spring", campaign_code="SPRING10", valid_days=30
    )
    coupon = (await client.data('mutation { couponClaim(code: "SPRING10") { coupon { id code } } }', token=ann.token))[
        "couponClaim"
    ]["coupon"]
    home = (
        await client.data(
            "mutation($a: MemberAddressInput!) { memberAddressCreate(input: $a) { address { id } } }",
            {"a": {**DELIVERY, "line1": HOME}},
            token=ann.token,
        )
    )["memberAddressCreate"]["address"]
    for document, variables, token in (
        (
            "mutation($v: String!) { memberIdentityLink(input: {kind: MEMBER_CARD, value: $v}) "
            "{ userErrors { code } } }",
            {"v": CARD},
            ann.token,
        ),
        (
            "mutation($m: ID!, $r: String!) { pointsAdjust(input: {memberId: $m, delta: 50, reason: $r}) "
            "{ userErrors { code } } }",
            {"m": ann.id, "r": BONUS},
            admin,
        ),
        (
            "mutation($m: ID!, $t: String!) { memberTagsAdd(id: $m, input: {tags: [$t]}) { userErrors { code } } }",
            {"m": ann.id, "t": TAG},
            admin,
        ),
    ):
        [payload] = (await client.data(document, variables, token=token)).values()
        assert payload["userErrors"] == []
    cart = await shop.cart([(0, 1)], token=ann.token)
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": DELIVERY}, token=ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    return Ann(
        ann.token,
        ann.id,
        coupon["id"],
        coupon["code"],
        home["id"],
        order["id"],
        to_global_id("CouponTemplate", template),
    )


def paths(a: Ann) -> list[Probe]:
    member = f"member {{ {PROFILE} }}"
    one = "query($id: ID!) { node(id: $id) { ... on %s { %s } } }"
    many = "query($ids: [ID!]!) { nodes(ids: $ids) { ... on %s { %s } } }"
    return [
        Probe(
            "coupon(code).member",
            "Coupon.member",
            f"query($c: String!) {{ coupon(code: $c) {{ {member} }} }}",
            {"c": a.coupon_code},
            PROFILE_SECRETS,
        ),
        Probe("node(Coupon).member", "Coupon.member", one % ("Coupon", member), {"id": a.coupon_id}, PROFILE_SECRETS),
        Probe(
            "nodes(Coupon).member", "Coupon.member", many % ("Coupon", member), {"ids": [a.coupon_id]}, PROFILE_SECRETS
        ),
        Probe("node(Member)", "Query.node", one % ("Member", PROFILE), {"id": a.member_id}, PROFILE_SECRETS),
        Probe("nodes(Member)", "Query.nodes", many % ("Member", PROFILE), {"ids": [a.member_id]}, PROFILE_SECRETS),
        Probe(
            "node(MemberAddress)", "Query.node", one % ("MemberAddress", "line1 phone"), {"id": a.address_id}, [HOME]
        ),
        Probe(
            "order.member",
            "Order.member",
            f"query($id: ID!) {{ order(id: $id) {{ {member} }} }}",
            {"id": a.order_id},
            PROFILE_SECRETS,
        ),
        Probe("node(Order).member", "Order.member", one % ("Order", member), {"id": a.order_id}, PROFILE_SECRETS),
        Probe(
            "order.deliveryAddress",
            "Order.deliveryAddress",
            f"query($id: ID!) {{ order(id: $id) {{ {ADDRESS} }} }}",
            {"id": a.order_id},
            RECIPIENT_SECRETS,
        ),
        Probe(
            "order.fulfillments.deliveryAddress",
            "Fulfillment.deliveryAddress",
            f"query($id: ID!) {{ order(id: $id) {{ fulfillments {{ {ADDRESS} }} }} }}",
            {"id": a.order_id},
            RECIPIENT_SECRETS,
        ),
        Probe(
            "nodes(Order).deliveryAddress",
            "Order.deliveryAddress",
            many % ("Order", ADDRESS),
            {"ids": [a.order_id]},
            RECIPIENT_SECRETS,
        ),
        Probe(
            "orders",
            "Order.member",
            f"{{ orders(first: 10) {{ edges {{ node {{ {member} {ADDRESS} }} }} }} }}",
            {},
            RECIPIENT_SECRETS,
        ),
        Probe("me", "Query.me", f"{{ me {{ {PROFILE} }} }}", {}, PROFILE_SECRETS, own_only=True),
        Probe(
            "memberLookup",
            "Query.memberLookup",
            f"query($q: String!) {{ memberLookup(identifier: $q) {{ {PROFILE} }} }}",
            {"q": CARD},
            PROFILE_SECRETS,
            staff_only=True,
        ),
        Probe(
            "members",
            "Query.members",
            f"query($q: String!) {{ members(first: 10, search: $q) {{ edges {{ node {{ {PROFILE} }} }} }} }}",
            {"q": "Secretname"},
            PROFILE_SECRETS,
            staff_only=True,
        ),
        Probe(
            "couponIssue.skipped.member",
            "CouponIssueSkip.member",
            "mutation($t: ID!, $m: ID!) { couponIssue(input: {templateId: $t, memberIds: [$m]}) "
            f"{{ skipped {{ code {member} }} }} }}",
            {"t": a.template_id, "m": a.member_id},
            PROFILE_SECRETS,
            staff_only=True,
        ),
    ]


def test_the_paths_cover_every_guarded_read() -> None:
    a = Ann("token", "m", "c", "code", "a", "o", "t")
    covered = {p.covers for p in paths(a)}
    mutations_payloads = {k for k in GUARDED if k.endswith("Payload.member") or k.endswith("Payload.address")}
    # payloads of mutations a caller runs on themselves or with a permission that includes looking
    # members up go through the same `visible_member`; the source check above holds them to it.
    # Webhook payloads are not HTTP reads: tests/api/test_webhook_payloads.py probes them per app scope.
    assert GUARDED.keys() - mutations_payloads - covered == {"CartFulfillment.address", "MemberWebhookEvent.member"}


def principals(owner: int) -> dict[str, Principal]:
    """Every kind of caller, by the names the tables above use (store staff work at store 1)."""
    return {
        "Ann": access.member(owner),
        "anonymous": access.ANONYMOUS,
        "another member": access.member(owner + 1),
        **{role.value: access.staff(9, role, 1 if role is not StaffRole.ADMIN else None) for role in StaffRole},
        **{f"app {scope.value}": access.app(9, frozenset({scope})) for scope in AppScope},
    }


def test_the_rule_is_the_table() -> None:
    everyone = principals(7)
    assert {name for name, p in everyone.items() if sees_personal_data(p, 7)} == SEES_PROFILE
    assert {name for name, p in everyone.items() if sees_recipient(p, 7)} == SEES_RECIPIENT


async def callers(shop: Shop, admin: str) -> dict[str, str | None]:
    client, engine = shop.client, shop.engine
    who: dict[str, str | None] = {
        "anonymous": None,
        "another member": (await new_member(client, "bo@example.com", name="Bo")).token,
        "admin": admin,
    }
    for role in StaffRole:
        if role is not StaffRole.ADMIN:
            who[role.value] = await client.staff_token(engine, role, location_id=shop.store_a)
    for scope in AppScope:
        created = (
            await client.data(
                'mutation($s: [AppScope!]!) { appCreate(input: {name: "App", scopes: $s}) { token } }',
                {"s": [scope.name]},
                token=admin,
            )
        )["appCreate"]
        who[f"app {scope.value}"] = created["token"]
    return who


@pytest.fixture
async def shop(client: GraphQLClient, demo: AsyncEngine) -> Shop:
    return await open_shop(client, demo)


async def test_personal_data_reaches_exactly_whom_the_rule_names(shop: Shop) -> None:
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="root@example.com")
    a = await ann_with_data(shop, admin)
    who = {"Ann": a.token, **await callers(shop, admin)}
    assert len(who) == 3 + len(StaffRole) + len(AppScope)
    failures: list[str] = []
    for path in paths(a):
        allowed = SEES_RECIPIENT if path.secrets is RECIPIENT_SECRETS else SEES_PROFILE
        for caller, token in who.items():
            body = await shop.client.post(path.document, path.variables, token=token)
            text = json.dumps(body)
            codes = {e.get("extensions", {}).get("code") for e in body.get("errors", ())}
            if not codes <= {"UNAUTHENTICATED", "FORBIDDEN"}:
                failures.append(f"{path.name} as {caller}: {body['errors']}")
            leaked = [s for s in path.secrets if s in text]
            if caller not in allowed and leaked:
                failures.append(f"{path.name} leaks {leaked} to {caller}")
            # the positive side: the owner and an admin do read it (others may not reach the object)
            reader = not path.own_only if caller == "admin" else caller == "Ann" and not path.staff_only
            if reader and leaked != path.secrets:
                failures.append(f"{path.name} hides {set(path.secrets) - set(leaked)} from {caller}: {body}")
    assert failures == [], "\n".join(failures)


async def test_an_app_with_only_promotions_write_gets_the_coupon_but_not_its_owner(shop: Shop) -> None:
    """The reproduction: the coupon is the app's business, the person holding it is not."""
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="root@example.com")
    a = await ann_with_data(shop, admin)
    app = (
        await shop.client.data(
            'mutation { appCreate(input: {name: "Promo", scopes: [PROMOTIONS_WRITE]}) { token } }', token=admin
        )
    )["appCreate"]["token"]
    body = await shop.client.post(
        f"query($c: String!) {{ coupon(code: $c) {{ id code member {{ {PROFILE} }} }} }}",
        {"c": a.coupon_code},
        token=app,
    )
    assert "errors" not in body
    assert body["data"] == {"coupon": {"id": a.coupon_id, "code": a.coupon_code, "member": None}}


async def test_a_guest_orders_recipient_is_the_guests_and_the_shippers(shop: Shop) -> None:
    cart = await shop.cart([(0, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": DELIVERY})
    order = await placed(shop, cart["id"])
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="root@example.com")
    reader = (
        await shop.client.data(
            'mutation { appCreate(input: {name: "BI", scopes: [ORDERS_READ]}) { token } }', token=admin
        )
    )["appCreate"]["token"]
    shipper = await shop.client.staff_token(shop.engine, StaffRole.FULFILLMENT)
    document = f"query($id: ID!) {{ order(id: $id) {{ number {ADDRESS} }} }}"
    seen = {
        caller: (await shop.client.data(document, {"id": order["id"]}, token=token))["order"]["deliveryAddress"]
        for caller, token in (("guest", None), ("app orders:read", reader), ("fulfillment", shipper))
    }
    assert seen["guest"] == seen["fulfillment"] == {"name": NAME, "phone": "+8613912345678", "line1": "9 Hidden Road"}
    assert seen["app orders:read"] is None


async def test_signing_in_shows_the_member_their_own_data(shop: Shop) -> None:
    """The caller of `tokenCreate` is anonymous until the answer arrives; what it answers is theirs."""
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN, email="root@example.com")
    await ann_with_data(shop, admin)
    signed = (
        await shop.client.data(
            f"mutation($i: String!, $p: String!) {{ tokenCreate(input: {{identifier: $i, password: $p}}) "
            f"{{ member {{ {PROFILE} }} }} }}",
            {"i": EMAIL, "p": PASSWORD},
        )
    )["tokenCreate"]["member"]
    text = json.dumps(signed)
    assert [s for s in PROFILE_SECRETS if s not in text] == []
