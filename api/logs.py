"""Log lines as JSON (`LOG_FORMAT=json`), one object per line, for a log collector.

Every line has `time` (UTC, ISO 8601), `level`, `logger` and `message`; a line logged while a request
runs adds what api/observe.py keeps of it: `request_id`, `method`, `path` (never the query string,
where a GET's variables travel), `principal` (its kind, never who), `operation` and `operation_type`,
and `trace_id` when traces are on; a request line (`LOG_REQUESTS=true`) adds `status` and
`duration_ms`; an exception adds `exception` (the traceback). What the server logs stays as it was:
api/error_log.py decides what is an error, and no logger writes variables, tokens or personal data,
which tests/api/test_logs.py checks on a sign-in and a checkout.

`log_config(settings)` is the `logging.config.dictConfig` that `omnishop serve` hands uvicorn in JSON
mode, so uvicorn's own lines (start-up, shutdown, its errors) are JSON too.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from api.request_record import current

if TYPE_CHECKING:  # uvicorn's workers import this module before they answer its health checks: keep it light
    from api.settings import Settings

# Extra fields a log call may pass (`extra={...}`) that the JSON line carries.
EXTRA_FIELDS = ("status", "duration_ms")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request = current()
        if request is not None:
            entry["request_id"] = request.request_id
            entry["method"] = request.method
            entry["path"] = request.path
            if request.principal is not None:
                entry["principal"] = request.principal
            if request.operation_type is not None:
                entry["operation_type"] = request.operation_type
                entry["operation"] = request.operation
            if request.trace_id is not None:
                entry["trace_id"] = request.trace_id
        for name in EXTRA_FIELDS:
            value = record.__dict__.get(name)
            if value is not None:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def log_config(settings: Settings) -> dict[str, Any]:
    """JSON lines on standard error for the server's loggers and uvicorn's, at `LOG_LEVEL`."""
    level = settings.log_level.upper()
    handler = {"handlers": ["json"], "level": level, "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "api.logs.JsonFormatter"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "loggers": {"omnishop": handler, "uvicorn": handler, "uvicorn.error": {"level": level}},
        "root": {"handlers": ["json"], "level": "WARNING"},
    }
