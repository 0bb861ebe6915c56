"""Location use cases: create and update a warehouse or store, and find the nearest stores.

They take the unit of work and reach storage through its `locations` repository; the caller owns
the transaction, so a refused command writes nothing. The rules they apply (what a field may
hold, what a store needs, the ranking by great-circle distance) are `domain.inventory.locations`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from domain.catalog.commands import Keep
from domain.catalog.services import InputErrors
from domain.errors import Code, DomainError, input_field
from domain.inventory.locations import (
    Candidate,
    LocationChanges,
    LocationCreate,
    LocationState,
    LocationUpdate,
    NearbySearch,
    NearbyStore,
    check_state,
    checked_changes,
    nearest,
)
from domain.inventory.model import BoundingBox, bounding_box


class LocationRepository(Protocol):
    async def state(self, location_id: int) -> LocationState | None: ...
    async def code_taken(self, code: str, other_than: int | None = None) -> bool: ...
    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]: ...  # the slugs that exist
    async def add(self, new: LocationChanges) -> int: ...
    async def update(self, location_id: int, changes: LocationChanges) -> None: ...
    async def set_channels(self, location_id: int, channel_ids: Sequence[int]) -> None: ...
    async def store_candidates(
        self, box: BoundingBox, *, channel_id: int | None, variant_id: int | None, in_stock_only: bool
    ) -> list[Candidate]: ...


class LocationsUnitOfWork(Protocol):
    @property
    def locations(self) -> LocationRepository: ...


async def _channel_ids(errors: InputErrors, repo: LocationRepository, slugs: Sequence[str]) -> list[int]:
    wanted = [s.strip() for s in slugs]
    found = await repo.channel_ids(sorted(set(wanted))) if wanted else {}
    for i, slug in enumerate(wanted):
        if slug not in found:
            errors.add(Code.NOT_FOUND, f"There is no channel '{slug[:100]}'.", [*input_field("channels"), str(i)])
    return sorted({found[s] for s in wanted if s in found})


async def create_location(uow: LocationsUnitOfWork, cmd: LocationCreate) -> int:
    repo = uow.locations
    errors = InputErrors()
    new = replace(checked_changes(errors, cmd), latitude=cmd.latitude, longitude=cmd.longitude)
    check_state(errors, LocationState(cmd.type, cmd.latitude, cmd.longitude, cmd.is_pickup_point))
    channel_ids = await _channel_ids(errors, repo, cmd.channels)
    await errors.unique("code", new.code, repo.code_taken)
    errors.raise_any()
    location_id = await repo.add(new)
    await repo.set_channels(location_id, channel_ids)
    return location_id


async def update_location(uow: LocationsUnitOfWork, cmd: LocationUpdate) -> int:
    repo = uow.locations
    current = await repo.state(cmd.location_id)
    if current is None:
        raise DomainError(Code.NOT_FOUND, "No such location.", ["id"])
    errors = InputErrors()
    changes = checked_changes(errors, cmd)
    latitude = current.latitude if isinstance(cmd.latitude, Keep) else cmd.latitude
    longitude = current.longitude if isinstance(cmd.longitude, Keep) else cmd.longitude
    if (latitude, longitude) != (current.latitude, current.longitude):
        changes = replace(changes, latitude=latitude, longitude=longitude)
    after = LocationState(
        cmd.type or current.type,
        latitude,
        longitude,
        current.is_pickup_point if cmd.is_pickup_point is None else cmd.is_pickup_point,
    )
    check_state(errors, after)
    channel_ids = None if isinstance(cmd.channels, Keep) else await _channel_ids(errors, repo, cmd.channels)
    await errors.unique("code", changes.code, repo.code_taken, cmd.location_id)
    errors.raise_any()
    await repo.update(cmd.location_id, changes)
    if channel_ids is not None:
        await repo.set_channels(cmd.location_id, channel_ids)
    return cmd.location_id


async def nearby_stores(
    uow: LocationsUnitOfWork, search: NearbySearch, *, variant_id: int | None = None, channel_id: int | None = None
) -> list[NearbyStore]:
    """ "Find the closest store that has it": one query for the active stores in the search's
    bounding box (with the variant's available units), then the exact ranking."""
    box = bounding_box(search.latitude, search.longitude, search.radius_km)
    candidates = await uow.locations.store_candidates(
        box, channel_id=channel_id, variant_id=variant_id, in_stock_only=search.in_stock_only
    )
    return nearest(search, candidates)
