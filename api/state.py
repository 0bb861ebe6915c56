"""`AppState`: what the lifespan builds and the request handlers share.

A module of its own so that the app factory (api/app.py) and the view it mounts
(api/graphql_view.py) both import it, and neither imports the other back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from api.events import OutboxRelay
from api.report_feed_thread import ReportFeedThread
from api.report_feeder import ReportFeeder
from api.settings import Settings
from api.stores import Stores
from db.replica import ReplicaRouter
from schema.context import Services

if TYPE_CHECKING:
    from api.metrics import Metrics


@dataclass
class AppState:
    """What the lifespan builds and the request handlers share."""

    settings: Settings
    services: Services
    stores: Stores
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    relay: OutboxRelay | None = None
    metrics: Metrics | None = None  # METRICS=true (api/metrics.py)
    feeder: ReportFeeder | ReportFeedThread | None = None  # counts order events into the report rollups
    router: ReplicaRouter | None = None  # DATABASE_REPLICA_URL: `sessions` then read from the replica
