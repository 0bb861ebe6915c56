"""Traces (api/tracing.py): a span per request, one per operation, one per SQL statement, none per field;
off unless OTEL_TRACES_EXPORTER names an exporter."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from sqlalchemy.ext.asyncio import AsyncEngine

from api.app import create_app
from api.settings import ConfigurationError, Settings
from api.tracing import provider_from_env
from tests.api.test_carts import Shop, address, open_shop
from tests.helpers import GraphQLClient

CHECKOUT = """mutation Checkout($id: ID!, $key: String!) {
  checkoutComplete(cartId: $id, idempotencyKey: $key) { order { number total { amount } } userErrors { code } } }"""


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(
    engine: AsyncEngine, settings: Settings, exporter: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    app = create_app(settings, engine=engine, tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        yield http


def request_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The spans of the last request's trace (the background workers' statements make traces of their own)."""
    finished = exporter.get_finished_spans()
    last = [s for s in finished if s.kind is SpanKind.SERVER][-1]
    assert last.context is not None
    return [s for s in finished if s.context is not None and s.context.trace_id == last.context.trace_id]


async def test_a_checkouts_trace_shows_its_operation_and_its_sql(
    traced: httpx.AsyncClient, demo: AsyncEngine, exporter: InMemorySpanExporter
) -> None:
    shop: Shop = await open_shop(GraphQLClient(traced), demo)
    cart = await shop.cart([(0, 2), (1, 1)])
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()})
    exporter.clear()
    response = await traced.post("/graphql", json={"query": CHECKOUT, "variables": {"id": cart["id"], "key": "k1"}})
    assert response.json()["data"]["checkoutComplete"]["userErrors"] == []

    spans = request_spans(exporter)
    (request,) = [s for s in spans if s.kind is SpanKind.SERVER]
    (operation,) = [s for s in spans if s.name == "mutation Checkout"]
    sql = [s for s in spans if s.kind is SpanKind.CLIENT]
    assert request.name == "POST /graphql" and request.attributes is not None
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["graphql.operation.name"] == "Checkout"
    assert operation.parent is not None and request.context is not None
    assert operation.parent.span_id == request.context.span_id
    assert operation.attributes == {"graphql.operation.type": "mutation", "graphql.operation.name": "Checkout"}
    assert sql and all(s.parent is not None and s.parent.span_id == operation.context.span_id for s in sql)  # type: ignore[union-attr]
    statements = [str((s.attributes or {})["db.statement"]) for s in sql]
    assert any("INSERT INTO orders " in t for t in statements), statements  # on PostgreSQL, inside a WITH
    # the reservation: on PostgreSQL in one message with the COMMIT (a DO block), an UPDATE elsewhere
    assert {s.name for s in sql} >= {"SELECT", "DO" if demo.dialect.name == "postgresql" else "UPDATE"}
    assert len(spans) == 2 + len(sql)  # no span per field


async def test_an_incoming_traceparent_continues_the_callers_trace(
    traced: httpx.AsyncClient, exporter: InMemorySpanExporter
) -> None:
    trace_id = "4bf92f3577b34da6a3ce929d0e0e4736"
    await traced.post(
        "/graphql",
        json={"query": "query Channels { channels { slug } }"},
        headers={"traceparent": f"00-{trace_id}-00f067aa0ba902b7-01"},
    )
    (request,) = [s for s in request_spans(exporter) if s.kind is SpanKind.SERVER]
    assert request.context is not None and format(request.context.trace_id, "032x") == trace_id
    assert request.parent is not None and request.parent.span_id == 0x00F067AA0BA902B7


def test_traces_are_off_unless_an_exporter_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_TRACES_EXPORTER", raising=False)
    assert provider_from_env() is None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert provider_from_env() is None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "shop-east")
    provider = provider_from_env()
    assert provider is not None and provider.resource.attributes["service.name"] == "shop-east"
    provider.shutdown()
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "zipkin-of-nowhere")
    with pytest.raises(ConfigurationError, match="not installed"):
        provider_from_env()
