"""`RequestRecord`: one HTTP request as the logs, metrics and traces describe it, in a context variable.

The `Observe` middleware (api/observe.py) makes it; the view, the schema's observer and the traces fill
it in; the JSON log formatter (api/logs.py) reads it for every line logged while the request runs.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(slots=True)
class RequestRecord:
    """One HTTP request as the logs, metrics and traces describe it; nothing personal goes here."""

    request_id: str
    method: str = ""
    path: str = ""
    principal: str | None = None  # the kind: anonymous, member, staff, app
    operation_type: str | None = None  # of the last operation run (a batch runs several)
    operation: str | None = None
    valid_document: bool = False  # the operation's document passed validation
    trace_id: str | None = None


CURRENT: ContextVar[RequestRecord | None] = ContextVar("omnishop_request", default=None)


def current() -> RequestRecord | None:
    return CURRENT.get()
