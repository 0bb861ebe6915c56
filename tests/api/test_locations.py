"""Warehouses and stores through the graph: staff create and change them, everyone lists them,
and `nearbyStores` finds the closest store that has a product (the O2O closed loop); plus
the staff user's store and `omnishop staff-create --location`."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import Result
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from api.adapters.passwords import Argon2Hasher
from api.cli import app as cli
from db.engine import create_engine, create_session_factory
from db.locations import SqlLocationRepository
from db.migrations import upgrade
from db.models import ChannelLocation, Location, StaffUser
from db.uow import SqlUnitOfWork
from domain.access.model import StaffRole
from domain.accounts.services import create_staff
from domain.inventory.model import LocationType, bounding_box, distance_km
from schema.relay import to_global_id
from tests.helpers import STAFF_PASSWORD, GraphQLClient, StatementCounter
from tests.inventory_fixtures import add_location, location_gid, sellable_products, set_stock, variant_gid


@pytest.fixture
def client(demo: AsyncEngine, client: GraphQLClient) -> GraphQLClient:
    """The API tests run against the demo data (channels, catalogue, the Shanghai stores)."""
    return client


PEOPLES_SQUARE = (31.2304, 121.4737)  # the search origin in most tests

LOCATION_FIELDS = """id code name type latitude longitude isPickupPoint shipsToHome priority isActive
  address { line1 city postalCode country } openingHours { day opens closes } channels { slug }"""
CREATE = f"""mutation($input: LocationCreateInput!) {{
  locationCreate(input: $input) {{ location {{ {LOCATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
UPDATE = f"""mutation($id: ID!, $input: LocationUpdateInput!) {{
  locationUpdate(id: $id, input: $input) {{
    location {{ {LOCATION_FIELDS} }} userErrors {{ field message code }} }} }}"""
LOCATIONS = """query($type: LocationType, $first: Int, $after: String, $last: Int, $before: String) {
  locations(type: $type, first: $first, after: $after, last: $last, before: $before) {
    edges { cursor node { id code name type isActive } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount } }"""
NEARBY = """query($lat: Float!, $lon: Float!, $radius: Float, $variant: ID, $first: Int, $inStock: Boolean,
               $channel: String) {
  nearbyStores(latitude: $lat, longitude: $lon, radiusKm: $radius, variantId: $variant, first: $first,
               inStockOnly: $inStock, channel: $channel) {
    distanceKm available location { id code name type latitude longitude } } }"""

STORE_INPUT: dict[str, Any] = {
    "code": "sh-test-1",
    "name": "  Yuyuan Garden  ",
    "type": "STORE",
    "latitude": 31.2272,
    "longitude": 121.4920,
    "address": {"line1": "218 Anren Street, Huangpu", "city": "Shanghai", "postalCode": "200010", "country": "cn"},
    "openingHours": [
        {"day": "SUN", "opens": "10:00", "closes": "21:00"},
        {"day": "mon", "opens": "14:00", "closes": "22:00"},
        {"day": "mon", "opens": "09:00", "closes": "12:00"},
    ],
    "isPickupPoint": True,
    "shipsToHome": True,
    "priority": 50,
    "channels": ["pos", "online", "pos"],
}


async def count_rows(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


async def admin(client: GraphQLClient, engine: AsyncEngine) -> str:
    return await client.staff_token(engine, StaffRole.ADMIN)


def errors_of(payload: dict[str, Any]) -> list[tuple[str, list[str]]]:
    return [(e["code"], e["field"]) for e in payload["userErrors"]]


def top_code(body: dict[str, Any]) -> str:
    assert body.get("errors"), body
    code: str = body["errors"][0]["extensions"]["code"]
    return code


async def create(client: GraphQLClient, token: str, **changes: Any) -> dict[str, Any]:
    data = await client.data(CREATE, {"input": {**STORE_INPUT, **changes}}, token=token)
    payload: dict[str, Any] = data["locationCreate"]
    return payload


# --- create and update ----------------------------------------------------------------------------


async def test_an_admin_creates_a_store_linked_to_its_channels(client: GraphQLClient, engine: AsyncEngine) -> None:
    payload = await create(client, await admin(client, engine))
    assert payload["userErrors"] == []
    loc = payload["location"]
    assert (loc["code"], loc["name"], loc["type"], loc["priority"]) == ("SH-TEST-1", "Yuyuan Garden", "STORE", 50)
    assert (loc["latitude"], loc["longitude"], loc["isPickupPoint"], loc["shipsToHome"], loc["isActive"]) == (
        31.2272,
        121.4920,
        True,
        True,
        True,
    )
    assert loc["address"] == {
        "line1": "218 Anren Street, Huangpu",
        "city": "Shanghai",
        "postalCode": "200010",
        "country": "CN",
    }
    assert loc["openingHours"] == [
        {"day": "mon", "opens": "09:00", "closes": "12:00"},
        {"day": "mon", "opens": "14:00", "closes": "22:00"},
        {"day": "sun", "opens": "10:00", "closes": "21:00"},
    ]
    assert sorted(c["slug"] for c in loc["channels"]) == ["online", "pos"]
    node = await client.data("query($id: ID!) { node(id: $id) { ... on Location { code } } }", {"id": loc["id"]})
    assert node["node"] == {"code": "SH-TEST-1"}


async def test_an_admin_creates_a_warehouse_without_coordinates_or_channels(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    payload = await create(
        client,
        await admin(client, engine),
        code="WH-NORTH",
        type="WAREHOUSE",
        latitude=None,
        longitude=None,
        isPickupPoint=False,
        openingHours=None,
        address=None,
        channels=None,
    )
    assert payload["userErrors"] == []
    assert payload["location"]["type"] == "WAREHOUSE"
    assert payload["location"]["channels"] == [] and payload["location"]["openingHours"] == []
    assert payload["location"]["address"] == {"line1": None, "city": None, "postalCode": None, "country": None}


async def test_an_admin_updates_a_location(client: GraphQLClient, engine: AsyncEngine) -> None:
    token = await admin(client, engine)
    created = (await create(client, token))["location"]
    payload = (
        await client.data(
            UPDATE,
            {
                "id": created["id"],
                "input": {
                    "name": "Yuyuan Bazaar",
                    "code": "sh-yuyuan",
                    "openingHours": [{"day": "tue", "opens": "08:00", "closes": "20:00"}],
                    "address": {"line1": "1 Fuyou Road"},
                    "channels": ["online"],
                    "priority": 7,
                    "isActive": False,
                    "latitude": 31.2280,
                    "longitude": 121.4930,
                },
            },
            token=token,
        )
    )["locationUpdate"]
    assert payload["userErrors"] == []
    loc = payload["location"]
    assert (loc["name"], loc["code"], loc["priority"], loc["isActive"]) == ("Yuyuan Bazaar", "SH-YUYUAN", 7, False)
    assert loc["openingHours"] == [{"day": "tue", "opens": "08:00", "closes": "20:00"}]
    assert loc["address"] == {"line1": "1 Fuyou Road", "city": None, "postalCode": None, "country": None}
    assert [c["slug"] for c in loc["channels"]] == ["online"]
    assert (loc["latitude"], loc["longitude"]) == (31.2280, 121.4930)
    # Omitted fields stay; null clears what can be cleared.
    payload = (
        await client.data(UPDATE, {"id": created["id"], "input": {"openingHours": None, "address": None}}, token=token)
    )["locationUpdate"]
    loc = payload["location"]
    assert loc["openingHours"] == [] and loc["address"]["line1"] is None
    assert (loc["name"], loc["isPickupPoint"], [c["slug"] for c in loc["channels"]]) == (
        "Yuyuan Bazaar",
        True,
        ["online"],
    )


@pytest.mark.parametrize("role", [StaffRole.STORE_MANAGER, StaffRole.CASHIER, StaffRole.FULFILLMENT])
async def test_only_admins_manage_locations(client: GraphQLClient, engine: AsyncEngine, role: StaffRole) -> None:
    token = await client.staff_token(engine, role)
    before = await count_rows(engine, Location)
    assert top_code(await client.post(CREATE, {"input": STORE_INPUT}, token=token)) == "FORBIDDEN"
    some = location_gid(await add_location(engine, latitude=31.2, longitude=121.4))
    body = await client.post(UPDATE, {"id": some, "input": {"name": "Mine now"}}, token=token)
    assert top_code(body) == "FORBIDDEN"
    assert await count_rows(engine, Location) == before + 1


async def test_members_and_anonymous_callers_cannot_manage_locations(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    registered = await client.data(
        'mutation { memberRegister(input: {email: "ann@example.com", password: "open-sesame-42", name: "Ann"}) '
        "{ userErrors { code } } }"
    )
    assert registered["memberRegister"]["userErrors"] == []
    member = (
        await client.data(
            'mutation { tokenCreate(input: {identifier: "ann@example.com", '
            'password: "open-sesame-42"}) { accessToken } }'
        )
    )["tokenCreate"]["accessToken"]
    before = await count_rows(engine, Location)
    assert top_code(await client.post(CREATE, {"input": STORE_INPUT}, token=member)) == "FORBIDDEN"
    assert top_code(await client.post(CREATE, {"input": STORE_INPUT})) == "UNAUTHENTICATED"
    some = location_gid(await add_location(engine, latitude=31.2, longitude=121.4))
    assert top_code(await client.post(UPDATE, {"id": some, "input": {"name": "x"}})) == "UNAUTHENTICATED"
    assert await count_rows(engine, Location) == before + 1


async def test_every_bad_field_is_reported_and_nothing_is_written(client: GraphQLClient, engine: AsyncEngine) -> None:
    token = await admin(client, engine)
    before = (await count_rows(engine, Location), await count_rows(engine, ChannelLocation))
    payload = await create(
        client,
        token,
        code="-bad code",
        name="   ",
        priority=-1,
        address={"country": "China", "line1": "x" * 251},
        openingHours=[
            {"day": "someday", "opens": "25:00", "closes": "10:00"},
            {"day": "fri", "opens": "18:00", "closes": "09:00"},
        ],
        channels=["online", "nowhere"],
    )
    assert payload["location"] is None
    assert sorted(errors_of(payload)) == sorted(
        [
            ("INVALID", ["input", "code"]),
            ("REQUIRED", ["input", "name"]),
            ("INVALID", ["input", "priority"]),
            ("INVALID", ["input", "address", "line1"]),
            ("INVALID", ["input", "address", "country"]),
            ("INVALID", ["input", "openingHours", "0", "day"]),
            ("INVALID", ["input", "openingHours", "0", "opens"]),
            ("INVALID", ["input", "openingHours", "1", "closes"]),
            ("NOT_FOUND", ["input", "channels", "1"]),
        ]
    )
    assert all(e["message"] for e in payload["userErrors"])
    assert (await count_rows(engine, Location), await count_rows(engine, ChannelLocation)) == before


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"latitude": None, "longitude": None}, ("REQUIRED", ["input", "latitude"])),
        ({"latitude": 31.2, "longitude": None}, ("INVALID", ["input", "latitude"])),
        ({"latitude": 95.0}, ("INVALID", ["input", "latitude"])),
        ({"longitude": -180.5}, ("INVALID", ["input", "latitude"])),
        ({"type": "WAREHOUSE"}, ("INVALID", ["input", "isPickupPoint"])),
        (
            {
                "openingHours": [
                    {"day": "mon", "opens": "09:00", "closes": "13:00"},
                    {"day": "mon", "opens": "12:00", "closes": "18:00"},
                ]
            },
            ("INVALID", ["input", "openingHours"]),
        ),
        ({"code": "sh01"}, ("DUPLICATE", ["input", "code"])),  # the demo's Nanjing Road store, whatever the case
    ],
)
async def test_a_location_that_breaks_a_rule_is_refused(
    client: GraphQLClient, engine: AsyncEngine, changes: dict[str, Any], expected: tuple[str, list[str]]
) -> None:
    before = await count_rows(engine, Location)
    payload = await create(client, await admin(client, engine), **changes)
    assert errors_of(payload) == [expected]
    assert await count_rows(engine, Location) == before


async def test_an_update_is_checked_against_the_location_as_it_would_be(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    token = await admin(client, engine)
    store = (await create(client, token))["location"]["id"]
    other = (await create(client, token, code="SH-TEST-2"))["location"]["id"]
    cases: list[tuple[dict[str, Any], tuple[str, list[str]]]] = [
        ({"latitude": None, "longitude": None}, ("REQUIRED", ["input", "latitude"])),
        ({"type": "WAREHOUSE"}, ("INVALID", ["input", "isPickupPoint"])),
        ({"code": "SH-TEST-2"}, ("DUPLICATE", ["input", "code"])),
        ({"channels": ["offline"]}, ("NOT_FOUND", ["input", "channels", "0"])),
        ({"name": ""}, ("REQUIRED", ["input", "name"])),
    ]
    for changes, expected in cases:
        payload = (await client.data(UPDATE, {"id": store, "input": changes}, token=token))["locationUpdate"]
        assert (payload["location"], errors_of(payload)) == (None, [expected]), changes
    payload = (
        await client.data(
            UPDATE,
            {"id": store, "input": {"type": "WAREHOUSE", "isPickupPoint": False, "latitude": None, "longitude": None}},
            token=token,
        )
    )["locationUpdate"]
    assert payload["userErrors"] == [] and payload["location"]["type"] == "WAREHOUSE"
    payload = await client.data(UPDATE, {"id": other, "input": {"code": "sh-test-2"}}, token=token)
    assert payload["locationUpdate"]["userErrors"] == []  # its own code is not a duplicate


@pytest.mark.parametrize("location_id", [to_global_id("Location", 999_999), to_global_id("Product", 1), "junk"])
async def test_updating_a_location_that_does_not_exist_is_not_found(
    client: GraphQLClient, engine: AsyncEngine, location_id: str
) -> None:
    payload = (
        await client.data(UPDATE, {"id": location_id, "input": {"name": "Ghost"}}, token=await admin(client, engine))
    )["locationUpdate"]
    assert (payload["location"], errors_of(payload)) == (None, [("NOT_FOUND", ["id"])])


# --- listing ----------------------------------------------------------------------------------------


async def _all_locations(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as conn:
        return list((await conn.execute(sa.select(Location))).all())


async def test_stores_page_forwards_and_backwards_by_name(client: GraphQLClient, engine: AsyncEngine) -> None:
    for name in ("Aardvark Plaza", "Zebra Mall", "Mid Town", "Mid Town"):
        await add_location(engine, name=name, latitude=31.2, longitude=121.4)
    await add_location(engine, name="Aaa Depot", type=LocationType.WAREHOUSE)
    rows = [r for r in await _all_locations(engine) if r.type is LocationType.STORE]
    expected = [r.code for r in sorted(rows, key=lambda r: (r.name, r.id))]
    seen: list[str] = []
    after = None
    while True:
        page = (await client.data(LOCATIONS, {"type": "STORE", "first": 3, "after": after}))["locations"]
        seen += [e["node"]["code"] for e in page["edges"]]
        assert {e["node"]["type"] for e in page["edges"]} == {"STORE"}
        assert page["totalCount"] == len(expected)
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == expected
    back = await client.data(LOCATIONS, {"type": "STORE", "last": 2, "before": page["pageInfo"]["endCursor"]})
    assert [e["node"]["code"] for e in back["locations"]["edges"]] == expected[-3:-1]
    assert back["locations"]["pageInfo"]["hasPreviousPage"] is True


async def test_all_locations_list_stores_then_warehouses(client: GraphQLClient, engine: AsyncEngine) -> None:
    page = (await client.data(LOCATIONS, {"first": 100}))["locations"]
    types = [e["node"]["type"] for e in page["edges"]]
    assert types == sorted(types) and {"STORE", "WAREHOUSE"} <= set(types)
    warehouses = (await client.data(LOCATIONS, {"type": "WAREHOUSE"}))["locations"]["edges"]
    assert [e["node"]["code"] for e in warehouses] == ["WH01"]


async def test_inactive_locations_are_listed_for_staff_only(client: GraphQLClient, engine: AsyncEngine) -> None:
    closed = location_gid(
        await add_location(engine, name="Closed Store", is_active=False, latitude=31.2, longitude=121.4)
    )
    public = (await client.data(LOCATIONS, {"first": 100}))["locations"]
    assert closed not in {e["node"]["id"] for e in public["edges"]}
    staff = await client.data(LOCATIONS, {"first": 100}, token=await client.staff_token(engine, StaffRole.CASHIER))
    assert closed in {e["node"]["id"] for e in staff["locations"]["edges"]}
    assert staff["locations"]["totalCount"] == public["totalCount"] + 1


async def test_a_cursor_from_another_list_is_bad_input(client: GraphQLClient) -> None:
    products = await client.data("{ products(first: 1) { pageInfo { endCursor } } }")
    body = await client.post(LOCATIONS, {"after": products["products"]["pageInfo"]["endCursor"]})
    assert top_code(body) == "BAD_USER_INPUT"
    assert top_code(await client.post(LOCATIONS, {"first": 101})) == "BAD_USER_INPUT"


# --- nearby stores ---------------------------------------------------------------------------------


async def nearby(
    client: GraphQLClient, lat: float = PEOPLES_SQUARE[0], lon: float = PEOPLES_SQUARE[1], **args: Any
) -> list[dict[str, Any]]:
    stores: list[dict[str, Any]] = (await client.data(NEARBY, {"lat": lat, "lon": lon, **args}))["nearbyStores"]
    return stores


async def expected_nearby(engine: AsyncEngine, lat: float, lon: float, radius: float = 50) -> list[tuple[str, float]]:
    """(code, distance) of the active stores within `radius`, nearest first, computed independently."""
    found = [
        (r.code, distance_km(lat, lon, r.latitude, r.longitude), r.id)
        for r in await _all_locations(engine)
        if r.type is LocationType.STORE and r.is_active and r.latitude is not None
    ]
    return [(code, d) for code, d, _ in sorted((f for f in found if f[1] <= radius), key=lambda f: (f[1], f[2]))]


async def test_nearby_stores_come_closest_first_with_exact_distances(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    await add_location(engine, name="Songjiang", latitude=31.0290, longitude=121.2272)  # ~33 km away
    await add_location(engine, name="Hangzhou", latitude=30.2741, longitude=120.1551)  # ~165 km away
    await add_location(engine, name="Off", latitude=31.2305, longitude=121.4738, is_active=False)
    await add_location(engine, name="Depot", type=LocationType.WAREHOUSE, latitude=31.2306, longitude=121.4739)
    stores = await nearby(client)
    expected = await expected_nearby(engine, *PEOPLES_SQUARE)
    assert [s["location"]["code"] for s in stores] == [code for code, _ in expected]
    assert len(stores) == 5  # the demo's four stores and Songjiang, not Hangzhou, the inactive one or the depot
    for store, (_, d) in zip(stores, expected, strict=True):
        assert store["distanceKm"] == pytest.approx(d, abs=1e-9)
        assert store["available"] is None and store["location"]["type"] == "STORE"
    assert stores[0]["location"]["code"] == "SH01" and stores[0]["distanceKm"] < 1  # Nanjing Road


@pytest.mark.parametrize("radius", [0.5, 2.0, 10.0, 200.0, 1000.0])
async def test_the_radius_is_respected(client: GraphQLClient, engine: AsyncEngine, radius: float) -> None:
    await add_location(engine, name="Hangzhou", latitude=30.2741, longitude=120.1551)
    await add_location(engine, name="Beijing", latitude=39.9042, longitude=116.4074)  # ~1070 km
    stores = await nearby(client, radius=radius, first=100)
    expected = await expected_nearby(engine, *PEOPLES_SQUARE, radius=radius)
    assert [s["location"]["code"] for s in stores] == [code for code, _ in expected]
    assert all(s["distanceKm"] <= radius for s in stores)


async def test_first_takes_the_closest_few(client: GraphQLClient, engine: AsyncEngine) -> None:
    expected = await expected_nearby(engine, *PEOPLES_SQUARE)
    assert [s["location"]["code"] for s in await nearby(client, first=2)] == [c for c, _ in expected[:2]]
    assert await nearby(client, first=0) == []


async def test_stores_across_the_antimeridian_are_found(client: GraphQLClient, engine: AsyncEngine) -> None:
    east = await add_location(engine, name="Taveuni East", latitude=-16.80, longitude=179.95)
    west = await add_location(engine, name="Taveuni West", latitude=-16.80, longitude=-179.97)
    await add_location(engine, name="Too far", latitude=-16.80, longitude=178.0)
    stores = await nearby(client, -16.80, -179.99, radius=20)
    assert [s["location"]["id"] for s in stores] == [location_gid(west), location_gid(east)]
    assert stores[1]["distanceKm"] == pytest.approx(distance_km(-16.80, -179.99, -16.80, 179.95))


async def _stocked(engine: AsyncEngine) -> tuple[int, dict[str, int]]:
    """A variant with stock at some demo stores: {store code: on hand}; SH02 holds 3, 2 of them reserved."""
    variant = (await sellable_products(engine, 1))[0].variant_ids[0]
    ids = {r.code: r.id for r in await _all_locations(engine)}
    for code, on_hand, reserved in (("SH02", 3, 2), ("SH03", 7, 0), ("WH01", 40, 0)):
        await set_stock(engine, variant, ids[code], on_hand, reserved)
    await set_stock(engine, variant, ids["SH04"], 5, 5)  # all promised to orders
    return variant, {"SH01": 0, "SH02": 1, "SH03": 7, "SH04": 0}


async def test_availability_at_each_store_matches_its_stock_level(client: GraphQLClient, engine: AsyncEngine) -> None:
    variant, available = await _stocked(engine)
    stores = await nearby(client, variant=variant_gid(variant))
    assert {s["location"]["code"]: s["available"] for s in stores} == available
    levels = await client.data(
        "query($id: ID!) { node(id: $id) { ... on ProductVariant { stockLevels { available location { code } } } } }",
        {"id": variant_gid(variant)},
    )
    by_store = {lv["location"]["code"]: lv["available"] for lv in levels["node"]["stockLevels"]}
    assert {s["location"]["code"]: s["available"] for s in stores} == {c: by_store.get(c, 0) for c in available}


async def test_in_stock_only_finds_the_closest_store_that_has_it(client: GraphQLClient, engine: AsyncEngine) -> None:
    variant, available = await _stocked(engine)
    stores = await nearby(client, variant=variant_gid(variant), inStock=True)
    expected = [code for code, _ in await expected_nearby(engine, *PEOPLES_SQUARE) if available.get(code)]
    assert [s["location"]["code"] for s in stores] == expected == ["SH02", "SH03"]
    assert all(s["available"] > 0 for s in stores)
    assert [
        s["location"]["code"] for s in await nearby(client, variant=variant_gid(variant), inStock=True, first=1)
    ] == ["SH02"]
    assert await nearby(client, variant=variant_gid(variant), inStock=False, first=1) != []


async def test_a_channel_narrows_the_search_to_its_stores(client: GraphQLClient, engine: AsyncEngine) -> None:
    pos_only = await add_location(engine, name="Till only", channels=["pos"], latitude=31.2310, longitude=121.4740)
    online = {s["location"]["id"] for s in await nearby(client, channel="online")}
    pos = [s["location"]["id"] for s in await nearby(client, channel="pos")]
    assert location_gid(pos_only) not in online and pos[0] == location_gid(pos_only)
    assert top_code(await client.post(NEARBY, {"lat": 31.2, "lon": 121.4, "channel": "nowhere"})) == "NOT_FOUND"


@pytest.mark.parametrize(
    "args",
    [
        {"lat": 90.5},
        {"lat": -91.0},
        {"lon": 180.1},
        {"lon": -181.0},
        {"radius": 0.0},
        {"radius": -5.0},
        {"radius": 1000.5},
        {"first": 101},
        {"first": -1},
        {"variant": "junk"},
        {"variant": to_global_id("Product", 1)},
        {"variant": to_global_id("ProductVariant", 999_999)},
        {"inStock": True},
    ],
)
async def test_bad_nearby_arguments_are_bad_user_input(client: GraphQLClient, args: dict[str, Any]) -> None:
    body = await client.post(NEARBY, {"lat": 31.2, "lon": 121.4, **args})
    assert top_code(body) == "BAD_USER_INPUT"
    assert body["errors"][0]["message"]


async def test_nearby_stores_cost_the_same_few_statements_however_many_stores(
    client: GraphQLClient, engine: AsyncEngine, statements: StatementCounter
) -> None:
    variant, _ = await _stocked(engine)
    query = NEARBY.replace("location {", "location { channels { slug } openingHours { day } address { city } ")
    variables = {
        "lat": PEOPLES_SQUARE[0],
        "lon": PEOPLES_SQUARE[1],
        "variant": variant_gid(variant),
        "channel": "online",
        "first": 100,
    }
    await client.data(query, variables)  # the channel is looked up once, then cached (schema/channels/cache.py)
    counts = []
    for extra in (0, 40):
        for i in range(extra):
            store = await add_location(engine, latitude=31.20 + i / 500, longitude=121.45 + i / 700)
            await set_stock(engine, variant, store, 1 + i % 3)
        statements.reset()
        stores = (await client.data(query, variables))["nearbyStores"]
        counts.append((len(stores), statements.count))
    assert counts[1][0] == counts[0][0] + 40
    # variant, candidate stores, the stores, their channel links, those channels
    assert counts[0][1] == counts[1][1] == 5, counts


async def test_the_candidate_query_searches_the_latitude_longitude_index(engine: AsyncEngine) -> None:
    """SQLite has no statistics until ANALYZE; it must still pick the box's index, not scan every store."""
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL plans from its statistics")
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        captured.append((statement, parameters))

    box = bounding_box(*PEOPLES_SQUARE, 5.0)
    sa.event.listen(engine.sync_engine, "before_cursor_execute", capture)
    try:
        async with create_session_factory(engine)() as session:
            await SqlLocationRepository(session).store_candidates(box, channel_id=1, variant_id=1)
    finally:
        sa.event.remove(engine.sync_engine, "before_cursor_execute", capture)
    statement, parameters = captured[-1]
    async with engine.connect() as conn:
        plan = " ".join(str(r[-1]) for r in await conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters))
    assert "locations USING INDEX ix_locations_lat_lon" in plan, plan


# --- staff at a store ------------------------------------------------------------------------------


async def test_a_staff_user_shows_the_store_they_work_at(client: GraphQLClient, engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        store = await conn.scalar(sa.select(Location.id).where(Location.code == "SH02"))
    async with create_session_factory(engine)() as session:
        uow = SqlUnitOfWork(session)
        async with uow.transaction():
            await create_staff(
                uow,
                Argon2Hasher(time_cost=1, memory_cost=8),
                "till@example.com",
                "Till",
                StaffRole.CASHIER,
                STAFF_PASSWORD,
                store,
            )
    signed_in = await client.data(
        'mutation($p: String!) { staffTokenCreate(input: {email: "till@example.com", password: $p}) { accessToken } }',
        {"p": STAFF_PASSWORD},
    )
    token = signed_in["staffTokenCreate"]["accessToken"]
    me = await client.data("{ staffMe { location { code name type } } }", token=token)
    assert me["staffMe"]["location"] == {"code": "SH02", "name": "Xintiandi", "type": "STORE"}
    admin_me = await client.data("{ staffMe { location { code } } }", token=await admin(client, engine))
    assert admin_me["staffMe"]["location"] is None


# --- the command line (not through the graph; needs no second backend) ------------------------------


@pytest.fixture
async def cli_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A migrated SQLite file with one store, SH07, named by DATABASE_URL."""
    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    db = create_engine(url)
    try:
        await upgrade(db)
        async with db.begin() as conn:
            await conn.execute(
                sa.insert(Location).values(
                    code="SH07", name="People's Square", type=LocationType.STORE, latitude=31.23, longitude=121.47
                )
            )
    finally:
        await db.dispose()
    for name, value in {"DATABASE_URL": url, "PASSWORD_TIME_COST": "1", "PASSWORD_MEMORY_KIB": "8"}.items():
        monkeypatch.setenv(name, value)
    return url


async def staff_create(*args: str) -> Result:
    """Run `omnishop staff-create` (which runs its own event loop, hence the thread)."""
    return await asyncio.to_thread(CliRunner().invoke, cli, ["staff-create", *args])


async def staff_locations(url: str, email: str) -> list[int | None]:
    db = create_engine(url)
    try:
        async with db.connect() as conn:
            return list((await conn.scalars(sa.select(StaffUser.location_id).where(StaffUser.email == email))).all())
    finally:
        await db.dispose()


async def test_staff_create_puts_a_cashier_at_a_store_by_its_code(cli_database: str) -> None:
    result = await staff_create(
        "--email", "c@example.com", "--password", "till-pass-1", "--role", "cashier", "--location", "sh07"
    )
    assert result.exit_code == 0, result.output
    assert await staff_locations(cli_database, "c@example.com") == [1]


async def test_staff_create_with_an_unknown_location_fails_clearly(cli_database: str) -> None:
    result = await staff_create(
        "--email", "m@example.com", "--password", "till-pass-1", "--role", "store_manager", "--location", "XX99"
    )
    assert result.exit_code == 1
    assert "XX99" in result.output and "location" in result.output
    assert await staff_locations(cli_database, "m@example.com") == []
