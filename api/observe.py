"""What the server notes about each HTTP request, for the metrics, the traces and the logs.

`Observe` is a pure ASGI middleware, installed only when metrics, traces, JSON logs or request logs
are on: it gives the request an id (the client's `X-Request-ID` when it is a plain token, else a fresh
one, echoed in the response), keeps a `RequestRecord` in a context variable while the request runs,
opens the request's span, and when the response has gone counts and logs it. The view
(api/graphql_view.py) and `OperationObserver`, a schema extension, fill the record in: the
principal's kind, and each operation's type and name. The log formatter (api/logs.py) reads the same
record, so every line logged while a request runs says which request it belongs to.

`operation_outcome` sorts an operation's result for the metrics: ok, user_error, error, refused,
limited.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from api.request_record import CURRENT, RequestRecord
from schema.errors import ErrorCode

if TYPE_CHECKING:
    from api.metrics import Metrics
    from api.tracing import Tracing

log = logging.getLogger("omnishop.requests")
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}\Z")
UNKNOWN = "unknown"


def request_id_of(scope: Scope) -> str:
    """The caller's `X-Request-ID` when it is a short plain token (it goes into every log line), else a new id."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if REQUEST_ID.match(text):
                return text
    return os.urandom(8).hex()


class Observe:
    """Times, counts, traces and logs every HTTP request (pure ASGI: nothing buffered)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        metrics: Metrics | None = None,
        tracing: Tracing | None = None,
        log_requests: bool = False,
    ) -> None:
        self.app = app
        self.metrics = metrics
        self.tracing = tracing
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        record = RequestRecord(request_id_of(scope), scope["method"], scope["path"])
        token = CURRENT.set(record)
        status = 500  # what a request that fails before answering amounts to
        header = (b"x-request-id", record.request_id.encode())

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        tracing = self.tracing
        try:
            with tracing.request_span(scope, record) if tracing is not None else nullcontext() as opened:
                try:
                    await self.app(scope, receive, answer)
                finally:
                    if tracing is not None and opened is not None:
                        tracing.finish_request(opened, status, record)
        finally:
            seconds = time.perf_counter() - started
            if self.metrics is not None:
                self.metrics.request(record.path, status, seconds)
            if self.log_requests:
                log.info(
                    "%s %s %s %.1f ms",
                    record.method,
                    record.path,
                    status,
                    seconds * 1000,
                    extra={"status": status, "duration_ms": round(seconds * 1000, 2)},
                )
            CURRENT.reset(token)


def describe(context: Any) -> tuple[str, str | None]:
    """An execution context's operation type and name."""
    if context.graphql_document is None:
        return UNKNOWN, context.operation_name
    try:
        return context.operation_type.value, context.operation_name
    except Exception:  # no such operation in the document, or several and none named
        return UNKNOWN, context.operation_name


class OperationObserver(SchemaExtension):
    """Notes each operation's type and name in the request's record, and traces it in a span of its
    own (the request's child, the SQL's parent); no span per field, which would cost more than the field."""

    def __init__(self, tracing: Tracing | None = None) -> None:
        self.tracing = tracing
        self.valid = False

    def on_validate(self) -> Iterator[None]:
        yield
        self.valid = not self.execution_context.pre_execution_errors  # before the limits add theirs

    def on_operation(self) -> Iterator[None]:
        tracing = self.tracing
        with tracing.operation_span() if tracing is not None else nullcontext() as opened:
            yield
            kind, name = describe(self.execution_context)
            record = CURRENT.get()
            if record is not None:
                record.operation_type, record.operation, record.valid_document = kind, name, self.valid
            if tracing is not None and opened is not None:
                tracing.name_operation(opened, kind, name)


def _codes(errors: list[GraphQLError] | None) -> set[Any]:
    return {(e.extensions or {}).get("code") for e in errors or ()}


def operation_outcome(result: ExecutionResult, kind: str | None) -> str:
    """ok, user_error (a mutation answered `userErrors`), error, refused (nothing ran) or limited."""
    if result.errors:
        if result.data is None and all(e.path is None for e in result.errors):
            return "limited" if _codes(result.errors) == {ErrorCode.THROTTLED.value} else "refused"
        return "error"
    if kind == "mutation" and isinstance(result.data, dict):
        for payload in result.data.values():
            if isinstance(payload, dict) and payload.get("userErrors"):
                return "user_error"
    return "ok"


def operation_cost(result: ExecutionResult) -> int | None:
    cost = ((result.extensions or {}).get("cost") or {}).get("requestedQueryCost")
    return cost if isinstance(cost, int) else None


def note_operation(metrics: Metrics, result: ExecutionResult, *, ran: bool = True) -> None:
    """Count an operation the view ran (`ran=False`: it was refused before strawberry saw it, such as an
    unknown persisted query, so the record knows nothing of it)."""
    record = CURRENT.get()
    if record is None or not ran:
        kind, name, valid = UNKNOWN, None, False
    else:
        kind, name, valid = record.operation_type or UNKNOWN, record.operation, record.valid_document
    metrics.operation(kind, name, operation_outcome(result, kind), operation_cost(result), valid)
