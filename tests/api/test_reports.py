"""The data centre as its readers meet it: who may read which figures, what a filter may ask, the
figures following a sale within moments while `serve` runs, and a report's fixed cost in statements."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.report_feeder import ReportFeeder
from api.settings import Settings
from db.demo import seed_demo
from db.engine import create_session_factory
from db.models import Channel, Order
from domain.access.model import StaffRole
from domain.orders.model import OrderStatus
from tests.api.test_apps import create_app as app_create
from tests.helpers import GraphQLClient, StatementCounter, until
from tests.inventory_fixtures import location_gid
from tests.report_fixtures import ZONE, Trading, fixture_settings, fixture_trading, open_trading, trade  # noqa: F401 (pytest fixtures)

SALES_BY_DAY_AND_STORE = """query($filter: ReportFilter!, $groupBy: [ReportDimension!] = [DAY, LOCATION]) {
  salesReport(filter: $filter, groupBy: $groupBy) {
    totals { orders units net { amount } gross { amount currency } }
    rows { date location { id name } figures { orders units net { amount } } } } }"""
MEMBERS = """query($filter: ReportFilter!) {
  memberReport(filter: $filter) { newMembers activeMembers returningMembers repeatRate } }"""


def today() -> dict[str, str]:
    day = datetime.now(UTC).astimezone(ZONE).date()
    return {"from": str(day - timedelta(days=1)), "to": str(day + timedelta(days=1))}


async def sales(t: Trading, token: str | None, **filter: Any) -> dict[str, Any]:
    return await t.shop.client.post(SALES_BY_DAY_AND_STORE, {"filter": {**today(), **filter}}, token=token)


def code(body: dict[str, Any]) -> str:
    return str(body["errors"][0]["extensions"]["code"])


async def test_a_store_manager_reads_their_store_only_and_naming_another_is_forbidden(trading: Trading) -> None:
    shop = trading.shop
    manager = await shop.client.staff_token(
        shop.engine, StaffRole.STORE_MANAGER, email="sm@example.com", location_id=shop.store_a
    )
    own = (await sales(trading, manager))["data"]["salesReport"]
    assert own["rows"] and {r["location"]["id"] for r in own["rows"]} == {location_gid(shop.store_a)}
    everything = (await sales(trading, trading.admin))["data"]["salesReport"]
    assert everything["totals"]["orders"] > own["totals"]["orders"]  # deliveries belong to no store
    assert (await sales(trading, manager, locationIds=[location_gid(shop.store_a)]))["data"] == {"salesReport": own}
    other = await sales(trading, manager, locationIds=[location_gid(shop.store_b)])
    assert code(other) == "FORBIDDEN" and other["data"] is None


@pytest.mark.parametrize("role", [StaffRole.CASHIER, StaffRole.FULFILLMENT])
async def test_till_and_warehouse_staff_read_no_reports(trading: Trading, role: StaffRole) -> None:
    shop = trading.shop
    token = await shop.client.staff_token(shop.engine, role, email="s@example.com", location_id=shop.store_a)
    assert code(await sales(trading, token)) == "FORBIDDEN"


async def test_members_are_refused_and_guests_asked_to_sign_in(trading: Trading) -> None:
    assert code(await sales(trading, trading.members[0].token)) == "FORBIDDEN"
    assert code(await sales(trading, None)) == "UNAUTHENTICATED"


async def test_an_app_reads_reports_with_the_reports_scope_only(trading: Trading) -> None:
    client = trading.shop.client
    reporting = (await app_create(client, trading.admin, ["REPORTS_READ"], name="BI"))["token"]
    other = (await app_create(client, trading.admin, ["ORDERS_READ"], name="ERP"))["token"]
    assert (await sales(trading, reporting))["data"] == await client.data(
        SALES_BY_DAY_AND_STORE, {"filter": today()}, token=trading.admin
    )
    assert code(await sales(trading, other)) == "FORBIDDEN"


async def test_a_report_covers_one_currency(trading: Trading, demo: AsyncEngine) -> None:
    changed = {"slug": "hk", "currency": "HKD", "is_default": False}
    columns = [c for c in Channel.__table__.columns if c.name != "id"]  # a copy of online, in one statement
    copy = sa.select(*(sa.literal(changed[c.name], c.type) if c.name in changed else c for c in columns))
    async with demo.begin() as conn:
        await conn.execute(sa.insert(Channel).from_select(columns, copy.where(Channel.slug == "online")))
    mixed = await sales(trading, trading.admin)
    assert code(mixed) == "BAD_USER_INPUT" and "one currency" in mixed["errors"][0]["message"]
    assert code(await sales(trading, trading.admin, channels=["online", "hk"])) == "BAD_USER_INPUT"
    one = (await sales(trading, trading.admin, channels=["online", "pos"]))["data"]["salesReport"]
    assert one["totals"]["gross"]["currency"] == "CNY" and one["totals"]["orders"] > 0
    assert code(await sales(trading, trading.admin, channels=["nowhere"])) == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("filter", "group_by"),
    [({"from": "2026-02-02", "to": "2026-02-01"}, None), ({}, ["DAY", "MONTH"]), ({"from": "2020-01-01"}, None)],
)
async def test_a_period_backwards_two_periods_or_years_of_days_are_bad_input(
    trading: Trading, filter: dict[str, str], group_by: list[str] | None
) -> None:
    body = await trading.shop.client.post(
        SALES_BY_DAY_AND_STORE, {"filter": {**today(), **filter}, "groupBy": group_by}, token=trading.admin
    )
    assert code(body) == "BAD_USER_INPUT"


async def test_members_new_active_returning_and_repeating(trading: Trading) -> None:
    report = (await trading.shop.client.data(MEMBERS, {"filter": today()}, token=trading.admin))["memberReport"]
    assert report["newMembers"] == 2  # the two who registered today
    assert 1 <= report["activeMembers"] <= 2 and report["returningMembers"] == 0
    assert 0 <= report["repeatRate"] <= 1


async def test_a_sale_reaches_the_figures_at_once_while_serve_runs(
    client: GraphQLClient, demo: AsyncEngine, settings: Settings
) -> None:
    """The feed in `serve` counts a payment moments after it commits: the request that paid wakes it
    (its own interval here is far longer than the test waits)."""
    t = await open_trading(client, demo)
    app = create_app(settings.model_copy(update={"reports_interval": 60}), engine=demo)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as http,
    ):
        serving = GraphQLClient(http)
        assert (await serving.data(SALES_BY_DAY_AND_STORE, {"filter": today()}, token=t.admin))["salesReport"][
            "totals"
        ]["orders"] == 0
        await trade(replace(t, shop=replace(t.shop, client=serving)), orders=1)  # a till sale

        async def counted() -> bool:
            body = await serving.data(SALES_BY_DAY_AND_STORE, {"filter": today()}, token=t.admin)
            return bool(body["salesReport"]["totals"]["orders"] == 1)

        await until(counted, "the sale in the figures", seconds=5)


async def test_a_report_costs_the_same_statements_for_6_or_12_orders(
    trading: Trading, statements: StatementCounter
) -> None:
    async def cost() -> int:
        statements.reset()
        await trading.shop.client.data(SALES_BY_DAY_AND_STORE, {"filter": today()}, token=trading.admin)
        return statements.count

    few = await cost()
    await trade(trading, orders=6, seed=8)
    await ReportFeeder(create_session_factory(trading.shop.engine), ZONE, interval=1).catch_up()
    assert await cost() == few
    assert few == 4  # the caller (staff), the channels, the figures, the stores


async def test_after_the_demo_orders_the_reports_answer_by_day_channel_store_and_category(
    client: GraphQLClient, engine: AsyncEngine
) -> None:
    await seed_demo(engine, products=60, members=30, orders=150)
    assert await ReportFeeder(create_session_factory(engine), ZONE, interval=1).catch_up() > 150
    admin = await client.staff_token(engine, StaffRole.ADMIN)
    async with engine.connect() as conn:
        orders = (await conn.execute(sa.select(Order.status, Order.total, Order.created_at))).all()
    first = min(o.created_at for o in orders).astimezone(ZONE).date() - timedelta(days=1)
    last = max(o.created_at for o in orders).astimezone(ZONE).date() + timedelta(days=10)
    period = {"from": str(first), "to": str(last)}
    document = SALES_BY_DAY_AND_STORE.replace("rows {", "rows { channel { slug } category { name }")
    for group_by in (["DAY", "LOCATION"], ["MONTH", "CHANNEL"], ["CATEGORY"]):
        report = (await client.data(document, {"filter": period, "groupBy": group_by}, token=admin))["salesReport"]
        totals = report["totals"]
        assert totals["orders"] == len(orders)  # every demo order was paid
        assert Decimal(totals["gross"]["amount"]) == sum(o.total for o in orders)  # no discounts, no shipping
        cancelled = sum(o.total for o in orders if o.status is OrderStatus.CANCELLED)
        assert Decimal(totals["net"]["amount"]) == sum(o.total for o in orders) - cancelled
        assert sum(r["figures"]["units"] for r in report["rows"]) == totals["units"]
    assert len({r["category"]["name"] for r in report["rows"] if r["category"]}) > 3


BY_CHANNEL_AND_STORE = """query($filter: ReportFilter!) {
  salesReport(filter: $filter, groupBy: [DAY, CHANNEL, LOCATION]) { rows { %s figures { orders } } } }"""
WHERE = "fragment Where on SalesReportRow { channel { slug } ... on SalesReportRow { store: location { code } } }"


async def test_rows_load_the_channels_and_stores_they_select_once_through_fragments_and_aliases(
    trading: Trading, statements: StatementCounter
) -> None:
    async def rows(selection: str, fragments: str = "") -> tuple[list[dict[str, Any]], int]:
        statements.reset()
        query = BY_CHANNEL_AND_STORE % selection + fragments
        body = await trading.shop.client.data(query, {"filter": today()}, token=trading.admin)
        return body["salesReport"]["rows"], statements.count

    named, cost = await rows("...Where date", WHERE)
    direct, _ = await rows("date channel { slug } location { code }")
    assert [(r["channel"], r["store"]) for r in named] == [(r["channel"], r["location"]) for r in direct]
    assert all(r["channel"] for r in named) and any(r["store"] for r in named)
    assert cost == 5  # the caller, the channels, the figures, then the rows' channels and stores: one batch each
    bare, bare_cost = await rows("date")
    assert [r["figures"] for r in bare] == [r["figures"] for r in named] and bare_cost == 3
