"""Location use cases against an in-memory unit of work: creating and changing a location (its
cross-field rules judged on the result, nothing written when refused) and the nearby-stores search."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pytest

from db.changes import columns
from domain.catalog.commands import KEEP
from domain.errors import DomainError, DomainErrors
from domain.inventory import location_services as services
from domain.inventory.locations import (
    Address,
    Candidate,
    LocationChanges,
    LocationCreate,
    LocationState,
    LocationUpdate,
    NearbySearch,
    OpeningHours,
)
from domain.inventory.model import BoundingBox, LocationType


def problems(error: DomainError) -> list[tuple[str, list[str] | None]]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [(e.code, e.field) for e in errors]


# --- create and update ------------------------------------------------------------------------------


class MemoryLocations:
    def __init__(self) -> None:
        self.rows: dict[int, dict[str, Any]] = {}
        self.updates: list[LocationChanges] = []  # what each update asked to write
        self.links: dict[int, list[int]] = {}
        self.channels = {"online": 1, "pos": 2}
        self.candidates: list[Candidate] = []
        self.searches: list[tuple[BoundingBox, int | None, int | None, bool]] = []

    async def state(self, location_id: int) -> LocationState | None:
        row = self.rows.get(location_id)
        return (
            LocationState(row["type"], row["latitude"], row["longitude"], row.get("is_pickup_point", False))
            if row
            else None
        )

    async def code_taken(self, code: str, other_than: int | None = None) -> bool:
        return any(r["code"] == code and key != other_than for key, r in self.rows.items())

    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        return {s: self.channels[s] for s in slugs if s in self.channels}

    async def add(self, new: LocationChanges) -> int:
        key = len(self.rows) + 1
        self.rows[key] = columns(new)
        return key

    async def update(self, location_id: int, changes: LocationChanges) -> None:
        self.updates.append(changes)
        self.rows[location_id].update(columns(changes))

    async def set_channels(self, location_id: int, channel_ids: Sequence[int]) -> None:
        self.links[location_id] = list(channel_ids)

    async def store_candidates(
        self, box: BoundingBox, *, channel_id: int | None, variant_id: int | None, in_stock_only: bool
    ) -> list[Candidate]:
        self.searches.append((box, channel_id, variant_id, in_stock_only))
        return self.candidates


class FakeUow:
    def __init__(self) -> None:
        self.locations = MemoryLocations()


def store(**changes: Any) -> LocationCreate:
    fields: dict[str, Any] = {
        "code": "sh09",
        "name": " Tianzifang ",
        "type": LocationType.STORE,
        "latitude": 31.2086,
        "longitude": 121.4695,
        "is_pickup_point": True,
        "address": Address("210 Taikang Road", "Shanghai", "200025", "cn"),
        "channels": ["online", "pos", "online"],
    }
    return LocationCreate(**{**fields, **changes})


async def test_creating_a_store_stores_clean_values_and_its_channels() -> None:
    uow = FakeUow()
    repo = uow.locations
    key = await services.create_location(uow, store())
    row = repo.rows[key]
    assert (row["code"], row["name"], row["country"], row["type"]) == ("SH09", "Tianzifang", "CN", LocationType.STORE)
    assert (row["latitude"], row["longitude"], row["priority"], row["opening_hours"]) == (31.2086, 121.4695, 100, [])
    assert repo.links[key] == [1, 2]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"latitude": None, "longitude": None}, [("REQUIRED", ["input", "latitude"])]),
        ({"longitude": None}, [("INVALID", ["input", "latitude"])]),
        ({"latitude": math.nan}, [("INVALID", ["input", "latitude"])]),
        ({"type": LocationType.WAREHOUSE}, [("INVALID", ["input", "isPickupPoint"])]),
        ({"channels": ["online", "kiosk"]}, [("NOT_FOUND", ["input", "channels", "1"])]),
        (
            {"name": "", "code": "", "priority": 10**6},
            [("REQUIRED", ["input", "code"]), ("REQUIRED", ["input", "name"]), ("INVALID", ["input", "priority"])],
        ),
    ],
)
async def test_a_location_breaking_a_rule_is_not_created(changes: dict[str, Any], expected: list[Any]) -> None:
    uow = FakeUow()
    repo = uow.locations
    with pytest.raises(DomainError) as e:
        await services.create_location(uow, store(**changes))
    assert problems(e.value) == expected
    assert repo.rows == {} and repo.links == {}


async def test_a_warehouse_needs_no_coordinates_and_a_code_is_unique() -> None:
    uow = FakeUow()
    await services.create_location(
        uow, store(type=LocationType.WAREHOUSE, is_pickup_point=False, latitude=None, longitude=None, code="WH01")
    )
    with pytest.raises(DomainError) as e:
        await services.create_location(uow, store(code="wh01"))
    assert problems(e.value) == [("DUPLICATE", ["input", "code"])]


async def test_an_update_changes_only_what_it_names() -> None:
    uow = FakeUow()
    repo = uow.locations
    key = await services.create_location(uow, store(opening_hours=[OpeningHours("mon", "10:00", "22:00")]))
    await services.update_location(uow, LocationUpdate(key, name="Taikang Road"))
    assert repo.rows[key]["name"] == "Taikang Road" and repo.rows[key]["opening_hours"] != []
    assert repo.links[key] == [1, 2]
    await services.update_location(uow, LocationUpdate(key, opening_hours=[], channels=[], address=Address()))
    assert repo.rows[key]["opening_hours"] == [] and repo.rows[key]["city"] is None and repo.links[key] == []


async def test_an_update_is_judged_on_the_result() -> None:
    uow = FakeUow()
    repo = uow.locations
    key = await services.create_location(uow, store())
    for update, expected in [
        (LocationUpdate(key, latitude=None, longitude=None), ("REQUIRED", ["input", "latitude"])),
        (LocationUpdate(key, latitude=None), ("INVALID", ["input", "latitude"])),
        (LocationUpdate(key, type=LocationType.WAREHOUSE), ("INVALID", ["input", "isPickupPoint"])),
    ]:
        with pytest.raises(DomainError) as e:
            await services.update_location(uow, update)
        assert problems(e.value) == [expected]
    await services.update_location(
        uow, LocationUpdate(key, type=LocationType.WAREHOUSE, is_pickup_point=False, latitude=None, longitude=None)
    )
    assert repo.rows[key]["type"] is LocationType.WAREHOUSE and repo.rows[key]["latitude"] is None
    with pytest.raises(DomainError) as e:
        await services.update_location(uow, LocationUpdate(999, name="x"))
    assert problems(e.value) == [("NOT_FOUND", ["id"])]


async def test_keep_is_the_default_of_every_clearable_update_field() -> None:
    update = LocationUpdate(1)
    assert (update.address, update.latitude, update.opening_hours, update.channels) == (KEEP, KEEP, KEEP, KEEP)


# --- nearby stores -------------------------------------------------------------------------------------


async def test_nearby_stores_asks_storage_for_the_box_and_ranks_what_comes_back() -> None:
    uow = FakeUow()
    uow.locations.candidates = [Candidate(1, 31.3006, 121.5148, 3), Candidate(2, 31.2355, 121.4793, 0)]
    search = NearbySearch(31.2304, 121.4737, radius_km=5, in_stock_only=True)
    found = await services.nearby_stores(uow, search, variant_id=7, channel_id=2)
    assert [(f.location_id, f.available) for f in found] == [(2, 0)]  # store 1 is 9 km away
    [(box, channel_id, variant_id, in_stock_only)] = uow.locations.searches
    assert (channel_id, variant_id, in_stock_only) == (2, 7, True)
    assert box.min_lat < 31.2304 < box.max_lat and box.min_lon < 121.4737 < box.max_lon


# --- what a create refuses and what an update writes -------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": "-SH09"}, ("INVALID", ["input", "code"])),
        ({"name": "x" * 201}, ("INVALID", ["input", "name"])),
        ({"priority": -1}, ("INVALID", ["input", "priority"])),
        ({"address": Address(country="CHN")}, ("INVALID", ["input", "address", "country"])),
        ({"address": Address(line1="x" * 251)}, ("INVALID", ["input", "address", "line1"])),
        ({"address": Address(postal_code="1" * 21)}, ("INVALID", ["input", "address", "postalCode"])),
        ({"latitude": 91.0}, ("INVALID", ["input", "latitude"])),
        (
            {"opening_hours": [OpeningHours("someday", "09:00", "17:00")]},
            ("INVALID", ["input", "openingHours", "0", "day"]),
        ),
        (
            {"opening_hours": [OpeningHours("mon", "17:00", "09:00")]},
            ("INVALID", ["input", "openingHours", "0", "closes"]),
        ),
        (
            {"opening_hours": [OpeningHours("mon", "09:00", "13:00"), OpeningHours("mon", "12:00", "18:00")]},
            ("INVALID", ["input", "openingHours"]),
        ),
    ],
)
async def test_a_location_with_one_bad_field_is_refused_at_that_field_and_not_written(
    changes: dict[str, Any], expected: tuple[str, list[str]]
) -> None:
    uow = FakeUow()
    with pytest.raises(DomainError) as e:
        await services.create_location(uow, store(**changes))
    assert problems(e.value) == [expected]
    assert uow.locations.rows == {}


async def test_unknown_channels_are_each_named_by_their_position() -> None:
    with pytest.raises(DomainError) as e:
        await services.create_location(FakeUow(), store(channels=["kiosk", "online", "app"]))
    assert problems(e.value) == [("NOT_FOUND", ["input", "channels", "0"]), ("NOT_FOUND", ["input", "channels", "2"])]


async def test_an_update_writes_only_the_fields_it_names() -> None:
    uow = FakeUow()
    key = await services.create_location(uow, store())
    await services.update_location(uow, LocationUpdate(key, name=" Taikang Road ", priority=5))
    assert uow.locations.updates == [LocationChanges(name="Taikang Road", priority=5)]


async def test_coordinates_are_rewritten_only_when_they_move() -> None:
    uow = FakeUow()
    key = await services.create_location(uow, store())
    await services.update_location(uow, LocationUpdate(key, latitude=31.2086, longitude=121.4695))
    await services.update_location(uow, LocationUpdate(key, latitude=31.21))
    assert uow.locations.updates == [LocationChanges(), LocationChanges(latitude=31.21, longitude=121.4695)]


async def test_a_new_address_replaces_the_old_one_whole() -> None:
    uow = FakeUow()
    key = await services.create_location(uow, store())
    await services.update_location(uow, LocationUpdate(key, address=Address(city=" Suzhou ")))
    row = uow.locations.rows[key]
    assert (row["address_line1"], row["city"], row["postal_code"], row["country"]) == (None, "Suzhou", None, None)


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ({"type": LocationType.STORE}, ("REQUIRED", ["input", "latitude"])),  # a store needs coordinates
        ({"type": LocationType.STORE, "latitude": 31.0}, ("INVALID", ["input", "latitude"])),  # both or neither
        ({"is_pickup_point": True}, ("INVALID", ["input", "isPickupPoint"])),  # still a warehouse
        ({"code": "SH09"}, ("DUPLICATE", ["input", "code"])),  # the store's code
    ],
)
async def test_a_warehouse_update_is_judged_on_the_warehouse_it_would_become(
    update: dict[str, Any], expected: tuple[str, list[str]]
) -> None:
    uow = FakeUow()
    await services.create_location(uow, store())
    warehouse = store(code="WH01", type=LocationType.WAREHOUSE, is_pickup_point=False, latitude=None, longitude=None)
    key = await services.create_location(uow, warehouse)
    with pytest.raises(DomainError) as e:
        await services.update_location(uow, LocationUpdate(key, **update))
    assert problems(e.value) == [expected]
    assert uow.locations.updates == []


async def test_a_location_keeps_its_own_code_on_update() -> None:
    uow = FakeUow()
    key = await services.create_location(uow, store())
    await services.update_location(uow, LocationUpdate(key, code="sh09"))
    assert uow.locations.rows[key]["code"] == "SH09"


async def test_leaving_the_channels_out_keeps_the_links_and_an_empty_list_clears_them() -> None:
    uow = FakeUow()
    key = await services.create_location(uow, store())
    await services.update_location(uow, LocationUpdate(key, name="Taikang Road"))
    assert uow.locations.links[key] == [1, 2]
    await services.update_location(uow, LocationUpdate(key, channels=[" pos "]))
    assert uow.locations.links[key] == [2]


SHANGHAI = (31.2304, 121.4737)
AROUND_PEOPLES_SQUARE = [
    Candidate(1, 31.3006, 121.5148),  # 9 km
    Candidate(3, 31.2450, 121.4900),  # 2 km
    Candidate(2, 31.2355, 121.4793),  # under 1 km
]


@pytest.mark.parametrize(("limit", "closest"), [(0, []), (1, [2]), (2, [2, 3]), (20, [2, 3])])
async def test_a_search_returns_at_most_its_limit_of_the_closest_stores_within_the_radius(
    limit: int, closest: list[int]
) -> None:
    uow = FakeUow()
    uow.locations.candidates = AROUND_PEOPLES_SQUARE
    found = await services.nearby_stores(uow, NearbySearch(*SHANGHAI, radius_km=5, limit=limit))
    assert [f.location_id for f in found] == closest


async def test_a_search_without_a_variant_reports_no_availability_and_any_channel() -> None:
    uow = FakeUow()
    uow.locations.candidates = AROUND_PEOPLES_SQUARE
    found = await services.nearby_stores(uow, NearbySearch(*SHANGHAI))
    assert [f.available for f in found] == [None, None, None]
    [(_, channel_id, variant_id, in_stock_only)] = uow.locations.searches
    assert (channel_id, variant_id, in_stock_only) == (None, None, False)


async def test_a_search_far_from_every_store_finds_none() -> None:
    uow = FakeUow()
    uow.locations.candidates = AROUND_PEOPLES_SQUARE  # what a coarse prefilter might still let through
    assert await services.nearby_stores(uow, NearbySearch(39.9042, 116.4074, radius_km=50)) == []
