"""What `METRICS`, the `OTEL_*` variables and `LOG_FORMAT`/`LOG_REQUESTS` add to one app.

With all of them off (the default) the app is what it was: no middleware, no schema extension, no
event listener, and neither prometheus-client nor OpenTelemetry imported. Each one on adds:

- the `Observe` middleware and the `OperationObserver` schema extension (api/observe.py), which note
  each request and operation for the other three;
- metrics (api/metrics.py): `/metrics` on the API's port (or on `METRICS_PORT`, served by `omnishop
  serve`: api/metrics_port.py), behind `METRICS_TOKEN` when set; the pool's checkouts counted;
- traces (api/tracing.py): spans for requests, operations and the engine's SQL statements;
- logs (api/logs.py): the request's id, operation and principal kind on every line.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from strawberry.extensions import SchemaExtension

from api.observe import Observe, OperationObserver
from api.settings import Settings

if TYPE_CHECKING:
    from api.metrics import Metrics
    from api.tracing import Tracing


def tracing_configured() -> bool:
    """`OTEL_TRACES_EXPORTER` names an exporter (OpenTelemetry is imported only then)."""
    return os.environ.get("OTEL_TRACES_EXPORTER", "").strip().lower() not in ("", "none")


class Observability:
    def __init__(self, settings: Settings, tracer_provider: Any = None) -> None:
        self.settings = settings
        self.metrics: Metrics | None = None
        self.tracing: Tracing | None = None
        if settings.metrics:
            from api.metrics import Metrics

            self.metrics = Metrics(settings.metrics_operation_names)
        if tracer_provider is not None or tracing_configured():
            from api.tracing import Tracing, provider_from_env

            provider = tracer_provider or provider_from_env()
            if provider is not None:
                self.tracing = Tracing(provider, owned=tracer_provider is None)
        self.on = bool(self.metrics or self.tracing or settings.log_format == "json" or settings.log_requests)

    def extensions(self) -> list[Callable[[], SchemaExtension]]:
        tracing = self.tracing
        return [lambda: OperationObserver(tracing)] if self.on else []

    def middleware(self) -> list[Middleware]:
        if not self.on:
            return []
        return [
            Middleware(Observe, metrics=self.metrics, tracing=self.tracing, log_requests=self.settings.log_requests)
        ]

    def routes(self) -> list[Route]:
        """`/metrics` on the API's port, unless `METRICS_PORT` gives the metrics a port of their own."""
        if self.metrics is None or self.settings.metrics_port is not None:
            return []
        return [Route("/metrics", self.scrape, methods=["GET"])]

    async def scrape(self, request: Request) -> Response:
        from api.metrics import CONTENT_TYPE, authorized

        assert self.metrics is not None
        token = self.settings.metrics_token
        if not authorized(request.headers.get("authorization"), token.get_secret_value() if token else None):
            return Response("A bearer token is needed to read the metrics.\n", 401, {"WWW-Authenticate": "Bearer"})
        return Response(self.metrics.exposition(), headers={"content-type": CONTENT_TYPE})

    def watch(self, *engines: AsyncEngine) -> Callable[[], None]:
        """Count the engines' pools and trace their statements while the app runs; returns what stops it."""
        stops: list[Callable[[], None]] = []
        for engine in engines:
            if self.metrics is not None:
                stops.append(self.metrics.watch_pool(engine))
            if self.tracing is not None:
                stops.append(self.tracing.trace_sql(engine))

        def stop() -> None:
            for each in stops:
                each()
            if self.tracing is not None:
                self.tracing.close()

        return stop
