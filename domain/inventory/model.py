"""Inventory rules: locations, stock levels, movements, distances and allocation.

Stock is kept per variant per location as `on_hand` and `reserved`; `available = on_hand -
reserved` and `0 <= reserved <= on_hand` always (the database enforces it too). Every change
is an append-only movement, so the ledger of a stock level sums to its `on_hand`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from domain.errors import Code, DomainError

MAX_QUANTITY = 1_000_000  # per movement: larger is a typo, not a delivery
EARTH_RADIUS_KM = 6371.0088


class LocationType(str, Enum):
    WAREHOUSE = "WAREHOUSE"
    STORE = "STORE"


class MovementKind(str, Enum):
    RECEIVE = "RECEIVE"
    ADJUSTMENT = "ADJUSTMENT"
    RESERVATION = "RESERVATION"
    RELEASE = "RELEASE"
    SALE = "SALE"
    TRANSFER_OUT = "TRANSFER_OUT"
    TRANSFER_IN = "TRANSFER_IN"
    RETURN = "RETURN"


class TransferStatus(str, Enum):
    IN_TRANSIT = "IN_TRANSIT"  # sent, not yet counted in at the receiving location
    RECEIVED = "RECEIVED"


class Routing(str, Enum):
    """How a channel picks the locations that ship its orders (an order is split only when no one
    location can take it all)."""

    NEAREST = "NEAREST"  # nearest to the address, then by priority
    PRIORITY = "PRIORITY"  # the locations' priority list, then nearest
    WAREHOUSES_FIRST = "WAREHOUSES_FIRST"  # warehouses before stores, then nearest


class FulfilmentMethod(str, Enum):
    DELIVERY = "DELIVERY"
    PICKUP = "PICKUP"
    IN_STORE = "IN_STORE"
    ENDLESS_AISLE = "ENDLESS_AISLE"


def validate_quantity(quantity: int, field: list[str], *, allow_negative: bool = False) -> int:
    """A positive quantity (or a non-zero delta) no larger than MAX_QUANTITY."""
    if quantity == 0 or (quantity < 0 and not allow_negative):
        raise DomainError(
            Code.INVALID_QUANTITY,
            "The quantity must be greater than zero." if not allow_negative else "The change cannot be zero.",
            field,
        )
    if abs(quantity) > MAX_QUANTITY:
        raise DomainError(Code.INVALID_QUANTITY, f"At most {MAX_QUANTITY:,} units in one movement.", field)
    return quantity


def validate_coordinates(latitude: float | None, longitude: float | None, field: list[str]) -> None:
    if (latitude is None) != (longitude is None):
        raise DomainError(Code.INVALID, "Give both latitude and longitude, or neither.", field)
    if (
        latitude is not None
        and longitude is not None
        and not (
            math.isfinite(latitude) and math.isfinite(longitude) and -90 <= latitude <= 90 and -180 <= longitude <= 180
        )
    ):
        raise DomainError(Code.INVALID, "Latitude is -90..90 and longitude -180..180.", field)


# ---------------------------------------------------------------------------- geography


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lon: float
    max_lon: float
    wraps: bool = False  # crosses the antimeridian: longitude is outside [max_lon, min_lon]


def bounding_box(latitude: float, longitude: float, radius_km: float) -> BoundingBox:
    """A lat/lon box that contains every point within `radius_km` (an index-friendly prefilter)."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM)
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90:  # a pole is inside: every longitude
        return BoundingBox(max(min_lat, -90), min(max_lat, 90), -180, 180)
    dlon = math.degrees(math.asin(min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(latitude)))))
    min_lon, max_lon = longitude - dlon, longitude + dlon
    if min_lon < -180:
        return BoundingBox(min_lat, max_lat, min_lon + 360, max_lon, wraps=True)
    if max_lon > 180:
        return BoundingBox(min_lat, max_lat, min_lon, max_lon - 360, wraps=True)
    return BoundingBox(min_lat, max_lat, min_lon, max_lon)


# ---------------------------------------------------------------------------- allocation


@dataclass(frozen=True, slots=True)
class Line:
    """What must be allocated: `quantity` of `variant_id`; `key` names the line in errors."""

    key: str
    variant_id: int
    quantity: int


@dataclass(frozen=True, slots=True)
class Source:
    """A location that could ship or hand over stock, with what it has available now."""

    location_id: int
    type: LocationType
    priority: int
    available: dict[int, int]  # variant id -> available units
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    line_key: str
    variant_id: int
    location_id: int
    quantity: int


def _short(line: Line, have: int) -> DomainError:
    return DomainError(
        Code.INSUFFICIENT_STOCK,
        f"Only {have} of the {line.quantity} units asked for are available.",
        ["lines", line.key],
    )


def allocate(
    lines: Sequence[Line],
    sources: Sequence[Source],
    method: FulfilmentMethod,
    *,
    location_id: int | None = None,
    destination: tuple[float, float] | None = None,
    routing: Routing = Routing.NEAREST,
) -> list[Allocation]:
    """Decide where each line's units come from.

    PICKUP and IN_STORE take the one given store only. DELIVERY and ENDLESS_AISLE prefer a
    single location that covers every line (nearest to the destination when coordinates are
    known, else by priority, as the channel's `routing` ranks them); only when none can is an
    order split, line by line, taking from the best-ranked locations first. ENDLESS_AISLE ships
    from warehouses only.
    """
    if method in (FulfilmentMethod.PICKUP, FulfilmentMethod.IN_STORE):
        store = next((s for s in sources if s.location_id == location_id), None)
        used: dict[int, int] = {}  # two lines of one variant share the store's units
        for line in lines:
            have = (store.available.get(line.variant_id, 0) if store else 0) - used.get(line.variant_id, 0)
            if have < line.quantity:
                raise _short(line, max(have, 0))
            used[line.variant_id] = used.get(line.variant_id, 0) + line.quantity
        assert location_id is not None
        return [Allocation(ln.key, ln.variant_id, location_id, ln.quantity) for ln in lines]
    pool = [s for s in sources if method is not FulfilmentMethod.ENDLESS_AISLE or s.type is LocationType.WAREHOUSE]

    def rank(s: Source) -> tuple[float, ...]:
        far = (
            distance_km(destination[0], destination[1], s.latitude, s.longitude)
            if destination and s.latitude is not None and s.longitude is not None
            else math.inf
        )
        if routing is Routing.PRIORITY:
            return (s.priority, far, s.location_id)
        first = 0 if routing is not Routing.WAREHOUSES_FIRST or s.type is LocationType.WAREHOUSE else 1
        return (first, far, s.priority, s.location_id)

    pool.sort(key=rank)
    needed: dict[int, int] = {}
    for line in lines:
        needed[line.variant_id] = needed.get(line.variant_id, 0) + line.quantity
    whole = next((s for s in pool if all(s.available.get(v, 0) >= q for v, q in needed.items())), None)
    if whole is not None:
        return [Allocation(ln.key, ln.variant_id, whole.location_id, ln.quantity) for ln in lines]
    left = {s.location_id: dict(s.available) for s in pool}
    result: list[Allocation] = []
    for line in lines:
        remaining = line.quantity
        for s in pool:
            take = min(remaining, left[s.location_id].get(line.variant_id, 0))
            if take > 0:
                result.append(Allocation(line.key, line.variant_id, s.location_id, take))
                left[s.location_id][line.variant_id] -= take
                remaining -= take
            if remaining == 0:
                break
        if remaining:
            raise _short(line, line.quantity - remaining)
    return result
