"""The application factory: `create_app(settings)` wires settings, engine, schema and routes.

Nothing happens at import time; the Starlette lifespan owns the database engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute

from api.adapters.images import PillowImages
from api.adapters.media_storage import storage_for
from api.adapters.passwords import Argon2Hasher
from api.adapters.payments import built_in_payments
from api.adapters.s3_storage import S3MediaStorage
from api.adapters.tokens import JwtTokens
from api.dashboard import dashboard_routes
from api.events import OutboxRelay
from api.graphiql import ASSET_ROUTE
from api.graphql_view import GraphQLView
from api.jobs import DeliveryPurge, run_count_folding, run_order_expiry
from api.limits import schema_for
from api.media_route import media_route
from api.observability import Observability
from api.preflight import describe_database_error
from api.replica import ReplicaRouting, replica_router
from api.report_feed_thread import ReportFeedThread
from api.report_feeder import ReportFeeder
from api.settings import Settings
from api.state import AppState
from api.stores import build_stores
from api.webhooks.payloads import PayloadRenderer
from api.webhooks.sync_call import HttpGatewayCalls
from api.webhooks.worker import DeliveryWorker
from db.engine import create_engine, create_session_factory
from domain.catalog.media import ImageLimits
from domain.clock import Clock, system_clock
from domain.members.points_services import PointsPolicy
from schema.apps.payload_queries import payload_queries
from schema.context import Services

log = logging.getLogger("omnishop")
READY_TIMEOUT_SECONDS = 5.0


class Readiness:
    """Whether the database answered the last check. A change is logged once, in one line (an outage
    is not a traceback per probe), and `/health/ready` reports the state the check found."""

    def __init__(self, url: str) -> None:
        self.url, self.up = url, True

    async def check(self, engine: AsyncEngine) -> bool:
        try:
            async with asyncio.timeout(READY_TIMEOUT_SECONDS), engine.connect() as conn:
                await conn.execute(sa.text("SELECT 1"))
        except Exception as e:  # any failure means "not ready"
            if self.up:
                reason = describe_database_error(self.url, e) or f"{type(e).__name__}: {e}"
                log.error("Database unreachable, /health/ready answers 503 until it is back. %s", reason)
            self.up = False
            return False
        if not self.up:
            log.warning("Database reachable again; /health/ready is green.")
        self.up = True
        return True


def build_services(settings: Settings, *, demo: bool = False, clock: Clock = system_clock) -> Services:
    secret_key = settings.resolved_secret_key(allow_generated=demo)
    return Services(
        tokens=JwtTokens(
            secret_key=secret_key,
            access_ttl=timedelta(minutes=settings.access_token_minutes),
            refresh_ttl=timedelta(days=settings.refresh_token_days),
        ),
        hasher=Argon2Hasher(time_cost=settings.password_time_cost, memory_cost=settings.password_memory_kib),
        phone_region=settings.phone_region,
        points_validity_months=settings.points_validity_months,
        settlement_return_window_days=settings.settlement_return_window_days,
        payments=built_in_payments(sandbox=demo or settings.debug or settings.payments_sandbox),
        secret_key=secret_key,
        gateways=HttpGatewayCalls(allow_private=settings.webhook_allow_private_networks, clock=clock),
        media=storage_for(settings, clock),
        images=PillowImages(),
        image_limits=ImageLimits(settings.media_max_bytes, settings.media_max_side, settings.media_max_pixels),
        debug=settings.debug,
        webhook_allow_private_networks=settings.webhook_allow_private_networks,
        clock=clock,
        business_timezone=settings.business_timezone,
    )


def create_app(
    settings: Settings | None = None,
    *,
    demo: bool = False,
    engine: AsyncEngine | None = None,
    clock: Clock = system_clock,
    tracer_provider: Any = None,
) -> Starlette:
    """Build the ASGI app. `demo` allows a generated per-install secret key; `engine` lets tests
    share one engine across apps; `clock` is the time everything reads (the use cases, the
    loaders, the outbox relay, the webhook delivery worker, the report feed and the order-expiry job);
    `tracer_provider` (an OpenTelemetry SDK provider) traces without the OTEL_* variables (tests)."""
    settings = settings or Settings()
    services = build_services(settings, demo=demo, clock=clock)
    state = AppState(settings=settings, services=services, stores=build_stores(settings))
    readiness = Readiness(settings.database_url)
    seen = Observability(settings, tracer_provider)
    state.metrics = seen.metrics
    routing = [ReplicaRouting] if settings.database_replica_url else []
    schema = schema_for(settings, [*seen.extensions(), *routing])
    renderer = PayloadRenderer(payload_queries(schema), services)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        own_engine = engine is None
        state.engine = engine or create_engine(settings.database_url, pool_size=settings.db_pool_size)
        postgres = state.engine.dialect.name == "postgresql"
        state.router = replica_router(settings, state.engine)
        state.sessions = (
            state.router.sessions() if state.router else create_session_factory(state.engine, autocommit_reads=True)
        )
        deliveries = DeliveryWorker(
            create_session_factory(state.engine),
            interval=settings.events_interval,
            allow_private=settings.webhook_allow_private_networks,
            clock=clock,
            on_outcome=seen.metrics.webhook_delivery if seen.metrics else None,
        )
        state.relay = OutboxRelay(
            create_session_factory(state.engine),
            state.stores.bus,
            settings.events_interval,
            clock,
            deliveries.nudge,
            renderer,
            on_backlog=seen.metrics.outbox_backlog.set if seen.metrics else None,
        )
        unwatch = seen.watch(state.engine, *([state.router.replica] if state.router else []))
        if state.router is not None and seen.metrics is not None:
            state.router.on_route = seen.metrics.route
        await readiness.check(state.engine)  # a server started on a missing database says so before it serves
        await state.stores.bus.start()
        relay = asyncio.create_task(state.relay.run())
        delivering = asyncio.create_task(deliveries.run())
        zone = ZoneInfo(settings.business_timezone)
        feeder: ReportFeeder | ReportFeedThread
        if own_engine and postgres:  # its own loop and connection: api/report_feed_thread.py
            feeder = ReportFeedThread(settings.database_url, zone, settings.reports_interval, clock)
        else:
            sessions = create_session_factory(state.engine, autocommit_reads=True)
            feeder = ReportFeeder(sessions, zone, settings.reports_interval, clock)
        feeding = None
        if settings.reports_interval > 0:
            state.feeder = feeder
            feeding = asyncio.create_task(feeder.run())
        expiry = None
        if settings.order_expiry_interval > 0:
            policy = PointsPolicy(settings.points_validity_months)
            expiry = asyncio.create_task(run_order_expiry(state.engine, policy, settings.order_expiry_interval, clock))
        purge = DeliveryPurge(state.engine, timedelta(days=settings.webhook_delivery_retention_days), clock)
        purging = asyncio.create_task(purge.run()) if settings.webhook_delivery_retention_days else None
        folding = asyncio.create_task(run_count_folding(state.engine))
        try:
            yield
        finally:
            state.relay.stop()
            deliveries.stop()
            feeder.stop()
            purge.stop()
            try:
                await asyncio.wait_for(relay, 10)
            except TimeoutError:
                log.warning("outbox relay did not stop in time")
            try:
                await asyncio.wait_for(delivering, 20)
            except TimeoutError:
                log.warning("webhook delivery did not stop in time (unfinished attempts are retried)")
            if feeding is not None:
                try:
                    await asyncio.wait_for(feeding, 10)
                except TimeoutError:
                    log.warning("report feed did not stop in time (an unfinished pass counts nothing)")
            if purging is not None:
                try:
                    await asyncio.wait_for(purging, 10)
                except TimeoutError:
                    log.warning("webhook delivery purge did not stop in time (the next one goes on)")
            for loop in (expiry, folding):  # a pass cut short rolls back and loses nothing
                if loop is not None:
                    loop.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await loop
            await state.stores.close()
            if isinstance(services.media, S3MediaStorage):
                await services.media.close()
            unwatch()
            if state.router is not None:
                await state.router.replica.dispose()
            if own_engine:
                await state.engine.dispose()

    async def live(_request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def ready(_request: Request) -> Response:
        assert state.engine is not None
        if not await readiness.check(state.engine):
            return JSONResponse({"status": "unavailable", "database": "down"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "up"})

    view = GraphQLView(schema, state)
    middleware = seen.middleware()
    if settings.cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_origins,
                allow_methods=["GET", "POST"],
                allow_headers=settings.cors_allow_headers,
                expose_headers=settings.cors_expose_headers,
            )
        )
    return Starlette(
        debug=settings.debug,
        routes=[
            Route("/health/live", live, methods=["GET"]),
            Route("/health/ready", ready, methods=["GET"]),
            Route("/graphql", view, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", view),  # subscriptions (graphql-transport-ws)
            media_route(services.media, services.images),  # product images and thumbnails
            *([ASSET_ROUTE] if settings.graphiql else []),
            *(dashboard_routes() if settings.dashboard else []),
            *seen.routes(),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """Factory for uvicorn workers: settings from the environment, demo mode from `serve --demo`."""
    settings = Settings()
    app = create_app(settings, demo=os.environ.get("OMNISHOP_DEMO") == "1")
    settle_collector(settings)  # not in `create_app`: tests build many apps
    return app


def settle_collector(settings: Settings) -> None:
    """The garbage collector as a worker runs it. The modules, the schema and the app live as long as the
    worker: moved out of the collector's way, the generation-2 passes that requests' garbage triggers do
    not walk them again and again (about a quarter of a listing's CPU). A request allocates thousands of
    objects that die with it: with Python's young threshold of 700 a listing set off ~2 young passes, each
    promoting what was still alive to older generations whose passes walked it again; at 10,000 the
    collector took a third of the CPU it took (measured with `bench cpu`'s thread-CPU time in `gc.callbacks`)."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(settings.gc_young_threshold, older, oldest)
