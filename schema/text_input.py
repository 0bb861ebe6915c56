"""Text that no storage can hold is refused before anything runs, wherever a client sends it.

A NUL character or a lone surrogate (half of a UTF-16 pair) is not text anyone means to send:
PostgreSQL refuses NUL in `text`, and a lone surrogate does not encode to UTF-8, so either used to
reach the database (a search, a slug, an idempotency key) and come back as INTERNAL_SERVER_ERROR
with the SQL in the log. graphql-core keeps its `String` and `ID` scalars to itself (they cannot be
redefined), so the check sits around them: `TextLiterals`, a validation rule, refuses such a string
literal in the document (once per document, which the document cache then keeps), and `TextCheck`
refuses it in any variable, both with BAD_USER_INPUT (HTTP 400 with
`application/graphql-response+json`). (HTTP bodies cannot carry lone surrogates or invalid UTF-8
at all: their JSON decoder refuses them.)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from graphql import ExecutionResult, GraphQLError, StringValueNode, ValidationRule
from strawberry.extensions import SchemaExtension

from schema.errors import ErrorCode

MESSAGE = "Text must not contain NUL characters or unpaired UTF-16 surrogates."


def is_storable(text: str) -> bool:
    if "\x00" in text:
        return False
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _error(node: StringValueNode | None = None) -> GraphQLError:
    return GraphQLError(MESSAGE, node, extensions={"code": ErrorCode.BAD_USER_INPUT.value})


class TextLiterals(ValidationRule):
    def enter_string_value(self, node: StringValueNode, *_args: Any) -> None:
        if not is_storable(node.value):
            self.report_error(_error(node))


def storable(value: object) -> bool:
    """Every string in a JSON value (the variables) is storable text; iterative, as values nest deep."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not is_storable(item):
                return False
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return True


class TextCheck(SchemaExtension):
    """Refuses an operation whose variables hold text that no storage can hold."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        if context.result is None and context.variables and not storable(context.variables):
            context.result = ExecutionResult(data=None, errors=[_error()])
        yield
