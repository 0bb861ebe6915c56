"""At most one expensive account mutation per operation, checked before anything runs.

Registering and signing in hash or check a password with argon2 (about 0.1 s of CPU each), so
one request with 30 aliased `memberRegister` fields would cost 3 s of a worker and create 30
accounts past any per-request limit (and `transactionInitialize` waits on a payment app). An
operation that selects more than `MAX_EXPENSIVE_PER_OPERATION` of `EXPENSIVE_MUTATIONS` (aliases and
fragments included) is refused whole, as a validation error coded QUERY_TOO_COMPLEX with `extensions.limit =
"expensiveMutations"`: nothing runs. How often one address may register is limited apart
(domain/accounts/limits.py).
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)

from schema.errors import ErrorCode

# transactionInitialize waits up to 10 s for a payment app: 30 aliases would hold a worker for minutes.
EXPENSIVE_MUTATIONS = frozenset({"memberRegister", "tokenCreate", "staffTokenCreate", "transactionInitialize"})
MAX_EXPENSIVE_PER_OPERATION = 1


class OneExpensiveMutation(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        if node.operation is not OperationType.MUTATION:
            return
        count = self._count(node.selection_set, set())
        if count > MAX_EXPENSIVE_PER_OPERATION:
            self.report_error(
                GraphQLError(
                    f"This operation asks for {count} of {', '.join(sorted(EXPENSIVE_MUTATIONS))}; one operation may "
                    f"run at most {MAX_EXPENSIVE_PER_OPERATION}: send them one at a time.",
                    node,
                    extensions={
                        "code": ErrorCode.QUERY_TOO_COMPLEX.value,
                        "limit": "expensiveMutations",
                        "maximum": MAX_EXPENSIVE_PER_OPERATION,
                    },
                )
            )

    def _count(self, selections: SelectionSetNode, seen: set[str]) -> int:
        """Root fields named in EXPENSIVE_MUTATIONS, fragments inlined (each fragment once: a cycle
        is NoFragmentCyclesRule's to report)."""
        count = 0
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                count += int(selection.name.value in EXPENSIVE_MUTATIONS)
            elif isinstance(selection, InlineFragmentNode):
                count += self._count(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                seen.add(selection.name.value)
                fragment = self.context.get_fragment(selection.name.value)
                count += self._count(fragment.selection_set, seen) if fragment else 0
        return count
