"""The data centre's rules without a database: business days, periods, groupings, one currency, who
reads which store, and what each order event adds to the rollups."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from domain.access.model import ANONYMOUS, AccessDenied, AppScope, SignInRequired, StaffRole, app, member, staff
from domain.errors import Code, DomainError
from domain.reports.access import check_head_office, report_locations
from domain.reports.model import (
    ReportDimension,
    ReportFilter,
    RowKey,
    SalesFigures,
    SalesRow,
    business_date,
    checked_filter,
    grouping,
    one_currency,
    period_start,
    regroup,
)
from domain.reports.rollup import (
    CategoryOrderKey,
    CountedEvent,
    Happening,
    LineKey,
    OrderKey,
    Rollup,
    SoldLine,
    SoldOrder,
    returned_value,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
STORE, OTHER_STORE = 3, 4


def test_a_business_day_is_the_date_on_the_shops_calendar() -> None:
    assert business_date(datetime(2026, 3, 1, 15, 59, tzinfo=UTC), SHANGHAI) == date(2026, 3, 1)
    assert business_date(datetime(2026, 3, 1, 16, 0, tzinfo=UTC), SHANGHAI) == date(2026, 3, 2)  # midnight there


def test_weeks_start_on_monday_and_months_on_the_first() -> None:
    sunday = date(2026, 3, 8)
    assert period_start(sunday, ReportDimension.WEEK) == date(2026, 3, 2)
    assert period_start(sunday, ReportDimension.MONTH) == date(2026, 3, 1)
    assert period_start(sunday, ReportDimension.DAY) == sunday


def test_one_period_at_most_and_each_dimension_once() -> None:
    assert grouping([ReportDimension.CHANNEL, ReportDimension.DAY, ReportDimension.CHANNEL]) == (
        ReportDimension.CHANNEL,
        ReportDimension.DAY,
    )
    with pytest.raises(DomainError) as refused:
        grouping([ReportDimension.DAY, ReportDimension.WEEK])
    assert refused.value.field == ["groupBy"]


def test_a_period_runs_forwards_and_is_at_most_three_years() -> None:
    with pytest.raises(DomainError):
        checked_filter(ReportFilter(date(2026, 2, 2), date(2026, 2, 1)))
    with pytest.raises(DomainError):
        checked_filter(ReportFilter(date(2020, 1, 1), date(2026, 1, 1)))
    assert checked_filter(ReportFilter(date(2026, 1, 1), date(2026, 1, 1))).start == date(2026, 1, 1)


def test_a_report_adds_amounts_of_one_currency_only() -> None:
    assert one_currency({"CNY"}) == "CNY"
    assert one_currency(set()) is None
    with pytest.raises(DomainError) as refused:
        one_currency({"CNY", "HKD"})
    assert refused.value.code is Code.CURRENCY_INVALID


def test_head_office_and_reporting_apps_read_every_store_or_the_ones_they_name() -> None:
    admin = staff(1, StaffRole.ADMIN)
    bi = app(2, frozenset({AppScope.REPORTS_READ}))
    assert report_locations(admin, None) is None
    assert report_locations(bi, (OTHER_STORE,)) == (OTHER_STORE,)
    check_head_office(bi)


def test_a_store_manager_reads_their_store_and_naming_another_is_refused() -> None:
    manager = staff(1, StaffRole.STORE_MANAGER, STORE)
    assert report_locations(manager, None) == (STORE,)
    assert report_locations(manager, (STORE,)) == (STORE,)
    with pytest.raises(AccessDenied):
        report_locations(manager, (STORE, OTHER_STORE))
    with pytest.raises(AccessDenied):
        report_locations(staff(1, StaffRole.STORE_MANAGER), None)  # a manager of no store
    with pytest.raises(AccessDenied):
        check_head_office(manager)


@pytest.mark.parametrize(
    "caller",
    [staff(1, StaffRole.CASHIER, STORE), member(5), app(2, frozenset({AppScope.ORDERS_READ}))],
)
def test_tills_members_and_other_apps_read_no_reports(caller: object) -> None:
    with pytest.raises(AccessDenied):
        report_locations(caller, None)  # type: ignore[arg-type]


def test_anonymous_callers_are_asked_to_sign_in() -> None:
    with pytest.raises(SignInRequired):
        report_locations(ANONYMOUS, None)


def test_a_line_returned_in_parts_returns_exactly_its_total() -> None:
    line = SoldLine(1, 7, 70, 700, 3, Decimal("9.99"), Decimal("25.47"))  # 3 x 9.99, 15 % off: odd cents
    parts = [returned_value(line, before, 1, "CNY") for before in range(3)]
    assert sum(parts) == line.total
    assert parts == [Decimal("8.49"), Decimal("8.49"), Decimal("8.49")]
    assert returned_value(line, 0, 3, "CNY") == line.total


ORDER = SoldOrder(
    10,
    channel_id=1,
    location_id=STORE,
    member_id=5,
    currency="CNY",
    lines=(
        SoldLine(1, 7, 70, 700, 2, Decimal("50.00"), Decimal("85.00")),
        SoldLine(2, 8, 80, 700, 1, Decimal("120.00"), Decimal("102.00")),
        SoldLine(3, 9, 90, 0, 3, Decimal("9.99"), Decimal("29.97")),
    ),
)
PAID = datetime(2026, 3, 1, 17, 0, tzinfo=UTC)  # 2 March in Shanghai
RETURNED = datetime(2026, 3, 3, 2, 0, tzinfo=UTC)  # 3 March


def test_a_sale_counts_its_lines_and_the_order_once_per_store_and_per_category() -> None:
    r = Rollup(SHANGHAI)
    r.count(CountedEvent(1, 10, Happening.SALE, PAID), ORDER)
    day = date(2026, 3, 2)
    shoes = r.lines[LineKey(day, 1, STORE, 700, 70, 7)]
    assert (shoes.units_sold, shoes.gross, shoes.discounts) == (2, Decimal("100.00"), Decimal("15.00"))
    store = r.stores[OrderKey(day, 1, STORE)]
    assert (store.orders, store.units_sold, store.gross, store.discounts) == (
        1,
        6,
        Decimal("249.97"),
        Decimal("33.00"),
    )
    assert {k: f.orders for k, f in r.categories.items()} == {
        CategoryOrderKey(day, 1, STORE, 700): 1,
        CategoryOrderKey(day, 1, STORE, 0): 1,
    }
    assert r.categories[CategoryOrderKey(day, 1, STORE, 700)].gross == Decimal("220.00")
    assert sum(r.members.values()) == 1


def test_a_return_counts_on_its_own_day_after_the_earlier_returns_of_the_line() -> None:
    r = Rollup(SHANGHAI)
    r.count(CountedEvent(5, 10, Happening.RETURN, RETURNED, {1: 1}), ORDER, [{1: 1}])
    back = r.lines[LineKey(date(2026, 3, 3), 1, STORE, 700, 70, 7)]
    assert (back.units_returned, back.returns, back.units_sold) == (1, Decimal("42.50"), 0)
    assert [(f.orders, f.returns) for f in r.stores.values()] == [(0, Decimal("42.50"))]


def test_a_paid_order_cancelled_gives_everything_back_that_day() -> None:
    r = Rollup(SHANGHAI)
    r.count(CountedEvent(6, 10, Happening.CANCEL, RETURNED), ORDER)
    assert sum(f.returns for f in r.lines.values()) == Decimal("216.97")
    assert sum(f.units_returned for f in r.lines.values()) == 6


def test_periods_fold_days_and_figures_add_up() -> None:
    rows = [
        SalesRow(RowKey(date(2026, 3, 2), 1), SalesFigures(1, 2, Decimal(100), Decimal(15), Decimal(0))),
        SalesRow(RowKey(date(2026, 3, 8), 1), SalesFigures(1, 1, Decimal(50), Decimal(0), Decimal(10))),
        SalesRow(RowKey(date(2026, 3, 9), 1), SalesFigures(2, 3, Decimal(30), Decimal(0), Decimal(0))),
    ]
    weeks = regroup(rows, (ReportDimension.WEEK, ReportDimension.CHANNEL))
    assert [(w.key.day, w.figures.orders, w.figures.net) for w in weeks] == [
        (date(2026, 3, 2), 2, Decimal(125)),
        (date(2026, 3, 9), 2, Decimal(30)),
    ]
    assert weeks[0].figures.average_order_value("CNY") == Decimal("67.50")
    assert SalesFigures().average_order_value("CNY") is None
