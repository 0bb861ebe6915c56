"""Completing what is already loaded without graphql-core's per-field machinery.

graphql-core resolves every field of a response the same general way: a `Path`, a resolve info,
argument coercion, the resolver, then `complete_value` dispatching on the field's type, with
awaitables, errors and null propagation checked at every step. On a storefront page most of those
~1,700 fields are attributes of objects the page's resolvers already built (schema/catalog/
prefetch.py), and that general path was about half of the request's CPU.

`SyncCompletion` (the schema's execution context) keeps graphql-core's semantics and takes a short
cut where it can prove it gives the same answer: when every field selected on an object type is
answered by a direct resolver (schema/direct_resolvers.py) or `__typename`, and every sub-selection
is such an object type, a list of one, or a scalar or enum, the selection's **plan** (built once
per request and selection) reads the values and serialises them in one pass. Anything the plan
does not expect (an awaitable value, an exception, a null in a non-null position, a value that
does not serialise, an object of another type) abandons the shortcut for that object, closes any
coroutine it was handed, and graphql-core executes the object as it always would: errors, paths and
null propagation are graphql-core's own. Only reads repeat in that case (fields below the root never
write: a mutation's root field runs once, through graphql-core), and a plan that failed once is not
tried again in the same request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.direct_resolvers import ATTRIBUTE, DIRECT


class _Abandon(Exception):
    """The plan met something it does not handle; graphql-core takes over."""


# Where a value sits in the response: graphql-core's `Path`, or while a plan runs a plain tuple of the
# same three fields (prev, key, typename), which costs far less to make; `_path` converts it when a
# resolver asks for its info.
Where = Path | tuple[Any, str | int, str | None] | None
Complete = Callable[[Any, Where], Any]


def _path(where: Where) -> Path | None:
    if where is None or isinstance(where, Path):
        return where
    return Path(_path(where[0]), where[1], where[2])


class _LazyInfo:
    """The resolve info of a field a plan resolves, built only if the resolver reads it (the prefetched
    fields of a page take `info` but answer without it)."""

    __slots__ = ("_build", "_info", "_where")

    def __init__(self, build: Callable[[Path | None], Any], where: Where) -> None:
        self._build, self._where, self._info = build, where, None

    def __getattr__(self, name: str) -> Any:
        if self._info is None:
            self._info = self._build(_path(self._where))
        return getattr(self._info, name)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str  # the response key
    attribute: str | None  # read this attribute; else call `resolve`
    resolve: Callable[..., Any]
    args: dict[str, Any]
    wants_info: bool
    info: Callable[[Path | None], Any]  # builds the resolve info, for `resolve` when it asks for one
    complete: Complete


class _Plan:
    """How to answer one selection on one object type in one pass."""

    __slots__ = ("failed", "fields", "parent")

    def __init__(self, parent: GraphQLObjectType) -> None:
        self.parent = parent
        self.fields: list[_Field] = []
        self.failed = False

    def run(self, source: Any, where: Where, is_awaitable: Callable[[Any], bool]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        typename = self.parent.name
        for f in self.fields:
            here = (where, f.name, typename)
            if f.attribute is not None:
                value = getattr(source, f.attribute)
            else:
                value = f.resolve(source, _LazyInfo(f.info, here) if f.wants_info else None, **f.args)
                if is_awaitable(value):
                    if inspect.iscoroutine(value):
                        value.close()
                    raise _Abandon
            out[f.name] = f.complete(value, here)
        return out


def _typename(name: str) -> Callable[..., str]:
    return lambda _source, _info: name


def _no_info(_path: Path | None) -> None:
    return None


def _as_is(value: Any, _where: Where) -> Any:
    return value


class SyncCompletion(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the plan shortcut in `execute_fields` (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: dict[tuple[str, int], tuple[Any, _Plan | None]] = {}

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan_for(parent_type, grouped_field_set)
        if plan is not None and not plan.failed:
            try:
                return plan.run(source_value, path, self.is_awaitable)
            except _Abandon:
                plan.failed = True
            except Exception:  # graphql-core will raise it again, with its path and locations
                plan.failed = True
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def _plan_for(self, parent: GraphQLObjectType, grouped_field_set: Any) -> _Plan | None:
        key = (parent.name, id(grouped_field_set))
        found = self._plans.get(key)
        if found is None:
            # keep the field set alive with its plan, so that its id is not reused in this request
            found = self._plans[key] = (grouped_field_set, self._build(parent, grouped_field_set))
        return found[1]

    def _build(self, parent: GraphQLObjectType, grouped_field_set: Any) -> _Plan | None:
        if (self.middleware_manager is not None and self.middleware_manager.middlewares) or not self.error_propagation:
            return None  # field middleware, or errors that stay where they happen: graphql-core's own way
        plan = _Plan(parent)
        for name, details in grouped_field_set.items():
            first = details[0]
            if first.defer_usage is not None:
                return None
            if first.node.name.value == "__typename":
                plan.fields.append(
                    _Field(
                        name=name,
                        attribute=None,
                        resolve=_typename(parent.name),
                        args={},
                        wants_info=False,
                        info=_no_info,
                        complete=_as_is,
                    )
                )
                continue
            field_def = self.schema.get_field(parent, first.node.name.value)
            if field_def is None:
                return None
            resolve = field_def.resolve
            kind = getattr(resolve, DIRECT, None)
            if resolve is None or kind is None or kind == "async":
                return None
            complete = self._completer(field_def.type, details)
            if complete is None:
                return None
            try:
                args = (
                    get_argument_values(
                        field_def,
                        first.node,
                        self.variable_values,
                        first.fragment_variable_values,
                        self.hide_suggestions,
                    )
                    if field_def.args or first.node.arguments
                    else {}
                )
            except Exception:  # graphql-core reports it, at the field's path
                return None
            wants_info = kind == "info"
            plan.fields.append(
                _Field(
                    name=name,
                    attribute=getattr(resolve, ATTRIBUTE, None),
                    resolve=resolve,
                    args=args,
                    wants_info=wants_info,
                    info=self._info_builder(field_def, details, parent) if wants_info else _no_info,
                    complete=complete,
                )
            )
        return plan

    def _info_builder(self, field_def: Any, details: Any, parent: GraphQLObjectType) -> Callable[[Path | None], Any]:
        nodes = [d.node for d in details]
        return lambda path: self.build_resolve_info(field_def, nodes, parent, path)  # type: ignore[arg-type]

    def _completer(self, type_: GraphQLOutputType, details: Any) -> Complete | None:
        if isinstance(type_, GraphQLNonNull):
            inner = self._completer(type_.of_type, details)
            if inner is None:
                return None

            def non_null(value: Any, path: Where) -> Any:
                if value is None or value is Undefined:
                    raise _Abandon
                completed = inner(value, path)
                if completed is None:
                    raise _Abandon
                return completed

            return non_null
        if isinstance(type_, GraphQLList):
            item = self._completer(type_.of_type, details)
            if item is None:
                return None

            def list_(value: Any, path: Where) -> Any:
                if value is None or value is Undefined:
                    return None
                if not isinstance(value, list | tuple):  # other iterables, and errors returned as values
                    raise _Abandon
                return [item(v, (path, i, None)) for i, v in enumerate(value)]

            return list_
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            coerce = type_.coerce_output_value

            def leaf(value: Any, _path: Where) -> Any:
                if value is None or value is Undefined:
                    return None
                if isinstance(value, Exception):
                    raise _Abandon
                coerced = coerce(value)
                if coerced is None or coerced is Undefined:
                    raise _Abandon
                return coerced

            return leaf
        if isinstance(type_, GraphQLObjectType):
            grouped = self.collect_subfields(type_, details).grouped_field_set
            sub = self._plan_for(type_, grouped)
            if sub is None:
                return None
            # strawberry's `is_type_of` (the only kind in this schema) never reads the resolve info, which a
            # plan does not build: it is called with None instead
            is_type_of: Callable[[Any, Any], Any] | None = type_.is_type_of
            run, is_awaitable = sub.run, self.is_awaitable

            def object_(value: Any, path: Where) -> Any:
                if value is None or value is Undefined:
                    return None
                if (
                    sub.failed
                    or isinstance(value, Exception)
                    or (is_type_of is not None and is_type_of(value, None) is not True)
                ):
                    raise _Abandon
                return run(value, path, is_awaitable)

            return object_
        return None  # interfaces and unions: graphql-core resolves the runtime type
