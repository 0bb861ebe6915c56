"""Completing what is already loaded without graphql-core's per-field machinery.

graphql-core resolves every field of a response the same general way: a `Path`, a resolve info,
argument coercion, the resolver, then `complete_value` dispatching on the field's type, with
awaitables, errors and null propagation checked at every step. On a storefront page most of those
~1,700 fields are attributes of objects the page's resolvers already built (schema/catalog/
prefetch.py), and that general path was about half of the request's CPU.

`SyncCompletion` (the schema's execution context) keeps graphql-core's semantics and takes a short
cut where it can prove it gives the same answer: when every field selected on an object type is
answered by a direct resolver (schema/direct_resolvers.py) or `__typename`, and every sub-selection
is such an object type, a list of one, or a scalar or enum, the selection's **plan** reads the values
and serialises them in one pass (compiled into one function: schema/plans.py). Anything the plan does
not expect (an awaitable value, an exception, a null in a non-null position, a value that does not
serialise, an object of another type, arguments that do not coerce) abandons the shortcut for that
object, closes any coroutine it was handed, and graphql-core executes the object as it always would:
errors, paths and null propagation are graphql-core's own. Only reads repeat in that case (fields
below the root never write: a mutation's root field runs once, through graphql-core), and a plan that
failed once is not tried again in the same request.

Plans depend on the document, not the request: they are built once per operation (and per choice of
the `@skip`/`@include` variables, which decide what is selected) and kept with its parsed document
(schema/document_cache.py keeps documents, bounded in bytes; a plan goes when its document does).
A request binds only what varies: the arguments that name variables, coerced once per request.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
    Visitor,
    visit,
)
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.direct_resolvers import ATTRIBUTE, CALL, DIRECT, Direct
from schema.per_document import PerDocument
from schema.plans import Abandon, Plan, PlanField


class _DirectiveVariables(Visitor):
    """Collects the variables that directives (`@skip`, `@include`) read."""

    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
        for argument in node.arguments or ():
            self.names.update(_variables(argument.value))


def _variables(value: ValueNode) -> set[str]:
    if isinstance(value, VariableNode):
        return {value.name.value}
    if isinstance(value, ListValueNode):
        return set().union(*(_variables(v) for v in value.values))
    if isinstance(value, ObjectValueNode):
        return set().union(*(_variables(f.value) for f in value.fields))
    return set()


MAX_SELECTIONS_PER_OPERATION = 4  # choices of `@skip`/`@include` variables whose plans are kept


class _OperationPlans:
    """The plans of one operation, by the values of the variables its directives read (which decide
    what is selected), then by object type and selection."""

    __slots__ = ("by_choice", "directive_variables")

    def __init__(self, operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]) -> None:
        seen = _DirectiveVariables()
        for node in (operation, *fragments.values()):
            visit(node, seen)
        self.directive_variables = tuple(sorted(seen.names))
        self.by_choice: dict[tuple[Any, ...], dict[tuple[Any, ...], Plan | None]] = {}  # by type and `_shape`

    def plans(self, variables: Mapping[str, Any]) -> dict[tuple[Any, ...], Plan | None]:
        choice = tuple(variables.get(n) for n in self.directive_variables)
        found = self.by_choice.get(choice)
        if found is None:
            found = {}
            if len(self.by_choice) < MAX_SELECTIONS_PER_OPERATION:
                self.by_choice[choice] = found
        return found


# Kept as long as the operation's document is (plans hold its field nodes, never the operation).
_PLANS: PerDocument[OperationDefinitionNode, _OperationPlans] = PerDocument()


def _shape(grouped_field_set: Any) -> tuple[Any, ...]:
    """A selection by the field nodes it groups under each response key: the same nodes of one document
    (and the same directive choices) give the same selection in every request."""
    return tuple((name, *(id(d.node) for d in details)) for name, details in grouped_field_set.items())


def _uses_variables(node: FieldNode) -> bool:
    return any(_variables(a.value) for a in node.arguments or ())


class SyncCompletion(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor with the plan shortcut in `execute_fields` (see the module's docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # this request's: plans by grouped field set (kept alive, so that its id is not reused), the
        # plans that failed, arguments bound to the variables
        self._plans: dict[tuple[str, int], tuple[Any, Plan | None]] = {}
        self._failed: set[Plan] = set()
        self._args: dict[PlanField, dict[str, Any]] = {}
        self._operation_plans: dict[tuple[Any, ...], Plan | None] | None = None

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        plan = self._plan_for(parent_type, grouped_field_set)
        if plan is not None and plan not in self._failed:
            try:
                return plan.run(source_value, path, self)
            except Abandon:
                self._failed.add(plan)
            except Exception:  # graphql-core will raise it again, with its path and locations
                self._failed.add(plan)
        return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)

    def _plan_for(self, parent: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        key = (parent.name, id(grouped_field_set))
        found = self._plans.get(key)
        if found is None:
            found = self._plans[key] = (grouped_field_set, self._shared(parent, grouped_field_set))
        return found[1]

    def _shared(self, parent: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        """The operation's plan for the selection, built the first time any request needs it."""
        if (self.middleware_manager is not None and self.middleware_manager.middlewares) or not self.error_propagation:
            return None  # field middleware, or errors that stay where they happen: graphql-core's own way
        plans = self._operation_plans
        if plans is None:
            operation = _PLANS.get(self.operation, lambda op: _OperationPlans(op, self.fragment_definitions))
            plans = self._operation_plans = operation.plans(self.variable_values.coerced)
        key = (parent, _shape(grouped_field_set))  # the schema's type itself: a plan holds its resolvers
        if key not in plans:
            plans[key] = self._build(parent, grouped_field_set)
        return plans[key]

    def _bound(self, field: PlanField) -> dict[str, Any]:
        """`field`'s arguments with this request's variables, by Python name."""
        args = self._args.get(field)
        if args is None:
            assert field.definition is not None and field.direct is not None
            try:
                args = _python_names(
                    field.direct, get_argument_values(field.definition, field.nodes[0], self.variable_values)
                )
            except Exception:  # graphql-core reports it, at the field's path
                raise Abandon from None
            self._args[field] = args
        return args

    def _build(self, parent: GraphQLObjectType, grouped_field_set: Any) -> Plan | None:
        plan = Plan(parent)
        for name, details in grouped_field_set.items():
            first = details[0]
            if first.defer_usage is not None or first.fragment_variable_values is not None:
                return None
            nodes = [d.node for d in details]
            if first.node.name.value == "__typename":
                plan.fields.append(PlanField(name, None, None, {}, parent, None, nodes, None, None))
                continue
            field_def = self.schema.get_field(parent, first.node.name.value)
            if field_def is None:
                return None
            resolve = field_def.resolve
            kind = getattr(resolve, DIRECT, None)
            if resolve is None or kind is None or kind == "async":
                return None
            completes, sub = self._sub_plan(field_def.type, details)
            if not completes:
                return None
            attribute: str | None = getattr(resolve, ATTRIBUTE, None)
            direct: Direct | None = None if attribute is not None else getattr(resolve, CALL)
            args: dict[str, Any] | None = {}
            if _uses_variables(first.node):
                args = None
            elif field_def.args or first.node.arguments:
                try:
                    args = get_argument_values(field_def, first.node)
                except Exception:  # graphql-core reports it, at the field's path
                    return None
                if direct is not None:
                    args = _python_names(direct, args)
            plan.fields.append(PlanField(name, attribute, direct, args, parent, field_def, nodes, field_def.type, sub))
        plan.compile()
        return plan

    def _sub_plan(self, type_: GraphQLOutputType, details: Any) -> tuple[bool, Plan | None]:
        """Whether a plan can complete a value of `type_`, and the plan of the object type it holds."""
        while isinstance(type_, GraphQLNonNull | GraphQLList):
            type_ = type_.of_type
        if isinstance(type_, GraphQLScalarType | GraphQLEnumType):
            return True, None
        if isinstance(type_, GraphQLObjectType):
            sub = self._plan_for(type_, self.collect_subfields(type_, details).grouped_field_set)
            return sub is not None, sub
        return False, None  # interfaces and unions: graphql-core resolves the runtime type


def _python_names(direct: Direct, args: dict[str, Any]) -> dict[str, Any]:
    return {direct.renamed.get(k, k): v for k, v in args.items()}
