"""Payload queries: checking a webhook's subscription document against the graph, and running it
for one event with the permissions of the app the webhook belongs to.

A payload query is held to what any request is held to (the token, depth, alias and cost limits,
no introspection when the server refuses it) and to its own shape: one `subscription` operation,
no variables (nothing would supply them), only the `event` root field, and no type condition on an
event the webhook never hears of. Parsed and validated documents are kept by their text, bounded
in bytes as the request cache is (schema/document_cache.py): a webhook's document is parsed once
per process, not once per event; one the graph no longer accepts (after an upgrade) is delivered
as `data: null` with the reason in `errors`, so the app hears why.

Running it is graphql-core's `execute` of the subscription operation with the event as the root
value (what graphql-core does for each event of a live subscription), in the caller's session,
with a fresh context and loaders for the app's principal: fields answer what they would answer
the app's token over HTTP, nulls and coded errors included. A field that failed in the database
is raised rather than reported, so that the caller rolls back to its savepoint (on PostgreSQL a
failed statement leaves the transaction unusable).
"""

from __future__ import annotations

import inspect
import logging
import weakref
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    execute,
    parse,
    specified_rules,
    validate,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.model import Principal
from domain.apps.webhooks import PayloadSubject
from schema.apps.payload_types import PAYLOAD_TYPES, WebhookEvent
from schema.byte_cache import ByteLRU
from schema.context import Context, Services
from schema.cost import QueryLimits, limit_rules, query_cost
from schema.document_cache import document_bytes
from schema.errors import ErrorCode, should_mask
from schema.loaders import Loaders
from schema.text_input import TextLiterals

log = logging.getLogger("omnishop.webhooks")

CACHE_BYTES = 4 * 1024 * 1024  # a few thousand webhooks' documents
ROOT_FIELD = "event"
_TYPE_NAMES = {t.__name__: s for s, t in PAYLOAD_TYPES.items()}


class InvalidQuery(Exception):
    """The document cannot shape payloads; the message says why, for the app."""


class PayloadQueries:
    """The schema's payload queries: `problem` checks one (domain/apps/webhooks.py `PayloadQueryCheck`),
    `run` answers one for an event."""

    def __init__(self, schema: strawberry.Schema, limits: QueryLimits, *, introspection: bool = True) -> None:
        self.schema = schema
        self.limits = limits
        self.rules = (*specified_rules, *limit_rules(limits, introspection=introspection), TextLiterals)
        self.documents: ByteLRU[str, DocumentNode] = ByteLRU(CACHE_BYTES)

    def problem(self, query: str, subjects: frozenset[PayloadSubject]) -> str | None:
        try:
            document = self.document(query)
        except InvalidQuery as e:
            return str(e)
        return _unfitting(document, subjects)

    def document(self, query: str) -> DocumentNode:
        """The parsed and validated document (cached), or InvalidQuery."""
        found = self.documents.get(query)
        if found is not None:
            return found
        try:
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLSyntaxError as e:
            raise InvalidQuery(f"Not a GraphQL document within the limits: {e.message}") from None
        errors = validate(self.schema._schema, document, self.rules)
        if errors:
            raise InvalidQuery(errors[0].message)
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
        if len(operations) != 1 or operations[0].operation is not OperationType.SUBSCRIPTION:
            raise InvalidQuery("A payload query is one `subscription` operation: `subscription { event { ... } }`.")
        operation = operations[0]
        if operation.variable_definitions:
            raise InvalidQuery("A payload query takes no variables: nothing would supply them.")
        if any(not isinstance(s, FieldNode) or s.name.value != ROOT_FIELD for s in operation.selection_set.selections):
            raise InvalidQuery("A payload query selects `event` only.")
        cost = query_cost(self.schema._schema, document, None, None)
        if cost > self.limits.max_cost:
            raise InvalidQuery(f"The query costs {cost}; at most {self.limits.max_cost} is allowed.")
        self.documents.put(query, document, document_bytes(query, document))
        return document

    async def run(
        self, query: str, event: WebhookEvent, *, session: AsyncSession, principal: Principal, services: Services
    ) -> dict[str, Any]:
        """`{"data": ..., "errors": [...]}` of the query for `event` (errors only when there are some),
        read in `session` as `principal` sees the graph."""
        try:
            document = self.document(query)
        except InvalidQuery as e:
            return {"data": None, "errors": [{"message": str(e), "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
        context = Context(
            session=session, principal=principal, services=services, loaders=Loaders(session, services.clock)
        )
        result = execute(
            self.schema._schema,
            document,
            root_value=event,
            context_value=context,
            executor_class=self.schema.execution_context_class,
        )
        if inspect.isawaitable(result):
            result = await result
        assert isinstance(result, ExecutionResult)
        for error in result.errors or ():
            if isinstance(error.original_error, DBAPIError):  # the caller's transaction may be unusable now
                raise error.original_error
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [_error(e, mask=not services.debug) for e in result.errors]
        return body


def _unfitting(document: DocumentNode, subjects: frozenset[PayloadSubject]) -> str | None:
    """Why the document asks for an event the webhook never hears of (None: it does not)."""
    for definition in document.definitions:
        stack: list[Any] = [definition]
        while stack:
            node = stack.pop()
            if isinstance(node, InlineFragmentNode | FragmentDefinitionNode) and node.type_condition is not None:
                name = node.type_condition.name.value
                if name in _TYPE_NAMES and _TYPE_NAMES[name] not in subjects:
                    return f"`{name}` never arrives at this webhook: choose its events or leave the fragment out."
            selection_set = getattr(node, "selection_set", None)
            if selection_set is not None:
                stack.extend(selection_set.selections)
    return None


def _error(error: GraphQLError, *, mask: bool) -> dict[str, Any]:
    """An error as a response carries it: unexpected ones masked (and logged), as over HTTP."""
    if mask and should_mask(error):
        log.error("payload query failed at %s", error.path, exc_info=error.original_error)
        return {"message": "Unexpected error.", "path": error.path, "extensions": {"code": "INTERNAL_SERVER_ERROR"}}
    code = (error.extensions or {}).get("code", ErrorCode.INTERNAL_SERVER_ERROR.value if error.original_error else None)
    return {"message": error.message, "path": error.path, **({"extensions": {"code": code}} if code else {})}


_BY_SCHEMA: weakref.WeakKeyDictionary[strawberry.Schema, PayloadQueries] = weakref.WeakKeyDictionary()


def attach(schema: strawberry.Schema, limits: QueryLimits, *, introspection: bool) -> None:
    """Give `schema` its payload queries, held to the same limits as its requests."""
    _BY_SCHEMA[schema] = PayloadQueries(schema, limits, introspection=introspection)


def payload_queries(schema: strawberry.Schema) -> PayloadQueries:
    return _BY_SCHEMA[schema]
