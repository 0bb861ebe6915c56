"""Inventory rules without a database: where an order's units come from, distances, boxes, quantities."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import DomainError
from domain.inventory.model import (
    EARTH_RADIUS_KM,
    MAX_QUANTITY,
    Allocation,
    BoundingBox,
    FulfilmentMethod,
    Line,
    LocationType,
    Routing,
    Source,
    allocate,
    bounding_box,
    distance_km,
    validate_coordinates,
    validate_quantity,
)

WAREHOUSE, STORE = LocationType.WAREHOUSE, LocationType.STORE
DELIVERY, PICKUP = FulfilmentMethod.DELIVERY, FulfilmentMethod.PICKUP
IN_STORE, ENDLESS_AISLE = FulfilmentMethod.IN_STORE, FulfilmentMethod.ENDLESS_AISLE

SHANGHAI = (31.2304, 121.4737)
BEIJING = (39.9042, 116.4074)
HANGZHOU = (30.2741, 120.1551)
GUANGZHOU = (23.1291, 113.2644)


def src(
    location_id: int,
    type_: LocationType = STORE,
    priority: int = 100,
    at: tuple[float, float] | None = None,
    **available: int,
) -> Source:
    """A source whose stock is given as v<id>=units."""
    return Source(
        location_id,
        type_,
        priority,
        {int(k[1:]): n for k, n in available.items()},
        at[0] if at else None,
        at[1] if at else None,
    )


def where(allocations: list[Allocation]) -> list[tuple[str, int, int]]:
    return [(a.line_key, a.location_id, a.quantity) for a in allocations]


def short(error: pytest.ExceptionInfo[DomainError]) -> tuple[str, list[str] | None]:
    return error.value.code, error.value.field


# ---------------------------------------------------------------------------- PICKUP and IN_STORE


@pytest.mark.parametrize("method", [PICKUP, IN_STORE])
def test_a_store_sale_takes_everything_from_that_store(method: FulfilmentMethod) -> None:
    sources = [src(1, WAREHOUSE, priority=1, v7=100, v8=100), src(2, v7=2, v8=5), src(3, v7=50)]
    lines = [Line("a", 7, 2), Line("b", 8, 5)]
    assert where(allocate(lines, sources, method, location_id=2)) == [("a", 2, 2), ("b", 2, 5)]


@pytest.mark.parametrize("method", [PICKUP, IN_STORE])
def test_a_store_sale_never_falls_back_to_other_locations(method: FulfilmentMethod) -> None:
    sources = [src(1, WAREHOUSE, v7=100, v8=100), src(2, v7=2, v8=4)]
    with pytest.raises(DomainError) as error:
        allocate([Line("a", 7, 2), Line("b", 8, 5)], sources, method, location_id=2)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "b"])
    assert "4" in error.value.message and "5" in error.value.message


@pytest.mark.parametrize("method", [PICKUP, IN_STORE])
def test_a_store_that_is_not_among_the_sources_has_nothing(method: FulfilmentMethod) -> None:
    with pytest.raises(DomainError) as error:
        allocate([Line("only", 7, 1)], [src(1, v7=10)], method, location_id=99)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "only"])


@pytest.mark.parametrize("method", [PICKUP, IN_STORE])
def test_a_store_sale_counts_two_lines_of_one_variant_together(method: FulfilmentMethod) -> None:
    sources = [src(2, v7=5)]
    assert where(allocate([Line("a", 7, 3), Line("b", 7, 2)], sources, method, location_id=2)) == [
        ("a", 2, 3),
        ("b", 2, 2),
    ]
    with pytest.raises(DomainError) as error:
        allocate([Line("a", 7, 3), Line("b", 7, 3)], sources, method, location_id=2)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "b"])


# ---------------------------------------------------------------------------- DELIVERY


def test_delivery_prefers_one_location_that_covers_every_line_over_a_split() -> None:
    sources = [src(1, WAREHOUSE, priority=1, v7=10), src(2, priority=2, v8=10), src(3, priority=9, v7=1, v8=1)]
    assert where(allocate([Line("a", 7, 1), Line("b", 8, 1)], sources, DELIVERY)) == [("a", 3, 1), ("b", 3, 1)]


def test_delivery_from_the_location_nearest_the_destination() -> None:
    sources = [
        src(1, WAREHOUSE, priority=1, at=BEIJING, v7=10),
        src(2, priority=5, at=HANGZHOU, v7=10),
        src(3, priority=5, at=GUANGZHOU, v7=10),
    ]
    assert where(allocate([Line("a", 7, 3)], sources, DELIVERY, destination=SHANGHAI)) == [("a", 2, 3)]
    assert where(allocate([Line("a", 7, 3)], sources, DELIVERY, destination=(39.0, 117.0))) == [("a", 1, 3)]


def test_delivery_ranks_locations_without_coordinates_after_those_with() -> None:
    sources = [src(1, WAREHOUSE, priority=1, v7=10), src(2, priority=50, at=GUANGZHOU, v7=10)]
    assert where(allocate([Line("a", 7, 1)], sources, DELIVERY, destination=SHANGHAI)) == [("a", 2, 1)]


def test_delivery_without_a_destination_goes_by_priority_then_id() -> None:
    sources = [
        src(5, priority=20, at=SHANGHAI, v7=10),
        src(4, WAREHOUSE, priority=10, v7=10),
        src(3, priority=10, v7=10),
    ]
    assert where(allocate([Line("a", 7, 1)], sources, DELIVERY)) == [("a", 3, 1)]
    assert where(allocate([Line("a", 7, 1)], sources[:2], DELIVERY)) == [("a", 4, 1)]


def test_delivery_splits_only_when_no_single_location_can_ship_everything() -> None:
    sources = [src(1, WAREHOUSE, priority=1, v7=4, v8=1), src(2, priority=2, v7=10), src(3, priority=3, v8=10)]
    result = where(allocate([Line("a", 7, 6), Line("b", 8, 3)], sources, DELIVERY))
    assert result == [("a", 1, 4), ("a", 2, 2), ("b", 1, 1), ("b", 3, 2)]


def test_a_split_delivery_takes_the_best_ranked_locations_first() -> None:
    sources = [
        src(1, priority=1, at=BEIJING, v7=5),
        src(2, priority=1, at=HANGZHOU, v7=5),
        src(3, priority=1, at=GUANGZHOU, v7=5),
    ]
    result = where(allocate([Line("a", 7, 8)], sources, DELIVERY, destination=SHANGHAI))
    assert result == [("a", 2, 5), ("a", 1, 3)]


def test_delivery_sums_two_lines_of_one_variant() -> None:
    # Each line alone fits location 1, both together do not: one location 2 covers both.
    sources = [src(1, WAREHOUSE, priority=1, v7=4), src(2, priority=2, v7=8)]
    assert where(allocate([Line("a", 7, 3), Line("b", 7, 3)], sources, DELIVERY)) == [("a", 2, 3), ("b", 2, 3)]
    # No location covers both: the split never hands out location 1's 4 units twice.
    sources = [src(1, WAREHOUSE, priority=1, v7=4), src(2, priority=2, v7=4)]
    assert where(allocate([Line("a", 7, 3), Line("b", 7, 3)], sources, DELIVERY)) == [
        ("a", 1, 3),
        ("b", 1, 1),
        ("b", 2, 2),
    ]


def test_delivery_fails_naming_the_line_that_cannot_be_covered() -> None:
    sources = [src(1, v7=2, v8=1), src(2, v7=2)]
    with pytest.raises(DomainError) as error:
        allocate([Line("a", 7, 4), Line("b", 8, 2)], sources, DELIVERY)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "b"])
    assert "Only 1 of the 2" in error.value.message


def test_delivery_may_ship_from_stores() -> None:
    assert where(allocate([Line("a", 7, 1)], [src(1, STORE, v7=1)], DELIVERY)) == [("a", 1, 1)]


# ---------------------------------------------------------------------------- ENDLESS_AISLE


def test_endless_aisle_ships_from_warehouses_only() -> None:
    sources = [
        src(1, STORE, priority=1, v7=10),
        src(2, WAREHOUSE, priority=5, v7=2),
        src(3, WAREHOUSE, priority=9, v7=10),
    ]
    assert where(allocate([Line("a", 7, 2)], sources, ENDLESS_AISLE, location_id=1)) == [("a", 2, 2)]
    assert where(allocate([Line("a", 7, 11)], sources, ENDLESS_AISLE, location_id=1)) == [("a", 2, 2), ("a", 3, 9)]
    with pytest.raises(DomainError) as error:
        allocate([Line("a", 7, 13)], sources, ENDLESS_AISLE, location_id=1)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "a"])


def test_endless_aisle_with_only_store_stock_is_out_of_stock() -> None:
    with pytest.raises(DomainError) as error:
        allocate([Line("a", 7, 1)], [src(1, STORE, v7=100)], ENDLESS_AISLE, location_id=1)
    assert short(error) == ("INSUFFICIENT_STOCK", ["lines", "a"])


# ---------------------------------------------------------------------------- properties

VARIANTS = st.integers(1, 3)


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[list[Line], list[Source], FulfilmentMethod, int | None, tuple[float, float] | None]:
    sources = []
    for location_id in draw(st.lists(st.integers(1, 12), min_size=1, max_size=5, unique=True)):
        at = draw(st.none() | st.tuples(st.floats(-60, 60), st.floats(-180, 180)))
        sources.append(
            Source(
                location_id,
                draw(st.sampled_from(LocationType)),
                draw(st.integers(0, 3)),
                draw(st.dictionaries(VARIANTS, st.integers(0, 8), max_size=3)),
                at[0] if at else None,
                at[1] if at else None,
            )
        )
    lines = [Line(f"l{i}", draw(VARIANTS), draw(st.integers(1, 10))) for i in range(draw(st.integers(1, 4)))]
    method = draw(st.sampled_from(FulfilmentMethod))
    location_id = draw(st.sampled_from([s.location_id for s in sources] + [99]))
    destination = draw(st.none() | st.tuples(st.floats(-60, 60), st.floats(-180, 180)))
    return lines, sources, method, location_id, destination


def pool(sources: list[Source], method: FulfilmentMethod, location_id: int | None) -> list[Source]:
    if method in (PICKUP, IN_STORE):
        return [s for s in sources if s.location_id == location_id]
    if method is ENDLESS_AISLE:
        return [s for s in sources if s.type is WAREHOUSE]
    return sources


def test_a_channel_can_route_by_priority_or_warehouses_first() -> None:
    sources = [
        src(1, WAREHOUSE, priority=9, at=BEIJING, v7=10),
        src(2, priority=5, at=HANGZHOU, v7=10),
        src(3, priority=1, at=GUANGZHOU, v7=10),
    ]
    order = [Line("a", 7, 3)]
    assert where(allocate(order, sources, DELIVERY, destination=SHANGHAI, routing=Routing.PRIORITY)) == [("a", 3, 3)]
    first = allocate(order, sources, DELIVERY, destination=SHANGHAI, routing=Routing.WAREHOUSES_FIRST)
    assert where(first) == [("a", 1, 3)]


ROUTINGS = st.sampled_from(Routing)


@settings(max_examples=400, deadline=None)
@given(scenarios(), ROUTINGS)
def test_allocation_never_exceeds_stock_and_fails_only_when_the_pool_is_short(
    scenario: tuple[list[Line], list[Source], FulfilmentMethod, int | None, tuple[float, float] | None],
    routing: Routing,
) -> None:
    lines, sources, method, location_id, destination = scenario
    usable = pool(sources, method, location_id)
    have: dict[int, int] = defaultdict(int)
    for s in usable:
        for v, n in s.available.items():
            have[v] += n
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.variant_id] += line.quantity
    enough = all(have[v] >= n for v, n in wanted.items())
    try:
        result = allocate(lines, sources, method, location_id=location_id, destination=destination, routing=routing)
    except DomainError as e:
        assert not enough, f"refused although the pool holds {dict(have)} for {dict(wanted)}"
        assert e.code == "INSUFFICIENT_STOCK"
        assert e.field is not None and e.field[0] == "lines" and e.field[1] in {ln.key for ln in lines}
        return
    assert enough
    taken: dict[tuple[int, int], int] = defaultdict(int)
    per_line: dict[str, int] = defaultdict(int)
    allowed = {s.location_id: s for s in usable}
    by_key = {ln.key: ln for ln in lines}
    for a in result:
        assert a.quantity > 0
        assert a.location_id in allowed, f"{a} comes from outside the pool"
        assert a.variant_id == by_key[a.line_key].variant_id
        taken[(a.location_id, a.variant_id)] += a.quantity
        per_line[a.line_key] += a.quantity
    for (loc, v), n in taken.items():
        assert n <= allowed[loc].available.get(v, 0), f"{n} of variant {v} taken from location {loc}"
    assert per_line == {ln.key: ln.quantity for ln in lines}


@settings(max_examples=300, deadline=None)
@given(scenarios(), st.data(), ROUTINGS)
def test_delivery_uses_one_location_whenever_one_could_cover_the_order(
    scenario: tuple[list[Line], list[Source], FulfilmentMethod, int | None, tuple[float, float] | None],
    data: st.DataObject,
    routing: Routing,
) -> None:
    lines, sources, _, _, destination = scenario
    wanted: dict[int, int] = defaultdict(int)
    for line in lines:
        wanted[line.variant_id] += line.quantity
    # Make sure at least one location could ship the whole order.
    i = data.draw(st.integers(0, len(sources) - 1))
    extra = data.draw(st.integers(0, 3))
    s = sources[i]
    sources[i] = Source(
        s.location_id,
        s.type,
        s.priority,
        {**s.available, **{v: n + extra for v, n in wanted.items()}},
        s.latitude,
        s.longitude,
    )
    covering = [s for s in sources if all(s.available.get(v, 0) >= n for v, n in wanted.items())]
    result = allocate(lines, sources, DELIVERY, destination=destination, routing=routing)
    [chosen] = {a.location_id for a in result}
    assert where(result) == [(ln.key, chosen, ln.quantity) for ln in lines]

    def rank(s: Source) -> tuple[float, ...]:
        far = (
            distance_km(*destination, s.latitude, s.longitude)
            if destination is not None and s.latitude is not None and s.longitude is not None
            else math.inf
        )
        if routing is Routing.PRIORITY:
            return s.priority, far, s.location_id
        warehouse_rank = int(routing is Routing.WAREHOUSES_FIRST and s.type is not LocationType.WAREHOUSE)
        return warehouse_rank, far, s.priority, s.location_id

    assert chosen == min(covering, key=rank).location_id


# ---------------------------------------------------------------------------- geography


def test_known_distances() -> None:
    assert distance_km(*SHANGHAI, *BEIJING) == pytest.approx(1067, rel=0.01)
    assert distance_km(*BEIJING, *SHANGHAI) == pytest.approx(distance_km(*SHANGHAI, *BEIJING))
    assert distance_km(*SHANGHAI, *SHANGHAI) == 0
    assert distance_km(0, 0, 0, 180) == pytest.approx(20015, rel=0.001)
    assert distance_km(90, 0, -90, 0) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert distance_km(45, 10, -45, -170) == pytest.approx(math.pi * EARTH_RADIUS_KM)
    assert distance_km(0, 179.5, 0, -179.5) == pytest.approx(111.2, rel=0.01)  # across the antimeridian


LAT = st.floats(-90, 90, allow_nan=False)
LON = st.floats(-180, 180, allow_nan=False)


@given(LAT, LON, LAT, LON)
def test_distance_is_symmetric_and_bounded(lat1: float, lon1: float, lat2: float, lon2: float) -> None:
    d = distance_km(lat1, lon1, lat2, lon2)
    assert 0 <= d <= math.pi * EARTH_RADIUS_KM + 1e-6
    assert d == pytest.approx(distance_km(lat2, lon2, lat1, lon1), abs=1e-6)


def destination_point(lat: float, lon: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """Where you are after `km` along a great circle starting at `bearing_deg` (spherical earth)."""
    d = km / EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lon), math.radians(bearing_deg)
    p2 = math.asin(max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))))
    l2 = l1 + math.atan2(math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2))
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


def inside(box: BoundingBox, lat: float, lon: float, eps: float = 1e-7) -> bool:
    if not box.min_lat - eps <= lat <= box.max_lat + eps:
        return False
    for candidate in (lon - 360, lon, lon + 360):  # -180 and 180 are one meridian
        if not -180 - eps <= candidate <= 180 + eps:
            continue
        if box.wraps:
            if candidate >= box.min_lon - eps or candidate <= box.max_lon + eps:
                return True
        elif box.min_lon - eps <= candidate <= box.max_lon + eps:
            return True
    return False


def test_bounding_box_examples() -> None:
    box = bounding_box(*SHANGHAI, 10)
    assert box.min_lat < SHANGHAI[0] < box.max_lat and box.min_lon < SHANGHAI[1] < box.max_lon
    assert not box.wraps
    assert box.max_lat - box.min_lat == pytest.approx(2 * math.degrees(10 / EARTH_RADIUS_KM))
    wrapped = bounding_box(0, 179.9, 50)
    assert wrapped.wraps and inside(wrapped, 0, -179.9) and inside(wrapped, 0, 179.95)
    assert not inside(wrapped, 0, 0)
    polar = bounding_box(89.9, 30, 50)
    assert (polar.min_lon, polar.max_lon, polar.max_lat) == (-180, 180, 90)


CENTER_LAT = st.one_of(LAT, st.floats(80, 90), st.floats(-90, -80))
CENTER_LON = st.one_of(LON, st.floats(170, 180), st.floats(-180, -170))
RADIUS = st.one_of(st.floats(0.001, 50), st.floats(50, 3000), st.floats(3000, 20000))


@settings(max_examples=1000, deadline=None)
@given(CENTER_LAT, CENTER_LON, RADIUS, st.floats(0, 360), st.floats(0, 1))
def test_bounding_box_contains_every_point_within_the_radius(
    lat: float, lon: float, radius: float, bearing: float, fraction: float
) -> None:
    box = bounding_box(lat, lon, radius)
    assert -90 <= box.min_lat <= box.max_lat <= 90
    assert -180 <= box.min_lon <= 180 and -180 <= box.max_lon <= 180
    p_lat, p_lon = destination_point(lat, lon, bearing, radius * fraction)
    assert distance_km(lat, lon, p_lat, p_lon) <= radius * (1 + 1e-9) + 1e-6
    assert inside(box, p_lat, p_lon), (box, (p_lat, p_lon))
    assert inside(box, lat, lon)


# ---------------------------------------------------------------------------- input checks


@pytest.mark.parametrize("quantity", [1, 7, MAX_QUANTITY])
def test_valid_quantities_pass_through(quantity: int) -> None:
    assert validate_quantity(quantity, ["quantity"]) == quantity
    assert validate_quantity(-quantity, ["delta"], allow_negative=True) == -quantity


@pytest.mark.parametrize(
    ("quantity", "allow_negative"),
    [
        (0, False),
        (0, True),
        (-1, False),
        (MAX_QUANTITY + 1, False),
        (MAX_QUANTITY + 1, True),
        (-MAX_QUANTITY - 1, True),
        (10**18, True),
    ],
)
def test_invalid_quantities(quantity: int, allow_negative: bool) -> None:
    with pytest.raises(DomainError) as error:
        validate_quantity(quantity, ["lines", "3", "quantity"], allow_negative=allow_negative)
    assert short(error) == ("INVALID_QUANTITY", ["lines", "3", "quantity"])


@pytest.mark.parametrize(("lat", "lon"), [(None, None), (0, 0), (90, 180), (-90, -180), (31.23, 121.47)])
def test_valid_coordinates(lat: float | None, lon: float | None) -> None:
    validate_coordinates(lat, lon, ["input", "latitude"])


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (31.2, None),
        (None, 121.4),
        (90.0001, 0),
        (-91, 0),
        (0, 180.5),
        (0, -181),
        (math.nan, 0),
        (0, math.nan),
        (math.inf, 0),
        (0, -math.inf),
    ],
)
def test_invalid_coordinates(lat: float | None, lon: float | None) -> None:
    with pytest.raises(DomainError) as error:
        validate_coordinates(lat, lon, ["input", "latitude"])
    assert short(error) == ("INVALID", ["input", "latitude"])
