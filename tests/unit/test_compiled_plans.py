"""Compiled plans (schema/plans.py) answer as graphql-core does for the values their inline fast paths
do not take: an Int out of range, a non-str for a String, an int for a Boolean, a null where the
type forbids it, an error returned as a value (a scalar's or an object's), and a list that is not a
list; and sub-selections written into their parent's function see their own paths."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
import strawberry

from schema import execution
from schema.direct_resolvers import install


@strawberry.type
class Leaf:
    amount: int

    @strawberry.field
    def path(self, info: strawberry.Info) -> str:
        return ".".join(str(k) for k in info.path.as_list())


class _Broken(ValueError):
    """An error returned as a value, with the attribute a plan reads: only its check tells it apart."""

    amount = 5


@strawberry.type
class Inner:
    leaf: Leaf | None
    leaves: list[Leaf]


@strawberry.type
class Item:
    big: int
    text: str
    flag: bool
    label: str | None
    tags: list[str]
    inner: Inner | None = None
    price: Decimal = Decimal("1.50")

    @strawberry.field
    def required(self) -> str:
        return None  # type: ignore[return-value]


def _items() -> list[Item]:
    inner = Inner(leaf=Leaf(amount=1), leaves=[Leaf(amount=2), Leaf(amount=3)])
    failing = Inner(leaf=_Broken("deep"), leaves=[Leaf(amount=4)])  # type: ignore[arg-type]
    return [
        Item(big=1, text="a", flag=True, label=None, tags=["x"], inner=inner),
        Item(big=2**40, text=7, flag=1, label=ValueError("boom"), tags=("y",), price=ValueError("x")),  # type: ignore[arg-type]
        Item(big=3, text=True, flag=False, label="l", tags=iter(["z"]), inner=failing),  # type: ignore[arg-type]
    ]


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item]:
        return _items()


@pytest.fixture(scope="module")
def schema() -> strawberry.Schema:
    built = strawberry.Schema(query=Query, execution_context_class=execution.SyncCompletion)
    install(built)
    return built


@pytest.mark.parametrize(
    "query",
    [
        "{ items { big text flag label tags __typename } }",
        "{ items { text flag } }",
        "{ items { required text } }",
        "{ items { label tags } }",
        "{ items { text inner { leaf { amount path } leaves { amount path } } } }",
        "{ items { big inner { leaves { path } } } }",
        "{ items { inner { leaf { amount } } } }",
        "{ items { price } }",
    ],
)
def test_compiled_plans_answer_as_graphql_core(
    schema: strawberry.Schema, monkeypatch: pytest.MonkeyPatch, query: str
) -> None:
    def answer() -> dict[str, Any]:
        result = schema.execute_sync(query)
        errors = [(e.message, e.path) for e in result.errors or ()]
        return {"data": result.data, "errors": errors}

    built: list[Any] = []
    build = execution.SyncCompletion._build
    monkeypatch.setattr(execution.SyncCompletion, "_build", lambda self, *a: built.append(build(self, *a)) or built[-1])
    fast = answer()
    assert any(p is not None and p.parent.name == "Item" for p in built)  # the plan ran (and gave up)
    with monkeypatch.context() as m:
        m.setattr(execution.SyncCompletion, "_plan_for", lambda *_: None)
        assert answer() == fast
    assert fast["data"] is not None or fast["errors"]
