"""Locations: what staff may enter about a warehouse or store, the create/update commands, and
the pure half of `nearbyStores` (its argument rules and the ranking by great-circle distance).

The use cases applying these rules are `domain.inventory.location_services`. Every input error
is collected and reported together, with
field paths naming the GraphQL argument at fault (`["input", "openingHours", "0", "opens"]`).
Rules that span fields (a store has coordinates, only a store is a pickup point) are checked on
the location as it would be after the change, so an update cannot sneak around them.
"""

from __future__ import annotations

import heapq
import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from domain.catalog.commands import KEEP, Keep, given
from domain.catalog.model import optional_text, validate_text
from domain.catalog.services import InputErrors
from domain.errors import Code, DomainError, DomainErrors, input_field
from domain.inventory.model import LocationType, distance_km, validate_coordinates

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,31}$")
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
NAME_MAX, LINE1_MAX, CITY_MAX, POSTAL_CODE_MAX = 200, 250, 100, 20
PRIORITY_MAX = 10_000
MAX_OPENING_ENTRIES = 21  # three opening periods a day


# ---------------------------------------------------------------------------- input rules


def normalize_code(code: str, field: list[str]) -> str:
    """A short staff- and till-facing code ("SH01"): 1 to 32 letters, digits or hyphens, upper-cased."""
    cleaned = code.strip().upper()
    if not cleaned:
        raise DomainError(Code.REQUIRED, "A location needs a code.", field)
    if not _CODE.match(cleaned):
        raise DomainError(
            Code.INVALID, "A code is 1 to 32 letters, digits or hyphens and starts with a letter or digit.", field
        )
    return cleaned


def validate_country(country: str | None, field: list[str]) -> str | None:
    """An ISO 3166-1 alpha-2 code ("cn" is read as "CN"); blank is none."""
    cleaned = (country or "").strip().upper()
    if not cleaned:
        return None
    if not _COUNTRY.match(cleaned):
        raise DomainError(Code.INVALID, "A country is a two-letter ISO 3166-1 code such as CN.", field)
    return cleaned


def validate_priority(priority: int, field: list[str]) -> int:
    if not 0 <= priority <= PRIORITY_MAX:
        raise DomainError(Code.INVALID, f"The priority is 0 to {PRIORITY_MAX:,} (lower is preferred).", field)
    return priority


@dataclass(frozen=True, slots=True)
class OpeningHours:
    """One opening period: `day` is mon..sun, `opens` and `closes` are HH:MM local time."""

    day: str
    opens: str
    closes: str


def validate_opening_hours(entries: Sequence[OpeningHours], field: list[str]) -> list[OpeningHours]:
    """Periods with known days and HH:MM times, each opening before it closes, none overlapping
    another on the same day; returned in week order (mon first)."""
    if len(entries) > MAX_OPENING_ENTRIES:
        raise DomainError(Code.INVALID, f"At most {MAX_OPENING_ENTRIES} opening periods.", field)
    errors = InputErrors()
    cleaned: list[OpeningHours] = []
    for i, entry in enumerate(entries):
        at = [*field, str(i)]
        day, opens, closes = entry.day.strip().lower(), entry.opens.strip(), entry.closes.strip()
        if day not in DAYS:
            errors.add(Code.INVALID, "The day is one of mon, tue, wed, thu, fri, sat, sun.", [*at, "day"])
        bad_time = False
        for name, value in (("opens", opens), ("closes", closes)):
            if not _TIME.match(value):
                errors.add(Code.INVALID, 'A time is HH:MM on a 24-hour clock ("09:30").', [*at, name])
                bad_time = True
        if not bad_time and opens >= closes:
            errors.add(
                Code.INVALID,
                "A period opens before it closes (past midnight: end at 23:59 and start the next day at 00:00).",
                [*at, "closes"],
            )
        cleaned.append(OpeningHours(day, opens, closes))
    errors.raise_any()
    ordered = sorted(cleaned, key=lambda h: (DAYS.index(h.day), h.opens))
    for before, after in itertools.pairwise(ordered):
        if before.day == after.day and after.opens < before.closes:
            raise DomainError(Code.INVALID, f"Opening periods on {after.day} overlap.", field)
    return ordered


@dataclass(frozen=True, slots=True)
class Address:
    line1: str | None = None
    city: str | None = None
    postal_code: str | None = None
    country: str | None = None


# ---------------------------------------------------------------------------- commands


@dataclass(frozen=True, slots=True)
class LocationCreate:
    code: str
    name: str
    type: LocationType
    address: Address = Address()
    latitude: float | None = None
    longitude: float | None = None
    opening_hours: Sequence[OpeningHours] = ()
    is_pickup_point: bool = False
    ships_to_home: bool = False
    priority: int = 100
    is_active: bool = True
    channels: Sequence[str] = ()  # slugs of the channels that sell the location's stock


@dataclass(frozen=True, slots=True)
class LocationUpdate:
    """None (or KEEP, where None would mean "clear") leaves a field as it is. The address is
    replaced as a whole; `channels` replaces the set of channels."""

    location_id: int
    code: str | None = None
    name: str | None = None
    type: LocationType | None = None
    address: Address | Keep = KEEP
    latitude: float | Keep | None = KEEP
    longitude: float | Keep | None = KEEP
    opening_hours: Sequence[OpeningHours] | Keep = KEEP
    is_pickup_point: bool | None = None
    ships_to_home: bool | None = None
    priority: int | None = None
    is_active: bool | None = None
    channels: Sequence[str] | Keep = KEEP


@dataclass(frozen=True, slots=True)
class LocationState:
    """What the cross-field rules need of a stored location."""

    type: LocationType
    latitude: float | None
    longitude: float | None
    is_pickup_point: bool


def check_state(errors: InputErrors, state: LocationState) -> None:
    if not errors.check(validate_coordinates, state.latitude, state.longitude, input_field("latitude")):
        return
    if state.type is LocationType.STORE and state.latitude is None:
        errors.add(
            Code.REQUIRED,
            "A store needs its latitude and longitude, so customers can find it.",
            input_field("latitude"),
        )
    if state.is_pickup_point and state.type is not LocationType.STORE:
        errors.add(Code.INVALID, "Only a store can be a pickup point.", input_field("isPickupPoint"))


@dataclass(frozen=True, slots=True)
class LocationChanges:
    """What the location use cases write: KEEP leaves a field as it is (a new row takes the
    default). The repository maps the fields to storage by name."""

    code: str | Keep = KEEP
    name: str | Keep = KEEP
    type: LocationType | Keep = KEEP
    address_line1: str | Keep | None = KEEP
    city: str | Keep | None = KEEP
    postal_code: str | Keep | None = KEEP
    country: str | Keep | None = KEEP
    latitude: float | Keep | None = KEEP
    longitude: float | Keep | None = KEEP
    opening_hours: Sequence[OpeningHours] | Keep = KEEP
    priority: int | Keep = KEEP
    is_pickup_point: bool | Keep = KEEP
    ships_to_home: bool | Keep = KEEP
    is_active: bool | Keep = KEEP


def _address(
    errors: InputErrors, address: Address | Keep
) -> tuple[str | Keep | None, str | Keep | None, str | Keep | None, str | Keep | None]:
    """line 1, city, postal code and country; all KEEP when the address is left as it is."""
    if isinstance(address, Keep):
        return KEEP, KEEP, KEEP, KEEP
    at = input_field("address")
    return (
        errors.or_keep(optional_text, address.line1, [*at, "line1"], LINE1_MAX),
        errors.or_keep(optional_text, address.city, [*at, "city"], CITY_MAX),
        errors.or_keep(optional_text, address.postal_code, [*at, "postalCode"], POSTAL_CODE_MAX),
        errors.or_keep(validate_country, address.country, [*at, "country"]),
    )


def _opening_hours(errors: InputErrors, hours: Sequence[OpeningHours] | Keep) -> Sequence[OpeningHours] | Keep:
    if isinstance(hours, Keep):
        return KEEP
    try:
        return validate_opening_hours(hours, input_field("openingHours"))
    except DomainError as e:  # every bad period, each at its own path
        errors.items.extend(e.errors if isinstance(e, DomainErrors) else [e])
        return KEEP


def checked_changes(errors: InputErrors, cmd: LocationCreate | LocationUpdate) -> LocationChanges:
    """The command's fields, each checked; the coordinates are the use cases' to set."""
    line1, city, postal_code, country = _address(errors, cmd.address)
    return LocationChanges(
        code=KEEP if cmd.code is None else errors.or_keep(normalize_code, cmd.code, input_field("code")),
        name=KEEP if cmd.name is None else errors.or_keep(validate_text, cmd.name, input_field("name"), NAME_MAX),
        type=given(cmd.type),
        address_line1=line1,
        city=city,
        postal_code=postal_code,
        country=country,
        opening_hours=_opening_hours(errors, cmd.opening_hours),
        priority=KEEP
        if cmd.priority is None
        else errors.or_keep(validate_priority, cmd.priority, input_field("priority")),
        is_pickup_point=given(cmd.is_pickup_point),
        ships_to_home=given(cmd.ships_to_home),
        is_active=given(cmd.is_active),
    )


# ---------------------------------------------------------------------------- nearby stores

DEFAULT_RADIUS_KM, MAX_RADIUS_KM = 50.0, 1000.0
DEFAULT_NEARBY, MAX_NEARBY = 20, 100


@dataclass(frozen=True, slots=True)
class NearbySearch:
    latitude: float
    longitude: float
    radius_km: float = DEFAULT_RADIUS_KM
    limit: int = DEFAULT_NEARBY
    in_stock_only: bool = False  # only stores with the searched variant available


def nearby_search(
    latitude: float,
    longitude: float,
    radius_km: float | None = None,
    first: int | None = None,
    *,
    in_stock_only: bool = False,
    with_variant: bool = False,
) -> NearbySearch:
    """Check the arguments of a nearby-stores search (INVALID naming the argument); only a search
    for a variant (`with_variant`) can ask for the stores that have it."""
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise DomainError(Code.INVALID, "`latitude` is between -90 and 90.", ["latitude"])
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise DomainError(Code.INVALID, "`longitude` is between -180 and 180.", ["longitude"])
    radius = DEFAULT_RADIUS_KM if radius_km is None else radius_km
    if not (math.isfinite(radius) and 0 < radius <= MAX_RADIUS_KM):
        raise DomainError(Code.INVALID, f"`radiusKm` is greater than 0 and at most {MAX_RADIUS_KM:g}.", ["radiusKm"])
    limit = DEFAULT_NEARBY if first is None else first
    if not 0 <= limit <= MAX_NEARBY:
        raise DomainError(Code.INVALID, f"`first` is between 0 and {MAX_NEARBY}.", ["first"])
    if in_stock_only and not with_variant:
        raise DomainError(Code.INVALID, "`inStockOnly` needs a `variantId`.", ["inStockOnly"])
    return NearbySearch(latitude, longitude, radius, limit, in_stock_only)


class Candidate(NamedTuple):
    """A store the bounding-box prefilter let through, with the searched variant's availability.
    (A tuple: a wide search makes thousands of them.)"""

    location_id: int
    latitude: float
    longitude: float
    available: int | None = None


@dataclass(frozen=True, slots=True)
class NearbyStore:
    location_id: int
    distance_km: float
    available: int | None = field(default=None)


def nearest(search: NearbySearch, candidates: Iterable[Candidate]) -> list[NearbyStore]:
    """The `search.limit` closest candidates within the radius by exact great-circle distance,
    closest first (ties by location id, so the order is stable)."""
    lat1, lon1, radius = search.latitude, search.longitude, search.radius_km
    within = []
    for location_id, lat2, lon2, available in candidates:
        d = distance_km(lat1, lon1, lat2, lon2)
        if d <= radius:
            within.append((d, location_id, available))
    return [NearbyStore(loc, d, avail) for d, loc, avail in heapq.nsmallest(search.limit, within)]
