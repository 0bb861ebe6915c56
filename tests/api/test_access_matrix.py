"""The access matrix (issue #7, item 8), through the graph as clients call it.

Reads: a member's orders, carts, coupons, addresses, points entries and identities are the
member's alone. Another member, an anonymous caller and an app whose scopes do not cover them
get nothing for the owner's ids, through `node`, `nodes` and each type's own query (null, or
a FORBIDDEN / UNAUTHENTICATED error), and never a byte of the owner's data; nor can they change
those objects. The owner reads all of them through the same documents.

Writes: every mutation of the schema is classified below, either as public / member-facing or
by the permissions that let a caller run it; an unclassified mutation fails the suite. Each
staff mutation, called with well-formed arguments generated from its argument types, is refused
with UNAUTHENTICATED for an anonymous caller and FORBIDDEN for a member, for every staff role
that holds none of its permissions and for an app whose scopes grant none of them; an admin is
not refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
    get_named_type,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from db.demo import seed_demo
from domain.access.model import ROLE_PERMISSIONS, SCOPE_PERMISSIONS, AppScope, Permission, StaffRole
from domain.promotions import PercentOff
from schema import build_schema
from schema.relay import decode_token, to_global_id
from tests.api.test_carts import Shop, open_shop
from tests.api.test_checkout import placed
from tests.api.test_members import SignedIn, new_member
from tests.helpers import GraphQLClient
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_template

P = Permission
UNAUTHENTICATED, FORBIDDEN = "UNAUTHENTICATED", "FORBIDDEN"
REFUSALS = {UNAUTHENTICATED, FORBIDDEN}

# --- the classification of every mutation ---------------------------------------------------------

# Anyone, or the signed-in member (or buyer) acting on what is theirs: their own checks are
# tested with each feature, and the reads below prove they reach nothing of anyone else's.
PUBLIC_MUTATIONS = frozenset(
    {
        "memberRegister",
        "tokenCreate",
        "staffTokenCreate",
        "tokenRefresh",
        "tokenRevoke",
        "memberUpdate",
        "memberAddressCreate",
        "memberAddressUpdate",
        "memberAddressDelete",
        "cartCreate",
        "cartLinesAdd",
        "cartLinesUpdate",
        "cartLinesRemove",
        "cartFulfillmentSet",
        "cartPointsApply",
        "cartCouponApply",
        "cartCouponRemove",
        "checkoutComplete",
        "orderPay",
        "orderCancel",
        "couponClaim",
        "transactionInitialize",  # whoever may pay the order (as orderPay): tests/api/test_payment_apps.py
        "cartAttributionSet",
    }
)

# Staff (or app) mutations: the caller needs at least one of these permissions. `memberIdentityLink`
# and `memberErase` are also a member's own (for themselves): for another member's id they are staff's.
STAFF_MUTATIONS: dict[str, frozenset[Permission]] = {
    **dict.fromkeys(("channelCreate", "channelUpdate"), frozenset({P.MANAGE_CHANNELS})),
    **dict.fromkeys(
        (
            "productCreate",
            "productUpdate",
            "productDelete",
            "productChannelListingUpdate",
            "productVariantCreate",
            "productVariantUpdate",
            "productVariantDelete",
            "productVariantPriceSet",
            "categoryCreate",
            "categoryUpdate",
            "categoryDelete",
            "productMediaAdd",
            "productMediaUpdate",
            "productMediaReorder",
            "productMediaDelete",
            "productVariantAttributesSet",
        ),
        frozenset({P.MANAGE_CATALOG}),
    ),
    **dict.fromkeys(
        ("stockAdjust", "stockTransfer", "stockTransferSend", "stockTransferReceive"), frozenset({P.MANAGE_STOCK})
    ),
    **dict.fromkeys(("locationCreate", "locationUpdate"), frozenset({P.MANAGE_LOCATIONS})),
    **dict.fromkeys(("appCreate", "appRevoke"), frozenset({P.MANAGE_APPS})),
    **dict.fromkeys(
        ("webhookCreate", "webhookUpdate", "webhookDelete", "webhookDeliveryRetry"), frozenset({P.MANAGE_APPS})
    ),
    **dict.fromkeys(
        (
            "partyCreate",
            "settlementRuleCreate",
            "settlementStatementGenerate",
            "settlementStatementConfirm",
            "settlementStatementMarkPaid",
        ),
        frozenset({P.MANAGE_SETTLEMENT}),
    ),
    "memberIdentityLink": frozenset({P.SELL_IN_STORE}),
    "memberErase": frozenset({P.ERASE_MEMBERS}),
    **dict.fromkeys(("memberTagsAdd", "memberTagsRemove", "pointsAdjust"), frozenset({P.MANAGE_MEMBERS})),
    **dict.fromkeys(("orderShip", "orderDeliver", "fulfillmentShip"), frozenset({P.FULFIL_ORDERS})),
    **dict.fromkeys(("orderReadyForPickup", "orderPickup"), frozenset({P.FULFIL_ORDERS, P.SELL_IN_STORE})),
    "orderReturn": frozenset({P.MANAGE_ORDERS, P.SELL_IN_STORE}),
    "couponRedeem": frozenset({P.SELL_IN_STORE}),
    "transactionEventReport": frozenset({P.REPORT_PAYMENTS}),
    **dict.fromkeys(
        (
            "promotionCreate",
            "promotionUpdate",
            "promotionDeactivate",
            "couponTemplateCreate",
            "couponTemplateUpdate",
            "couponIssue",
        ),
        frozenset({P.MANAGE_PROMOTIONS}),
    ),
}

APP_SCOPE = AppScope.CATALOG_READ  # the app caller: may read the catalogue, nothing else
# An app manages its own webhooks whatever its scopes (tests/api/test_webhooks.py checks it reaches no other app's).
APPS_OWN = frozenset({"webhookCreate", "webhookUpdate", "webhookDelete", "webhookDeliveryRetry"})
# Only apps run these (a payment app reports its own transactions): staff, admins too, are refused.
APPS_ONLY = frozenset({"transactionEventReport"})


@pytest.fixture(scope="module")
def graphql_schema() -> GraphQLSchema:
    schema: GraphQLSchema = build_schema()._schema
    return schema


def mutation_names(schema: GraphQLSchema) -> set[str]:
    assert schema.mutation_type is not None
    return set(schema.mutation_type.fields)


def test_every_mutation_is_classified(graphql_schema: GraphQLSchema) -> None:
    """A new mutation must be put in one of the tables above (and so gets the refusal checks)."""
    names = mutation_names(graphql_schema)
    assert not PUBLIC_MUTATIONS & STAFF_MUTATIONS.keys()
    assert sorted(names - PUBLIC_MUTATIONS - STAFF_MUTATIONS.keys()) == [], "classify these mutations"
    assert sorted((PUBLIC_MUTATIONS | STAFF_MUTATIONS.keys()) - names) == [], "no such mutations"


def test_the_table_names_only_permissions_some_role_holds() -> None:
    for name, permissions in STAFF_MUTATIONS.items():
        assert permissions and all(any(p in held for held in ROLE_PERMISSIONS.values()) for p in permissions), name


# --- arguments generated from the schema ------------------------------------------------------------


def _node_types(schema: GraphQLSchema) -> list[str]:
    node = schema.get_type("Node")
    return sorted((t.name for t in schema.get_possible_types(node)), key=len, reverse=True)  # type: ignore[arg-type]


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


@dataclass
class Arguments:
    """Minimal well-formed variables for a field's arguments: required ones, and optional ids
    (so that a mutation acting on "yourself" by default is aimed at someone else)."""

    schema: GraphQLSchema

    def id_of(self, type_name: str) -> str:
        """A well-formed global id of a `type_name` object that does not exist."""
        token = "nonexistent" + "0" * 13
        if decode_token(to_global_id(type_name, token), type_name) is not None:  # carts and orders
            return to_global_id(type_name, token)
        return to_global_id(type_name, 987_654_321)

    def node_type(self, hint: str, mutation: str) -> str:
        """The object type an ID argument or field names: `variantId` a ProductVariant, `id` the
        mutation's own subject (`productVariantUpdate` → ProductVariant)."""
        types = _node_types(self.schema)
        subject = next((t for t in types if mutation.startswith(_lower_first(t))), "Member")
        if hint in ("id", "ids"):
            return subject
        stem = re.sub(r"Ids?$", "", hint)
        stem = stem[:1].upper() + stem[1:]
        if self.schema.get_type(stem) is not None:  # `orderLineId`: an OrderLine
            return stem
        # `variantId`: a ProductVariant, `fromLocationId`: a Location, `parentId`: the subject's kind
        return next((t for t in types if stem.endswith(t) or t.endswith(stem)), subject)

    def value(self, type_: GraphQLInputType, hint: str, mutation: str) -> Any:
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, hint, mutation)
        if isinstance(type_, GraphQLList):
            return [self.value(type_.of_type, hint, mutation)]
        if isinstance(type_, GraphQLEnumType):
            return next(iter(type_.values))
        if isinstance(type_, GraphQLInputObjectType):
            return {
                name: self.value(field.type, name, mutation)
                for name, field in type_.fields.items()
                if self.wanted(field)
            }
        assert isinstance(type_, GraphQLScalarType)
        return {
            "ID": lambda: self.id_of(self.node_type(hint, mutation)),
            "String": lambda: "x",
            "Int": lambda: 1,
            "Float": lambda: 1.0,
            "Boolean": lambda: True,
            "Decimal": lambda: "1",
            "DateTime": lambda: "2030-01-01T00:00:00+00:00",
        }[type_.name]()

    @staticmethod
    def wanted(arg: GraphQLArgument | GraphQLInputField) -> bool:
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        named = get_named_type(arg.type)
        return required or (isinstance(named, GraphQLScalarType) and named.name == "ID")

    def document(self, mutation: str) -> tuple[str, dict[str, Any]]:
        """`mutation(<generated variables>) { name(...) { __typename } }` and its variables."""
        assert self.schema.mutation_type is not None
        field = self.schema.mutation_type.fields[mutation]
        args = {name: arg for name, arg in field.args.items() if self.wanted(arg)}
        variables = {name: self.value(arg.type, name, mutation) for name, arg in args.items()}
        definitions = ", ".join(f"${name}: {arg.type}" for name, arg in args.items())
        call = ", ".join(f"{name}: ${name}" for name in args)
        selection = " { __typename }" if isinstance(get_named_type(field.type), GraphQLObjectType) else ""
        head = f"mutation Probe({definitions})" if args else "mutation Probe"
        return f"{head} {{ {mutation}{f'({call})' if call else ''}{selection} }}", variables


def test_generated_arguments_are_well_formed_ids_of_the_right_types(graphql_schema: GraphQLSchema) -> None:
    args = Arguments(graphql_schema)
    assert args.node_type("variantId", "cartLinesAdd") == "ProductVariant"
    assert args.node_type("id", "productVariantPriceSet") == "ProductVariant"
    assert args.node_type("id", "memberErase") == "Member"
    assert args.node_type("fromLocationId", "stockTransfer") == "Location"
    assert args.node_type("parentId", "categoryCreate") == "Category"
    assert args.node_type("orderLineId", "orderReturn") == "OrderLine"
    assert decode_token(args.id_of("Order"), "Order") is not None
    document, variables = args.document("memberErase")
    assert document == "mutation Probe($id: ID) { memberErase(id: $id) { __typename } }"
    assert variables == {"id": to_global_id("Member", 987_654_321)}


# --- staff mutations refuse everyone else ---------------------------------------------------------


def call_codes(body: dict[str, Any], field: str) -> tuple[list[str], Any]:
    """The codes of the errors of `field` (or of the request) and the field's value."""
    codes = [e.get("extensions", {}).get("code") for e in body.get("errors", ())]
    data = body.get("data")
    return codes, None if data is None else data.get(field)


async def test_every_staff_mutation_refuses_callers_without_its_permission(
    client: GraphQLClient, engine: AsyncEngine, graphql_schema: GraphQLSchema
) -> None:
    await seed_demo(engine, products=0, seed=1)
    member = await new_member(client)
    roles = {role: await client.staff_token(engine, role) for role in StaffRole}
    created = (
        await client.data(
            'mutation($s: [AppScope!]!) { appCreate(input: {name: "Reader", scopes: $s}) { token userErrors { code } } }',  # noqa: E501
            {"s": [APP_SCOPE.name]},
            token=roles[StaffRole.ADMIN],
        )
    )["appCreate"]
    app_token, app_permissions = created["token"], SCOPE_PERMISSIONS[APP_SCOPE]
    args = Arguments(graphql_schema)
    failures: list[str] = []
    combinations = 0
    for name in sorted(STAFF_MUTATIONS):
        permissions = STAFF_MUTATIONS[name]
        document, variables = args.document(name)
        callers: list[tuple[str, str | None, str]] = [
            ("anonymous", None, UNAUTHENTICATED),
            ("member", member.token, FORBIDDEN),
        ]
        callers += [
            (role.value, token, FORBIDDEN)
            for role, token in roles.items()
            if not ROLE_PERMISSIONS[role] & permissions or name in APPS_ONLY
        ]
        if not app_permissions & permissions and name not in APPS_OWN:
            callers.append((f"app {APP_SCOPE.value}", app_token, FORBIDDEN))
        for caller, token, expected in callers:
            combinations += 1
            body = await client.post(document, variables, token=token)
            codes, value = call_codes(body, name)
            if codes != [expected] or value is not None:
                failures.append(f"{name} as {caller}: {codes} {value} {body.get('errors')}")
        if name in APPS_ONLY:
            continue  # the admin was refused above
        body = await client.post(document, variables, token=roles[StaffRole.ADMIN])
        codes, _ = call_codes(body, name)
        # not refused, and the generated arguments passed validation (no request error)
        if REFUSALS & set(codes) or "data" not in body or "INTERNAL_SERVER_ERROR" in codes:
            failures.append(f"{name} as admin: {body}")
    assert failures == []
    assert combinations >= 3 * len(STAFF_MUTATIONS)


# --- a member's objects are theirs alone -------------------------------------------------------------

NODE = "query($id: ID!) { node(id: $id) { __typename id } }"
NODES = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }"
MEMBER_DETAIL = """identities { kind value } points { balance history { edges { node { delta reason } } } }
  addresses { id line1 } coupons { edges { node { id code } } } orders { edges { node { id number } } }"""
MEMBER_NODE = f"query($id: ID!) {{ node(id: $id) {{ id ... on Member {{ {MEMBER_DETAIL} }} }} }}"
ME = f"{{ me {{ id {MEMBER_DETAIL} }} }}"
ORDER = "query($id: ID!) { order(id: $id) { id number pickupCode member { id } } }"
ORDERS = "query($filter: OrderFilter) { orders(first: 100, filter: $filter) { edges { node { id number } } } }"
CART = "query($id: ID!) { cart(id: $id) { id lines { quantity } } }"
COUPON = "query($code: String!) { coupon(code: $code) { id code status member { id } } }"
LOOKUP = f"query($q: String!) {{ memberLookup(identifier: $q) {{ id {MEMBER_DETAIL} }} }}"
MEMBERS = "query($q: String!) { members(first: 100, search: $q) { edges { node { id identities { value } } } } }"
ADDRESS = {"name": "Ann Lee", "phone": "138 0013 8000", "line1": "7 Secret Lane", "city": "Shanghai", "country": "CN"}
CARD = "CARD-0000-SECRET"
BONUS = "a private apology"


@dataclass
class Owned:
    """What member Ann owns, made through the graph; `secrets` must never reach anyone else."""

    ann: SignedIn
    order_id: str
    order_number: str
    cart_id: str
    guest_cart_id: str
    coupon_id: str
    coupon_code: str
    address_id: str

    @property
    def secrets(self) -> list[str]:
        return [
            self.ann.id,
            self.order_id,
            self.order_number,
            self.cart_id,
            self.coupon_id,
            self.coupon_code,
            self.address_id,
            "ann@example.com",
            ADDRESS["line1"],
            CARD,
            BONUS,
        ]


async def ann_owns(shop: Shop) -> Owned:
    client = shop.client
    ann = await new_member(client)
    await add_template(shop.engine, PercentOff(Decimal(10)), name="Spring", campaign_code="SPRING10", valid_days=30)
    coupon = (
        await client.data(
            'mutation { couponClaim(code: "SPRING10") { coupon { id code } userErrors { code } } }', token=ann.token
        )
    )["couponClaim"]["coupon"]
    address = (
        await client.data(
            "mutation($a: MemberAddressInput!) { memberAddressCreate(input: $a) { address { id } } }",
            {"a": ADDRESS},
            token=ann.token,
        )
    )["memberAddressCreate"]
    linked = (
        await client.data(
            "mutation($v: String!) { memberIdentityLink(input: {kind: MEMBER_CARD, value: $v}) "
            "{ userErrors { code } } }",
            {"v": CARD},
            token=ann.token,
        )
    )["memberIdentityLink"]
    admin = await client.staff_token(shop.engine, StaffRole.ADMIN)
    adjusted = (
        await client.data(
            "mutation($m: ID!, $r: String!) { pointsAdjust(input: {memberId: $m, delta: 50, "
            "reason: $r}) { userErrors { code } } }",
            {"m": ann.id, "r": BONUS},
            token=admin,
        )
    )["pointsAdjust"]
    assert linked["userErrors"] == adjusted["userErrors"] == []
    bought = await shop.cart([(0, 1)], token=ann.token)
    await shop.fulfil(
        bought["id"], {"method": "PICKUP", "pickupLocationId": location_gid(shop.store_a)}, token=ann.token
    )
    order = await placed(shop, bought["id"], token=ann.token)
    cart = await shop.cart([(1, 2)], token=ann.token)
    guest_cart = await shop.cart([(2, 1)])
    return Owned(
        ann,
        order["id"],
        order["number"],
        cart["id"],
        guest_cart["id"],
        coupon["id"],
        coupon["code"],
        address["address"]["id"],
    )


def reads(owned: Owned) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(type, way, document, variables): every way to read one of Ann's objects by its id or key."""
    o = owned
    ways: list[tuple[str, str, str, dict[str, Any]]] = []
    for kind, object_id in (
        ("Order", o.order_id),
        ("Cart", o.cart_id),
        ("Coupon", o.coupon_id),
        ("MemberAddress", o.address_id),
    ):
        ways += [(kind, "node", NODE, {"id": object_id}), (kind, "nodes", NODES, {"ids": [object_id]})]
    ways += [
        ("Order", "order", ORDER, {"id": o.order_id}),
        ("Order", "orders(memberId)", ORDERS, {"filter": {"memberId": o.ann.id}}),
        ("Order", "orders", ORDERS, {}),
        ("Cart", "cart", CART, {"id": o.cart_id}),
        ("Coupon", "coupon", COUPON, {"code": o.coupon_code}),
        ("Coupon", "coupon(lower case)", COUPON, {"code": o.coupon_code.lower()}),
        ("MemberAddress", "me", ME, {}),
    ]
    # Points entries and identities have no ids of their own: they are read through their member.
    for kind in ("PointsEntry", "Identity"):
        ways += [
            (kind, "node(member)", MEMBER_NODE, {"id": o.ann.id}),
            (kind, "nodes(member)", NODES, {"ids": [o.ann.id]}),
            (kind, "me", ME, {}),
            (kind, "memberLookup", LOOKUP, {"q": "ann@example.com"}),
            (kind, "memberLookup(card)", LOOKUP, {"q": CARD}),
            (kind, "members", MEMBERS, {"q": "Ann"}),
        ]
    return ways


@pytest.fixture
async def shop(client: GraphQLClient, demo: AsyncEngine) -> Shop:
    return await open_shop(client, demo)


async def test_the_owner_reads_their_own_objects(shop: Shop) -> None:
    """The positive side of the matrix: the documents below do reach Ann's objects for Ann."""
    o = await ann_owns(shop)
    client, token = shop.client, o.ann.token
    for object_id in (o.order_id, o.cart_id, o.coupon_id, o.address_id, o.ann.id):
        assert (await client.data(NODE, {"id": object_id}, token=token))["node"]["id"] == object_id
        assert (await client.data(NODES, {"ids": [object_id]}, token=token))["nodes"][0]["id"] == object_id
    assert (await client.data(ORDER, {"id": o.order_id}, token=token))["order"]["number"] == o.order_number
    assert (await client.data(ORDERS, {}, token=token))["orders"]["edges"][0]["node"]["id"] == o.order_id
    assert (await client.data(CART, {"id": o.cart_id}, token=token))["cart"]["lines"] == [{"quantity": 2}]
    assert (await client.data(COUPON, {"code": o.coupon_code}, token=token))["coupon"]["id"] == o.coupon_id
    me = json.dumps(await client.data(ME, token=token))
    mine = json.dumps(await client.data(MEMBER_NODE, {"id": o.ann.id}, token=token))
    for secret in o.secrets:
        if secret not in (o.cart_id, o.ann.id):  # the open cart is read through `cart`, not the profile
            assert secret in me and secret in mine, secret


@pytest.mark.parametrize("caller", ["another member", "anonymous", f"app {APP_SCOPE.value}"])
async def test_nobody_else_reads_a_members_objects(shop: Shop, caller: str) -> None:
    o = await ann_owns(shop)
    client = shop.client
    if caller == "another member":
        token: str | None = (await new_member(client, "bo@example.com", name="Bo")).token
    elif caller == "anonymous":
        token = None
    else:
        admin = await client.staff_token(shop.engine, StaffRole.ADMIN, email="root@example.com")
        token = (
            await client.data(
                'mutation { appCreate(input: {name: "Reader", scopes: [CATALOG_READ]}) { token } }', token=admin
            )
        )["appCreate"]["token"]
    failures = []
    ways = reads(o)
    for kind, way, document, variables in ways:
        body = await client.post(document, variables, token=token)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", ())}
        leaked = [s for s in o.secrets if s in json.dumps(body)]
        [value] = (body.get("data") or {"": None}).values()
        nothing = value is None or value == [None] or way in ("orders", "me")  # lists of the caller's own
        if leaked or not codes <= REFUSALS or not nothing or ("data" not in body):
            failures.append(f"{kind} through {way}: {body}")
    assert failures == []
    assert {kind for kind, *_ in ways} == {"Order", "Cart", "Coupon", "MemberAddress", "PointsEntry", "Identity"}
    # a guest's cart is reached by whoever holds its id (that is what a guest has); a member's is not
    assert (await client.data(CART, {"id": o.guest_cart_id}, token=token))["cart"]["id"] == o.guest_cart_id


@pytest.mark.parametrize("caller", ["another member", "anonymous"])
async def test_nobody_else_changes_a_members_objects(shop: Shop, caller: str) -> None:
    o = await ann_owns(shop)
    client = shop.client
    bo = await new_member(client, "bo@example.com", name="Bo")
    token = bo.token if caller == "another member" else None
    own_cart = (await shop.cart([(0, 1)], token=token))["id"]
    attempts = [
        (
            "cartLinesAdd",
            "mutation($c: ID!, $v: ID!) { cartLinesAdd(cartId: $c, lines: [{variantId: $v, "
            "quantity: 1}]) { cart { id } userErrors { code } } }",
            {"c": o.cart_id, "v": shop.v(0)},
        ),
        (
            "checkoutComplete",
            'mutation($c: ID!) { checkoutComplete(cartId: $c, idempotencyKey: "k") { '
            "order { id } userErrors { code } } }",
            {"c": o.cart_id},
        ),
        (
            "orderCancel",
            "mutation($o: ID!) { orderCancel(id: $o) { order { id } userErrors { code } } }",
            {"o": o.order_id},
        ),
        (
            "orderPay",
            'mutation($o: ID!) { orderPay(id: $o, input: {method: CASH, amount: "120.00"}) { '
            "order { id } userErrors { code } } }",
            {"o": o.order_id},
        ),
        (
            "cartCouponApply",
            "mutation($c: ID!, $k: String!) { cartCouponApply(cartId: $c, code: $k) { "
            "cart { id } userErrors { code } } }",
            {"c": own_cart, "k": o.coupon_code},
        ),
        (
            "memberAddressUpdate",
            "mutation($a: ID!, $i: MemberAddressInput!) { memberAddressUpdate(id: $a, "
            "input: $i) { address { id } userErrors { code } } }",
            {"a": o.address_id, "i": {**ADDRESS, "line1": "x"}},
        ),
        (
            "memberAddressDelete",
            "mutation($a: ID!) { memberAddressDelete(id: $a) { address { id } userErrors { code } } }",
            {"a": o.address_id},
        ),
    ]
    for name, document, variables in attempts:
        body = await client.post(document, variables, token=token)
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", ())}
        payload = (body.get("data") or {}).get(name)
        refused = payload is None or (
            payload["userErrors"] and not any(v for k, v in payload.items() if k != "userErrors")
        )
        assert codes <= REFUSALS and refused, (name, body)
        assert not [s for s in o.secrets if s in json.dumps(body)], (name, body)
    # and Ann's objects are as she left them
    ann = o.ann.token
    assert (await client.data(CART, {"id": o.cart_id}, token=ann))["cart"]["lines"] == [{"quantity": 2}]
    assert (await client.data("query($id: ID!) { order(id: $id) { status } }", {"id": o.order_id}, token=ann))["order"][
        "status"
    ] == "UNPAID"
    assert (await client.data(COUPON, {"code": o.coupon_code}, token=ann))["coupon"]["status"] == "ACTIVE"
    assert (await client.data("{ me { addresses { line1 } } }", token=ann))["me"]["addresses"] == [
        {"line1": ADDRESS["line1"]}
    ]
