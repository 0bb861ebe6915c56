"""schema/extension_runner.py runs extensions' hooks as strawberry's own runner does: the same
order, the same exceptions (raised, replaced, swallowed by one hook and still leaving the stage),
and every schema the app builds uses it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from schema import build_schema
from schema.extension_runner import LeanRunner


def _extensions(log: list[str], mode: str) -> list[SchemaExtension]:
    class Outer(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append("outer in")
            try:
                yield
            except ValueError as e:
                log.append(f"outer saw {e}")
                raise
            log.append("outer out")

        async def on_execute(self) -> AsyncIterator[None]:
            log.append("outer execute in")
            yield
            log.append("outer execute out")

    class Plain(SchemaExtension):
        def on_operation(self) -> None:  # type: ignore[override]
            log.append("plain")

        async def on_execute(self) -> None:  # type: ignore[override]
            log.append("plain async")

    class Inner(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            log.append("inner in")
            try:
                yield
            except ValueError as e:
                log.append(f"inner saw {e}")
                if mode == "swallow":
                    return
                if mode == "replace":
                    raise ValueError("replaced") from None
                raise
            log.append("inner out")
            if mode == "fail on exit":
                raise ValueError("on exit")

        async def on_execute(self) -> AsyncIterator[None]:
            log.append("inner execute in")
            try:
                yield
            finally:
                log.append("inner execute out")

    return [Outer(), Plain(), Inner()]


async def _run(runner_class: type[SchemaExtensionsRunner], mode: str) -> list[str]:
    log: list[str] = []
    runner = runner_class(execution_context=None, extensions=_extensions(log, mode))  # type: ignore[arg-type]
    try:
        async with runner.operation(), runner.executing():
            log.append("body")
            if mode != "fail on exit":
                raise ValueError("in body")
    except ValueError as e:
        log.append(f"raised {e}")
    return log


@pytest.mark.parametrize("mode", ["propagate", "swallow", "replace", "fail on exit"])
async def test_hooks_run_as_strawberry_runs_them(mode: str) -> None:
    theirs = await _run(SchemaExtensionsRunner, mode)
    assert await _run(LeanRunner, mode) == theirs
    assert theirs[-1].startswith("raised")  # every mode raises: the cases above are not vacuous


def test_the_schema_uses_the_lean_runner() -> None:
    schema = build_schema()
    runner: Any = schema.create_extensions_runner(None, [])  # type: ignore[arg-type]
    assert isinstance(runner, LeanRunner)


async def test_results_are_strawberrys() -> None:
    class Sync(SchemaExtension):
        def get_results(self) -> dict[str, Any]:
            return {"sync": 1, "both": "sync"}

    class Async(SchemaExtension):
        async def get_results(self) -> dict[str, Any]:  # type: ignore[override]
            return {"async": 2, "both": "async"}

    class Default(SchemaExtension):
        pass

    class Context:
        extensions_results = {"context": 3}

    def results(runner_class: type[SchemaExtensionsRunner]) -> Any:
        runner = runner_class(execution_context=None, extensions=[Sync(), Default(), Async()])  # type: ignore[arg-type]
        return runner.get_extensions_results(Context())  # type: ignore[arg-type]

    theirs = await results(SchemaExtensionsRunner)
    assert await results(LeanRunner) == theirs == {"sync": 1, "both": "async", "async": 2, "context": 3}
    assert list((await results(LeanRunner)).items()) == list(theirs.items())
