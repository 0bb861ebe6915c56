"""Location storage and reads: implements `domain.inventory.location_services.LocationRepository`, the
`locations` keyset pages, and the nearby-stores candidate query.

Locations are written through the ORM, so a row already in the session's identity map stays
current for the loader that reads the result back. The use cases check code uniqueness first;
a violation at flush means a concurrent request took the code meanwhile, and becomes the same
DUPLICATE error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.changes import columns
from db.models import Channel, ChannelLocation, Location, StockLevel
from db.pagination import InvalidCursor, Ordering, Page, PageRequest, SortKey, keyset_page, parse_int, parse_str
from domain.catalog.commands import Keep
from domain.errors import Code, DomainError
from domain.inventory.locations import Candidate, LocationChanges, LocationState
from domain.inventory.model import BoundingBox, LocationType


def _duplicate_code() -> DomainError:
    return DomainError(Code.DUPLICATE, "The code is already taken.", ["input", "code"])


_LOCATIONS, _LINKS, _LEVELS = (cast(sa.Table, m.__table__) for m in (Location, ChannelLocation, StockLevel))


def _columns(changes: LocationChanges) -> dict[str, object]:
    values = columns(changes)
    if not isinstance(changes.opening_hours, Keep):  # stored as JSON
        values["opening_hours"] = [{"day": h.day, "opens": h.opens, "closes": h.closes} for h in changes.opening_hours]
    return values


class SqlLocationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def state(self, location_id: int) -> LocationState | None:
        # FOR UPDATE: concurrent updates of one location take turns, so the cross-field rules
        # are checked against what the other one wrote.
        row = (
            await self.session.execute(
                sa.select(Location.type, Location.latitude, Location.longitude, Location.is_pickup_point)
                .where(Location.id == location_id)
                .with_for_update()
            )
        ).first()
        return LocationState(row.type, row.latitude, row.longitude, row.is_pickup_point) if row else None

    async def code_taken(self, code: str, other_than: int | None = None) -> bool:
        where = [Location.code == code] + ([Location.id != other_than] if other_than is not None else [])
        return bool(await self.session.scalar(sa.select(sa.exists().where(*where))))

    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]:
        rows = await self.session.execute(sa.select(Channel.slug, Channel.id).where(Channel.slug.in_(slugs)))
        return {slug: channel_id for slug, channel_id in rows}

    async def add(self, new: LocationChanges) -> int:
        row = Location(**_columns(new))
        self.session.add(row)
        try:
            await self.session.flush()
        except IntegrityError:
            raise _duplicate_code() from None
        return row.id

    async def update(self, location_id: int, changes: LocationChanges) -> None:
        values = _columns(changes)
        if not values:
            return
        row = await self.session.get(Location, location_id, populate_existing=True)
        if row is None:  # deleted by a concurrent request since the use case looked
            raise DomainError(Code.NOT_FOUND, "No such location.", ["id"])
        for name, value in values.items():
            setattr(row, name, value)
        try:
            await self.session.flush()
        except IntegrityError:
            raise _duplicate_code() from None

    async def set_channels(self, location_id: int, channel_ids: Sequence[int]) -> None:
        """Replace the location's channel links with exactly these."""
        await self.session.execute(sa.delete(ChannelLocation).where(ChannelLocation.location_id == location_id))
        if channel_ids:
            await self.session.execute(
                sa.insert(ChannelLocation),
                [{"channel_id": channel_id, "location_id": location_id} for channel_id in channel_ids],
            )

    async def store_candidates(
        self,
        box: BoundingBox,
        *,
        channel_id: int | None = None,
        variant_id: int | None = None,
        in_stock_only: bool = False,
    ) -> list[Candidate]:
        """Active stores inside the box (the ix_locations_lat_lon index), with the variant's available
        units there when a variant is given (0 without a stock level), in one statement.
        `in_stock_only` keeps the stores with at least one unit available.

        A wide search returns thousands of rows, so this is a Core statement on the tables (no ORM
        row processing) and the rows become `Candidate` tuples as they are.
        """
        loc, level = _LOCATIONS.c, _LEVELS.c
        if box.wraps:  # across the antimeridian: east of min_lon or west of max_lon
            lon = sa.or_(loc.longitude >= box.min_lon, loc.longitude <= box.max_lon)
        else:
            lon = loc.longitude.between(box.min_lon, box.max_lon)
        # `type` is wrapped in an expression so that no index can serve it: SQLite, without ANALYZE
        # statistics, would otherwise prefer that equality (which matches every store) to the
        # latitude range of ix_locations_lat_lon. (PostgreSQL's planner has statistics either way.)
        is_store = sa.func.coalesce(loc.type, loc.type) == LocationType.STORE
        stmt = sa.select(loc.id, loc.latitude, loc.longitude).where(
            loc.latitude.between(box.min_lat, box.max_lat), lon, is_store, loc.is_active
        )
        if channel_id is not None:
            links = _LINKS.c
            stmt = stmt.where(sa.exists().where(links.location_id == loc.id, links.channel_id == channel_id))
        if variant_id is None:
            stmt = stmt.add_columns(sa.null())
        else:
            available = level.on_hand - level.reserved
            on = sa.and_(level.location_id == loc.id, level.variant_id == variant_id)
            stmt = stmt.join(_LEVELS, on).where(available > 0) if in_stock_only else stmt.outerjoin(_LEVELS, on)
            stmt = stmt.add_columns(sa.func.coalesce(available, 0))
        return list(map(Candidate._make, await self.session.execute(stmt)))


async def location_id_by_code(session: AsyncSession, code: str) -> int | None:
    """The location a staff-facing code names ("sh01" finds SH01)."""
    return await session.scalar(sa.select(Location.id).where(Location.code == code.strip().upper()))


# ---------------------------------------------------------------------------- pages


# One ordering for every list: by type, then name. With a `type` filter that is "by name", and
# either way the ix_locations_type_name_id index serves both the filter and the order.
def _parse_type(v: Any) -> LocationType:
    try:
        return LocationType(parse_str(v))
    except ValueError:
        raise InvalidCursor("The cursor is not valid.") from None


LOCATION_ORDERING = Ordering(
    "location",
    [
        SortKey(Location.type, parse=_parse_type),
        SortKey(Location.name, parse=parse_str),
        SortKey(Location.id, parse=parse_int),
    ],
)


def location_statement(type_: LocationType | None, *, include_inactive: bool) -> sa.Select[Any]:
    stmt = sa.select(Location)
    if type_ is not None:
        stmt = stmt.where(Location.type == type_)
    if not include_inactive:
        stmt = stmt.where(Location.is_active)
    return stmt


async def location_page(
    session: AsyncSession, type_: LocationType | None, page: PageRequest, size: int, *, include_inactive: bool
) -> Page[Any]:
    return await keyset_page(
        session,
        location_statement(type_, include_inactive=include_inactive),
        LOCATION_ORDERING,
        page,
        size,
        lambda r: (r[0].type.value, r[0].name, r[0].id),
    )
