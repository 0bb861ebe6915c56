"""Traces with OpenTelemetry: a span per HTTP request, one per GraphQL operation, one per SQL statement.

Configured only through the standard `OTEL_*` variables, and off unless `OTEL_TRACES_EXPORTER` names
an exporter (`console` comes with the SDK; `otlp` once `opentelemetry-exporter-otlp-proto-http` or
`-grpc` is installed). The service is `omnishop` unless `OTEL_SERVICE_NAME` (or
`OTEL_RESOURCE_ATTRIBUTES`) says otherwise; `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*` and `OTEL_PROPAGATORS`
work as the SDK documents them. An incoming `traceparent` header continues the caller's trace.

The request span (`POST /graphql`) is the parent of the operation span (`mutation checkoutComplete`,
with `graphql.operation.type` and `graphql.operation.name`), which is the parent of its SQL statements'
spans (`SELECT`, with `db.system` and the statement's text, placeholders and no values). There is no
span per field: a listing resolves thousands of fields, and a span each would cost more than the
request. SQL spans come from two SQLAlchemy cursor events on the app's engine, so statements run by
the background workers are traced too (as traces of their own).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib.metadata import entry_points
from typing import Any

from opentelemetry import propagate
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import Scope

from api.request_record import RequestRecord
from api.settings import ConfigurationError

EXPORTER_GROUP = "opentelemetry_traces_exporter"
STATEMENT_CHARS = 2000  # longer statements are cut in the span (the parameters are never in it)
_SPAN = "omnishop_span"
_PROPAGATED = frozenset({b"traceparent", b"tracestate", b"baggage"})  # the headers a caller's trace comes in


def provider_from_env() -> TracerProvider | None:
    """A provider exporting to the exporters `OTEL_TRACES_EXPORTER` names; None when it names none."""
    names = [n.strip() for n in os.environ.get("OTEL_TRACES_EXPORTER", "").split(",") if n.strip()]
    if not names or names == ["none"] or os.environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return None
    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: "omnishop"}))
    provider = TracerProvider(resource=resource)
    available = {e.name: e for e in entry_points(group=EXPORTER_GROUP)}
    for name in names:
        if name not in available:
            raise ConfigurationError(
                f"OTEL_TRACES_EXPORTER names {name!r}, which is not installed (installed: "
                f"{', '.join(sorted(available)) or 'none'}); for otlp, pip install opentelemetry-exporter-otlp."
            )
        provider.add_span_processor(BatchSpanProcessor(available[name].load()()))
    return provider


class Tracing:
    """The app's tracer; `owned` providers (made from the environment) are shut down with the app."""

    def __init__(self, provider: TracerProvider, *, owned: bool = False) -> None:
        self.provider = provider
        self.owned = owned
        self.tracer = provider.get_tracer("omnishop")

    @contextmanager
    def request_span(self, scope: Scope, record: RequestRecord) -> Iterator[Span]:
        """The request's span, current while it runs (its trace id goes into the record, for the logs)."""
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"] if k in _PROPAGATED}
        with self.tracer.start_as_current_span(
            f"{record.method} {record.path}",
            context=propagate.extract(headers) if headers else None,
            kind=SpanKind.SERVER,
            attributes={"http.request.method": record.method, "url.path": record.path},
        ) as span:
            record.trace_id = trace_id_of(span)
            yield span

    def finish_request(self, span: Span, status: int, record: RequestRecord) -> None:
        span.set_attribute("http.response.status_code", status)
        span.set_attribute("omnishop.request_id", record.request_id)
        if record.operation is not None:
            span.set_attribute("graphql.operation.name", record.operation)
        if status >= 500:
            span.set_status(Status(StatusCode.ERROR))

    def operation_span(self) -> AbstractContextManager[Span]:
        return self.tracer.start_as_current_span("graphql.operation", kind=SpanKind.INTERNAL)

    @staticmethod
    def name_operation(span: Span, kind: str, name: str | None) -> None:
        span.update_name(f"{kind} {name}" if name else kind)
        span.set_attribute("graphql.operation.type", kind)
        if name:
            span.set_attribute("graphql.operation.name", name)

    def trace_sql(self, engine: AsyncEngine) -> Callable[[], None]:
        """A span per statement `engine` runs, the child of whatever span is current; returns what stops it."""
        target = engine.sync_engine
        system = engine.dialect.name

        def before(_conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool) -> None:
            verb = statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"
            span = self.tracer.start_span(
                verb,
                kind=SpanKind.CLIENT,
                attributes={"db.system": system, "db.statement": statement[:STATEMENT_CHARS]},
            )
            if context is not None:
                setattr(context, _SPAN, span)

        def after(_conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool) -> None:
            span = getattr(context, _SPAN, None)
            if span is not None:
                span.end()
                setattr(context, _SPAN, None)

        def failed(exception_context: Any) -> None:
            span = getattr(exception_context.execution_context, _SPAN, None)
            if span is not None:
                span.set_status(Status(StatusCode.ERROR, type(exception_context.original_exception).__name__))
                span.end()
                setattr(exception_context.execution_context, _SPAN, None)

        event.listen(target, "before_cursor_execute", before)
        event.listen(target, "after_cursor_execute", after)
        event.listen(target, "handle_error", failed)

        def stop() -> None:
            event.remove(target, "before_cursor_execute", before)
            event.remove(target, "after_cursor_execute", after)
            event.remove(target, "handle_error", failed)

        return stop

    def close(self) -> None:
        if self.owned:
            self.provider.shutdown()


def trace_id_of(span: Span) -> str | None:
    context = span.get_span_context()
    return format(context.trace_id, "032x") if context.is_valid else None
