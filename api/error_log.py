"""Logging of GraphQL errors: only the server's own failures are ERRORs.

Strawberry logs every error of every response at ERROR with its traceback, so a client that
sends a misspelt field fills the log like a database outage would. Here an unexpected
exception (the ones masked in responses) is logged at ERROR with its traceback, and
everything else the client caused (parse, validation, coded errors such as BAD_USER_INPUT,
FORBIDDEN, THROTTLED) at DEBUG, without one, and with its code but not its message (which may quote
the request's variables). With `LOG_FORMAT=json` each line also names its request (api/logs.py).
"""

from __future__ import annotations

import logging
from typing import Any

from graphql import GraphQLError

from schema.errors import should_mask

log = logging.getLogger("omnishop.errors")


def log_errors(errors: list[GraphQLError], execution_context: Any = None) -> None:
    """A drop-in for `strawberry.Schema.process_errors`."""
    operation = getattr(execution_context, "operation_name", None)
    for error in errors:
        if should_mask(error):
            log.error(
                "unexpected error in operation %s at %s: %s",
                operation or "(anonymous)",
                ".".join(map(str, error.path or ())) or "-",
                error.message,
                exc_info=error.original_error,
            )
        elif log.isEnabledFor(logging.DEBUG):
            # the code, not the message: a message about variables quotes them ("got invalid value ..."),
            # and they carry phones, e-mails and passwords
            code = (error.extensions or {}).get("code")
            where = ".".join(map(str, error.path or ())) or "-"
            log.debug("client error %s in operation %s at %s", code, operation or "(anonymous)", where)
