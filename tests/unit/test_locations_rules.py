"""Location rules without a database: codes, opening hours, addresses, the arguments of a
nearby-stores search and the ranking. The use cases are in test_location_services.py."""

from __future__ import annotations

import math
from typing import Any

import pytest

from domain.errors import DomainError, DomainErrors
from domain.inventory import locations as rules
from domain.inventory.locations import Candidate, NearbySearch, OpeningHours
from domain.inventory.model import bounding_box, distance_km

FIELD = ["input", "x"]


def problems(error: DomainError) -> list[tuple[str, list[str] | None]]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [(e.code, e.field) for e in errors]


# --- codes, countries, priorities -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("SH01", "SH01"), (" sh01 ", "SH01"), ("wh-north-2", "WH-NORTH-2"), ("7", "7"), ("A" * 32, "A" * 32)],
)
def test_a_code_is_stored_upper_case(raw: str, stored: str) -> None:
    assert rules.normalize_code(raw, FIELD) == stored


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "REQUIRED"),
        ("   ", "REQUIRED"),
        ("-SH01", "INVALID"),
        ("SH 01", "INVALID"),
        ("SH_01", "INVALID"),
        ("A" * 33, "INVALID"),
        ("上海01", "INVALID"),
    ],
)
def test_a_bad_code_is_refused(raw: str, code: str) -> None:
    with pytest.raises(DomainError) as e:
        rules.normalize_code(raw, FIELD)
    assert (e.value.code, e.value.field) == (code, FIELD)


def test_a_country_is_two_letters_upper_cased_and_blank_is_none() -> None:
    assert rules.validate_country(" cn ", FIELD) == "CN"
    assert rules.validate_country("", FIELD) is None and rules.validate_country(None, FIELD) is None
    for bad in ("CHN", "C", "C1", "中国"):
        with pytest.raises(DomainError):
            rules.validate_country(bad, FIELD)


@pytest.mark.parametrize(("priority", "ok"), [(0, True), (10_000, True), (-1, False), (10_001, False)])
def test_a_priority_is_between_0_and_10000(priority: int, ok: bool) -> None:
    if ok:
        assert rules.validate_priority(priority, FIELD) == priority
    else:
        with pytest.raises(DomainError):
            rules.validate_priority(priority, FIELD)


# --- opening hours -----------------------------------------------------------------------------------


def test_opening_hours_come_back_in_week_order_with_lower_case_days() -> None:
    hours = [
        OpeningHours("SUN", "10:00", "18:00"),
        OpeningHours("mon", "13:00", "21:00"),
        OpeningHours(" Mon ", "08:30", "12:00"),
    ]
    assert rules.validate_opening_hours(hours, FIELD) == [
        OpeningHours("mon", "08:30", "12:00"),
        OpeningHours("mon", "13:00", "21:00"),
        OpeningHours("sun", "10:00", "18:00"),
    ]


def test_every_bad_opening_period_is_named_by_its_index() -> None:
    hours = [
        OpeningHours("funday", "9:00", "24:00"),
        OpeningHours("tue", "10:00", "10:00"),
        OpeningHours("wed", "22:00", "06:00"),
    ]
    with pytest.raises(DomainError) as e:
        rules.validate_opening_hours(hours, FIELD)
    assert problems(e.value) == [
        ("INVALID", [*FIELD, "0", "day"]),
        ("INVALID", [*FIELD, "0", "opens"]),
        ("INVALID", [*FIELD, "0", "closes"]),
        ("INVALID", [*FIELD, "1", "closes"]),
        ("INVALID", [*FIELD, "2", "closes"]),
    ]


def test_opening_periods_of_one_day_cannot_overlap_but_may_touch() -> None:
    touching = [OpeningHours("fri", "09:00", "12:00"), OpeningHours("fri", "12:00", "18:00")]
    assert len(rules.validate_opening_hours(touching, FIELD)) == 2
    with pytest.raises(DomainError, match="overlap"):
        rules.validate_opening_hours([OpeningHours("fri", "09:00", "12:30"), *touching[1:]], FIELD)
    assert (
        len(
            rules.validate_opening_hours(
                [OpeningHours("fri", "09:00", "12:30"), OpeningHours("sat", "09:00", "12:30")], FIELD
            )
        )
        == 2
    )


def test_at_most_three_periods_a_day_on_average() -> None:
    with pytest.raises(DomainError):
        rules.validate_opening_hours([OpeningHours("mon", "00:00", "00:01")] * 22, FIELD)


# --- nearby stores -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((90.01, 0.0), "latitude"),
        ((-90.5, 0.0), "latitude"),
        ((math.nan, 0.0), "latitude"),
        ((0.0, 180.01), "longitude"),
        ((0.0, -math.inf), "longitude"),
        ((0.0, 0.0, 0.0), "radiusKm"),
        ((0.0, 0.0, -1.0), "radiusKm"),
        ((0.0, 0.0, 1000.001), "radiusKm"),
        ((0.0, 0.0, math.inf), "radiusKm"),
        ((0.0, 0.0, None, 101), "first"),
        ((0.0, 0.0, None, -1), "first"),
    ],
)
def test_bad_search_arguments_name_the_argument(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(DomainError) as e:
        rules.nearby_search(*args)
    assert (e.value.code, e.value.field) == ("INVALID", [field])


def test_only_a_search_for_a_variant_can_ask_for_stores_that_have_it() -> None:
    with pytest.raises(DomainError) as e:
        rules.nearby_search(0, 0, in_stock_only=True)
    assert (e.value.code, e.value.field, e.value.message) == (
        "INVALID",
        ["inStockOnly"],
        "`inStockOnly` needs a `variantId`.",
    )
    assert rules.nearby_search(0, 0, in_stock_only=True, with_variant=True).in_stock_only
    assert not rules.nearby_search(0, 0, with_variant=True).in_stock_only


def test_a_search_defaults_to_50_km_and_20_stores() -> None:
    assert rules.nearby_search(90, -180) == NearbySearch(90, -180, 50.0, 20)
    assert rules.nearby_search(0, 0, 1000, 100) == NearbySearch(0, 0, 1000, 100)


def test_nearest_sorts_by_exact_distance_drops_the_far_and_takes_the_first() -> None:
    origin = (31.2304, 121.4737)
    candidates = [
        Candidate(1, 31.3006, 121.5148, 3),
        Candidate(2, 31.2355, 121.4793, 0),
        Candidate(3, 30.2741, 120.1551, 9),
        Candidate(4, 31.2197, 121.4752, None),
    ]
    found = rules.nearest(NearbySearch(*origin, radius_km=50, limit=20), candidates)
    assert [f.location_id for f in found] == [2, 4, 1]
    assert [f.available for f in found] == [0, None, 3]
    for f, c in zip(found, [candidates[1], candidates[3], candidates[0]], strict=True):
        assert f.distance_km == distance_km(*origin, c.latitude, c.longitude)
    assert [f.location_id for f in rules.nearest(NearbySearch(*origin, limit=2), candidates)] == [2, 4]
    assert rules.nearest(NearbySearch(*origin, limit=0), candidates) == []


def test_equally_far_stores_are_ordered_by_id() -> None:
    same = [Candidate(k, 10.0, 20.0) for k in (5, 3, 4)]
    assert [f.location_id for f in rules.nearest(NearbySearch(10.0, 20.1), same)] == [3, 4, 5]


@pytest.mark.parametrize(("lat", "lon"), [(31.23, 121.47), (-16.8, 179.99), (-16.8, -179.99), (89.9, 0.0)])
def test_every_store_within_the_radius_is_inside_the_prefilter_box(lat: float, lon: float) -> None:
    radius = 100.0
    box = bounding_box(lat, lon, radius)
    for bearing in range(0, 360, 15):
        # A point `radius - 0.01` km away in direction `bearing` (spherical destination formula).
        d, b, p1, l1 = (radius - 0.01) / 6371.0088, math.radians(bearing), math.radians(lat), math.radians(lon)
        p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
        l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
        plat, plon = math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180
        assert distance_km(lat, lon, plat, plon) <= radius
        assert box.min_lat <= plat <= box.max_lat
        inside = (plon >= box.min_lon or plon <= box.max_lon) if box.wraps else box.min_lon <= plon <= box.max_lon
        assert inside, (bearing, plat, plon, box)
