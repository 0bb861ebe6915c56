"""Query limits, checked on the parsed document before anything runs, and error codes.

Limits (each refused with `extensions.code = "QUERY_TOO_COMPLEX"` and `extensions.limit`
naming which one, plus `extensions.maximum`):

- `tokens`: at most `max_tokens` lexical tokens (comments count); enforced by the parser
  (strawberry's `MaxTokensLimiter`), which also refuses documents nested deeper than
  graphql-core's own bound of 200 (reported as `depth`).
- `depth`: fields nested at most `max_depth` levels below a root field (a root field is at
  depth 0, so `{ products { edges { node { name } } } }` has depth 3; introspection fields
  do not count). Strawberry's `QueryDepthLimiter` rule, coded.
- `aliases`: at most `max_aliases` aliased fields in the document (strawberry's
  `MaxAliasesLimiter` rule, coded).
- `cost`: the estimated cost below is at most `max_cost`; refused before execution starts,
  so no resolver runs and no SQL is sent.

The cost formula (in the style of GitHub's node limit and Shopify's calculated cost):

    cost(selections, m) = sum of field_cost(f, m) over the fields f, fragments inlined
    field_cost(f, m) =
        0                                    if f is a scalar or enum (leaf)
        k + cost(f.selections, k)            otherwise, where k = m × n(f)

`m` is how many times the parent object is expected (1 at the root); `n(f)` is:

- for a field that takes `first`/`last` and returns a list (e.g. `nearbyStores`): its page size;
- for a connection field (takes `first`/`last`, returns an object): 1 for the connection
  itself, and its page size for its list-typed children (`edges`), not for `pageInfo`;
- for `nodes(ids:)`-style lists: the number of `ids`;
- for other lists (a product's variants, an order's lines): the typical size in `LIST_SIZES`
  (10 when not listed; 1 for introspection's), since nothing in the request bounds them;
- 1 otherwise (an object).

The page size is the `first`/`last` argument (a literal or a variable, else the variable's
default), 20 when absent, clamped to 0..100 (larger page sizes are refused by the field
itself with `BAD_USER_INPUT`). Fragments count as if they all applied (an upper bound).
Example: `products(first: 50) { edges { node { name category { name } } } pageInfo
{ hasNextPage } }` costs 1 (products) + 50 (edges) + 50 (node) + 50 (category) + 1 (pageInfo) = 152.

Every response carries `extensions.cost = {requestedQueryCost, maxCost}`; `requestedQueryCost`
is null when the document never got past parsing and validation. When the caller's rate limit
was charged (schema/throttle.py) it also has `throttleStatus`.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    Visitor,
    get_named_type,
    get_nullable_type,
    get_operation_ast,
    is_leaf_type,
    visit,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import SchemaExtension
from strawberry.extensions.max_aliases import create_validator as aliases_validator
from strawberry.extensions.query_depth_limiter import create_validator as depth_validator
from strawberry.types.graphql import OperationType

from schema.context import Context
from schema.errors import ErrorCode
from schema.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from schema.per_document import PerDocument
from schema.throttle import ThrottleStatus

# How many items a list without a page size or ids is expected to hold (a typical count, not
# the maximum): by `Type.field`, else by item type, else DEFAULT_LIST_SIZE.
DEFAULT_LIST_SIZE = 10
LIST_SIZES = {
    "Query.channels": 5,
    "Product.variants": 5,
    "ProductVariant.stockLevels": 5,  # the locations stocking a variant
    "Location.channels": 2,
    "Location.openingHours": 7,
    "Member.identities": 2,
    "Member.addresses": 3,
    "Order.lines": 5,
    "Cart.lines": 5,
    "Order.payments": 2,
    "Order.transactions": 2,
    "Query.paymentGateways": 3,
    "OrderLine.discounts": 2,
    "CartLine.discounts": 2,
    "UserError": 1,  # `userErrors`: built in memory, usually none
}


@dataclass(frozen=True)
class QueryLimits:
    """The limits a document must stay within (settings `MAX_QUERY_*`)."""

    max_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 3000
    max_cost: int = 5000


# --- the cost estimate ----------------------------------------------------------------------


def query_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """The estimated cost of the operation `operation_name` of a (validated) document."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0
    values: dict[str, Any] = {}
    for definition in operation.variable_definitions or ():
        default = definition.default_value
        if isinstance(default, IntValueNode):
            values[definition.variable.name.value] = int(default.value)
        elif isinstance(default, ListValueNode):
            values[definition.variable.name.value] = default.values
    values.update(variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _CostWalker(schema, fragments, values).selections(root, operation.selection_set, 1, None, frozenset())


MAX_COSTS_PER_DOCUMENT = 16  # page sizes remembered per document; further ones are worked out each time


class _Costs(Visitor):
    """A document's costs by operation and by what they read of the variables (those given as `first`,
    `last` or `ids`), kept as long as the parsed document is (schema/document_cache.py)."""

    def __init__(self, document: DocumentNode) -> None:
        super().__init__()
        self.names: set[str] = set()
        visit(document, self)
        self.reads = tuple(sorted(self.names))
        self.by_reading: dict[tuple[Any, ...], int] = {}

    def enter_argument(self, node: ArgumentNode, *_args: Any) -> None:
        if node.name.value in ("first", "last", "ids") and isinstance(node.value, VariableNode):
            self.names.add(node.value.name.value)


_COSTS: PerDocument[DocumentNode, _Costs] = PerDocument()


def _read(variables: Mapping[str, Any] | None, name: str) -> Any:
    """What the cost takes of a variable: a page size (clamped as the cost clamps it), a number of ids,
    or neither; a variable left out is its default's."""
    if variables is None or name not in variables:
        return "default"
    value = variables[name]
    if isinstance(value, int) and not isinstance(value, bool):
        return min(max(value, 0), MAX_PAGE_SIZE)
    return ("ids", len(value)) if isinstance(value, list | tuple) else None


def document_cost(
    schema: GraphQLSchema, document: DocumentNode, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int:
    """`query_cost`, worked out once per document, operation and page sizes."""
    costs = _COSTS.get(document, _Costs)
    key = (operation_name, *(_read(variables, n) for n in costs.reads))
    found = costs.by_reading.get(key)
    if found is None:
        found = query_cost(schema, document, operation_name, variables)
        if len(costs.by_reading) < MAX_COSTS_PER_DOCUMENT:
            costs.by_reading[key] = found
    return found


def _list_size(parent: GraphQLNamedType, node: FieldNode, item: GraphQLNamedType) -> int:
    if item.name.startswith("__"):
        return 1  # introspection: the schema in memory
    return LIST_SIZES.get(f"{parent.name}.{node.name.value}", LIST_SIZES.get(item.name, DEFAULT_LIST_SIZE))


@dataclass
class _CostWalker:
    schema: GraphQLSchema
    fragments: dict[str, FragmentDefinitionNode]
    variables: dict[str, Any]

    def selections(
        self,
        parent: GraphQLNamedType | None,
        selection_set: SelectionSetNode | None,
        m: int,
        pending: int | None,
        seen: frozenset[str],
    ) -> int:
        """Cost of a selection set; `pending` is the page size its list-typed fields take (connections)."""
        if selection_set is None or parent is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self.field(parent, selection, m, pending, seen)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                total += self.selections(target, selection.selection_set, m, pending, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value)
                total += self.selections(target, fragment.selection_set, m, pending, seen | {name})
        return total

    def field(
        self, parent: GraphQLNamedType, node: FieldNode, m: int, pending: int | None, seen: frozenset[str]
    ) -> int:
        definition = self._definition(parent, node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        is_list = isinstance(get_nullable_type(definition.type), GraphQLList)
        page = self._page_size(definition, node)
        if is_list:
            size = pending if pending is not None else page if page is not None else self._ids_count(node)
            m *= size if size is not None else _list_size(parent, node, named)
            page = None
        return m + self.selections(named, node.selection_set, m, page, seen)

    @staticmethod
    def _definition(parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            field: GraphQLField | None = parent.fields.get(name)
            return field
        return None

    def _value(self, node: Any) -> Any:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, ListValueNode):
            return node.values
        return None

    def _page_size(self, definition: GraphQLField, node: FieldNode) -> int | None:
        if "first" not in definition.args and "last" not in definition.args:
            return None
        sizes = [self._value(a.value) for a in node.arguments or () if a.name.value in ("first", "last")]
        given = [s for s in sizes if isinstance(s, int) and not isinstance(s, bool)]
        return min(max(max(given, default=DEFAULT_PAGE_SIZE), 0), MAX_PAGE_SIZE)

    def _ids_count(self, node: FieldNode) -> int | None:
        for argument in node.arguments or ():
            if argument.name.value == "ids":
                ids = self._value(argument.value)
                return len(ids) if isinstance(ids, list | tuple) else None
        return None


class QueryCost(SchemaExtension):
    """Refuses an operation over `max_cost` before it executes, then charges the caller's rate
    limit (schema/throttle.py) at least one point; reports `extensions.cost`."""

    def __init__(self, max_cost: int) -> None:
        self.max_cost = max_cost
        self.cost: int | None = None
        self.throttle: ThrottleStatus | None = None

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        if context.result is None and context.graphql_document is not None:
            self.cost = document_cost(
                context.schema._schema, context.graphql_document, context.operation_name, context.variables
            )
            throttle = context.context.throttle if isinstance(context.context, Context) else None
            if self.cost > self.max_cost:
                error = GraphQLError(
                    f"The query's estimated cost {self.cost} is over the limit of {self.max_cost}: ask for "
                    "smaller pages (`first`/`last`) or fewer nested lists.",
                    extensions=_limit_extensions("cost", self.max_cost) | {"cost": self.cost},
                )
                self._refuse(error)
            elif throttle is not None:
                self.throttle = await throttle.charge(max(self.cost, 1))
                if not self.throttle.allowed:
                    self._refuse(throttled_error(self.cost, self.throttle))
        yield

    def _refuse(self, error: GraphQLError) -> None:
        """Nothing runs: a query or mutation answers with the error; a subscription, whose result
        strawberry does not look at here, fails with it (its only message)."""
        if self.execution_context.operation_type is OperationType.SUBSCRIPTION:
            raise error
        self.execution_context.result = ExecutionResult(data=None, errors=[error])

    def get_results(self) -> dict[str, Any]:
        cost: dict[str, Any] = {"requestedQueryCost": self.cost, "maxCost": self.max_cost}
        if self.throttle is not None:
            cost["throttleStatus"] = self.throttle.as_extension()
        return {"cost": cost}


# --- validation rules with codes -------------------------------------------------------------


def _limit_extensions(limit: str, maximum: int) -> dict[str, Any]:
    return {"code": ErrorCode.QUERY_TOO_COMPLEX.value, "limit": limit, "maximum": maximum}


class _CodingContext:
    """A validation context that puts `extensions` on the errors a rule reports (the first only)."""

    def __init__(self, context: Any, extensions: dict[str, Any]) -> None:
        self._context = context
        self._extensions = extensions
        self._reported = False

    def report_error(self, error: GraphQLError) -> None:
        if not self._reported:
            self._reported = True
            error.extensions = {**(error.extensions or {}), **self._extensions}
            self._context.report_error(error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def coded_rule(rule: type[ValidationRule], extensions: dict[str, Any]) -> type[ValidationRule]:
    """`rule`, reporting at most one error, with `extensions` (e.g. a code) on it."""

    class CodedRule(rule):  # type: ignore[valid-type, misc]
        def __init__(self, context: Any) -> None:
            coding: Any = _CodingContext(context, extensions)
            try:
                super().__init__(coding)
            except KeyError:  # an unknown fragment spread: KnownFragmentNamesRule reports it
                ValidationRule.__init__(self, coding)

    CodedRule.__name__ = CodedRule.__qualname__ = f"Coded{rule.__name__}"
    return CodedRule


def limit_rules(limits: QueryLimits, *, introspection: bool = True) -> tuple[type[ValidationRule], ...]:
    """The validation rules of the limits (coded), built once per schema."""
    rules = [
        coded_rule(depth_validator(limits.max_depth, None), _limit_extensions("depth", limits.max_depth)),
        coded_rule(aliases_validator(limits.max_aliases), _limit_extensions("aliases", limits.max_aliases)),
    ]
    if not introspection:
        rules.append(coded_rule(NoSchemaIntrospectionCustomRule, {"code": ErrorCode.INTROSPECTION_DISABLED.value}))
    return tuple(rules)


def throttled_error(cost: int, status: ThrottleStatus) -> GraphQLError:
    return GraphQLError(
        f"Throttled: this operation costs {cost} points and {math.floor(status.currently_available)} of "
        f"{status.maximum_available} are available; points restore at {status.restore_rate:g} per second. "
        f"Retry after {status.retry_after} s.",
        extensions={"code": ErrorCode.THROTTLED.value, "retryAfter": status.retry_after},
    )
