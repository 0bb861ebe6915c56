"""Error codes: `ErrorCodes` gives every top-level error a code from `schema.errors.ErrorCode` by
the phase that raised it (parse, validation, variable coercion, execution), turns a busy database
into a code the client may retry, and masks unexpected exceptions outside debug mode."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError
from strawberry.extensions import MaskErrors

from db.engine import database_busy
from schema.errors import ErrorCode, should_mask

log = logging.getLogger("omnishop.errors")


def syntax_error_extensions(error: GraphQLSyntaxError, max_tokens: int | None = None) -> dict[str, Any]:
    """Parse errors are GRAPHQL_PARSE_FAILED, except the parser's own limits (QUERY_TOO_COMPLEX)."""
    message = error.message
    too_complex = {"code": ErrorCode.QUERY_TOO_COMPLEX.value}
    if "Parsing aborted" in message and "tokens" in message:
        return too_complex | {"limit": "tokens"} | ({"maximum": max_tokens} if max_tokens else {})
    if "nested too deeply" in message:
        return too_complex | {"limit": "depth"}
    return {"code": ErrorCode.GRAPHQL_PARSE_FAILED.value}


def has_code(error: GraphQLError) -> bool:
    return bool(error.extensions and "code" in error.extensions)


def _tag(errors: list[GraphQLError] | None, extensions: Callable[[GraphQLError], dict[str, Any] | None]) -> None:
    for error in errors or ():
        if not has_code(error) and (extra := extensions(error)):
            error.extensions = {**(error.extensions or {}), **extra}


def _never(_error: GraphQLError) -> bool:
    return False


BUSY_RETRY_AFTER = 1  # seconds


def _busy(error: GraphQLError) -> GraphQLError:
    """A field that failed because the database was busy: a readable, coded error the client may retry
    (its mutation, if any, wrote nothing), logged as a warning rather than as a failure of ours."""
    log.warning("database busy at %s: %s", ".".join(map(str, error.path or ())) or "-", error.original_error)
    return GraphQLError(
        "The database is busy; try again in a moment.",
        error.nodes,
        error.source,
        error.positions,
        error.path,
        extensions={"code": ErrorCode.SERVICE_UNAVAILABLE.value, "retryAfter": BUSY_RETRY_AFTER},
    )


class ErrorCodes(MaskErrors):
    """Codes every top-level error by the phase that raised it; masks unexpected ones when `mask`.

    Parse: GRAPHQL_PARSE_FAILED (or QUERY_TOO_COMPLEX for the token limit); validation:
    GRAPHQL_VALIDATION_FAILED (limits and introspection have their own codes); variable
    coercion: BAD_USER_INPUT; a field that met SQLite's write lock held too long:
    SERVICE_UNAVAILABLE with `retryAfter`; anything else uncoded: INTERNAL_SERVER_ERROR, with the
    message replaced by "Unexpected error." unless in debug mode.
    """

    def __init__(self, *, mask: bool = True) -> None:
        super().__init__(should_mask_error=should_mask if mask else _never)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        masked = super().anonymise_error(error)
        masked.extensions = {"code": ErrorCode.INTERNAL_SERVER_ERROR.value}
        return masked

    def on_parse(self) -> Iterator[None]:
        yield
        max_tokens = self.execution_context.parse_options.get("max_tokens")
        _tag(
            self.execution_context.pre_execution_errors,
            lambda e: syntax_error_extensions(e, max_tokens) if isinstance(e, GraphQLSyntaxError) else None,
        )

    def on_validate(self) -> Iterator[None]:
        yield
        _tag(
            self.execution_context.pre_execution_errors, lambda _e: {"code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value}
        )

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.data is None:  # variables that do not coerce: nothing ran
            _tag(
                result.errors,
                lambda e: {"code": ErrorCode.BAD_USER_INPUT.value} if e.path is None and not should_mask(e) else None,
            )
        if result is not None and result.errors:
            result.errors[:] = [_busy(e) if database_busy(e.original_error) else e for e in result.errors]

    def _process_result(self, result: object) -> None:
        # strawberry's, without its `isinstance` against a runtime-checkable Protocol, which walks the
        # protocol's members on every request
        errors = getattr(result, "errors", None)
        if errors:
            result.errors = self._process_errors(errors)  # type: ignore[attr-defined]

    def on_operation(self) -> Iterator[None]:
        yield from super().on_operation()
        result = self.execution_context.result
        _tag(getattr(result, "errors", None), lambda _e: {"code": ErrorCode.INTERNAL_SERVER_ERROR.value})
