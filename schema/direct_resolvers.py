"""Direct resolvers: the built schema's fields call our functions without strawberry's per-call wrapper.

Strawberry wraps every field's resolver in a chain built for the general case (field extensions,
argument conversion into input types and enums, exception handlers, the `Info` object for
fields that do not ask for it). A storefront page resolves about 1,700 fields, and the wrapper
took a quarter of its CPU, more than graphql-core's own execution. After the schema is built,
this module gives each field that uses none of that a resolver that calls the function directly:

- a field without a resolver (an attribute of the object) reads the attribute;
- a resolver whose arguments are all built-in scalars (String, Int, Float, Boolean, ID, or
  lists of them: strawberry passes those through unchanged) gets its arguments renamed to
  their Python names, `info` (strawberry's `Info`) when it asks for it, and `self` as the object.

Anything else (a field extension, an input-object or enum argument, a `Maybe`, a root/parent
parameter, a subscription) keeps strawberry's resolver, so behaviour never changes: the whole
test suite runs through these resolvers, and tests/api/test_direct_resolvers.py checks which
fields take them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLObjectType, GraphQLResolveInfo
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryList, StrawberryMaybe, StrawberryOptional
from strawberry.types.field import StrawberryField

# What the direct resolvers carry, for the executor's plans (schema/execution.py): DIRECT is "plain",
# "info" (the function asks for `info`) or "async" (it is a coroutine function); ATTRIBUTE the
# attribute an attribute field reads; CALL how to call the function itself (`Direct`).
DIRECT, ATTRIBUTE, CALL = "_omnishop_direct", "_omnishop_attribute", "_omnishop_call"
_PASSED_THROUGH = (str, int, float, bool)  # `strawberry.ID` is a NewType of str: its supertype is checked


@dataclass(frozen=True, slots=True)
class Direct:
    """How a direct resolver calls its function: a plan (schema/plans.py) calls it the same way, inline."""

    func: Callable[..., Any]
    takes_self: bool
    info_name: str | None  # the parameter that takes strawberry's `Info`, if any
    info_class: type
    field: StrawberryField
    renamed: dict[str, str]  # GraphQL argument name -> Python name


def _passes_through(type_: Any) -> bool:
    """Strawberry hands an argument of this type to the resolver exactly as graphql-core coerced it."""
    if isinstance(type_, StrawberryMaybe):
        return False
    if isinstance(type_, StrawberryOptional | StrawberryList):
        return _passes_through(type_.of_type)
    while hasattr(type_, "__supertype__"):  # NewType (strawberry.ID)
        type_ = type_.__supertype__
    return type_ in _PASSED_THROUGH


def direct_resolver(field: StrawberryField, config: StrawberryConfig) -> Callable[..., Any] | None:
    """A resolver equivalent to strawberry's for `field`, without its wrapper; None when the field
    needs what the wrapper does."""
    if field.extensions or field.is_subscription:
        return None
    resolver = field.base_resolver
    if resolver is None:
        name = field.python_name

        def attribute(source: Any, _info: GraphQLResolveInfo) -> Any:
            return getattr(source, name)

        setattr(attribute, DIRECT, "plain")
        setattr(attribute, ATTRIBUTE, name)
        return attribute
    if (
        resolver.root_parameter is not None
        or resolver.parent_parameter is not None
        or not all(_passes_through(a.type) for a in field.arguments)
    ):
        return None
    func = resolver.wrapped_func
    if not callable(func):  # a classmethod strawberry has not bound to its type
        return None
    takes_self = resolver.self_parameter is not None
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None
    info_class = config.info_class
    renamed = {config.name_converter.from_argument(a): a.python_name for a in field.arguments}
    if any(g != p for g, p in renamed.items()):

        def python_names(kwargs: dict[str, Any]) -> dict[str, Any]:
            return {renamed[k]: v for k, v in kwargs.items()}
    else:

        def python_names(kwargs: dict[str, Any]) -> dict[str, Any]:
            return kwargs

    def call(source: Any, info: GraphQLResolveInfo, **kwargs: Any) -> Any:
        if kwargs:
            kwargs = python_names(kwargs)
        if info_name is not None:
            kwargs[info_name] = info_class(_raw_info=info, _field=field)
        return func(source, **kwargs) if takes_self else func(**kwargs)

    setattr(call, DIRECT, "async" if resolver.is_async else "plain" if info_name is None else "info")
    setattr(call, CALL, Direct(func, takes_self, info_name, info_class, field, renamed))
    return call


def install(schema: strawberry.Schema) -> None:
    """Give every eligible field of the schema's object types its direct resolver."""
    for type_ in schema._schema.type_map.values():
        if not isinstance(type_, GraphQLObjectType) or type_.name.startswith("__"):
            continue
        for gql_field in type_.fields.values():
            field = _strawberry_field(gql_field)
            if field is not None and (direct := direct_resolver(field, schema.config)) is not None:
                gql_field.resolve = direct


def _strawberry_field(gql_field: GraphQLField) -> StrawberryField | None:
    field = (gql_field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    return field if isinstance(field, StrawberryField) else None
