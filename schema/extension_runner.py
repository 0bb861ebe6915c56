"""Schema extensions' hooks run without building context managers for them on every request.

strawberry enters each stage of an operation (operation, parsing, validation, execution) through a
context manager that, per request and per extension, looks the hook up, asks `inspect` what kind of
function it is, wraps it with `contextlib.contextmanager` (`functools.wraps` and all) and pushes it
on an exit stack: about 400 Python calls per operation before any resolver runs, for the schema's
seven extensions. `LeanRunner` runs the same hooks in the same order with the same semantics, each
stage's hooks and their kinds found once per list of extension classes: a generator hook is advanced
to its `yield` on entry and resumed (or has the exception thrown into it) on exit, innermost first;
an exception a hook raises on exit replaces the one in flight, and the hooks outside one that
swallowed it see none, as in `contextlib`'s exit stack. Results are asked only of the extensions
that have their own `get_results`. A stage entered synchronously (`execute_sync`) is strawberry's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.context import (
    ExecutingContextManager,
    ExtensionContextManagerBase,
    OperationContextManager,
    ParsingContextManager,
    ValidationContextManager,
)
from strawberry.extensions.runner import SchemaExtensionsRunner
from strawberry.types import ExecutionContext

GENERATOR, ASYNC_GENERATOR, FUNCTION, COROUTINE = range(4)
STAGES = ("on_operation", "on_parse", "on_validate", "on_execute")
Hooks = tuple[tuple[int, Callable[..., Any], int], ...]  # (the extension's index, its hook, the hook's kind)
# By the extensions' classes (a schema has one list of them), then by stage: the hooks to run.
_HOOKS: dict[tuple[type[SchemaExtension], ...], dict[str, Hooks]] = {}
MAX_EXTENSION_LISTS = 64  # lists of extension classes kept (tests build many schemas)


def _kind(extension: type, name: str) -> int | None:
    """The kind of the extension class's own `name` hook (None when it keeps strawberry's default)."""
    function = getattr(extension, name)
    if function is getattr(SchemaExtension, name):
        return None
    if inspect.isgeneratorfunction(function):
        return GENERATOR
    if inspect.isasyncgenfunction(function):
        return ASYNC_GENERATOR
    if inspect.iscoroutinefunction(function):
        return COROUTINE
    if callable(function):
        return FUNCTION
    raise ValueError(f"Hook {name} on {extension} must be callable, received {function!r}")


def _hooks(extensions: list[SchemaExtension]) -> dict[str, Hooks]:
    classes: tuple[type[SchemaExtension], ...] = tuple(map(type, extensions))
    try:
        return _HOOKS[classes]
    except KeyError:
        pass
    found = {}
    for name in STAGES:
        kinds = [(i, getattr(c, name), _kind(c, name)) for i, c in enumerate(classes)]
        found[name] = tuple((i, f, k) for i, f, k in kinds if k is not None)
    # the extensions with results of their own (strawberry's default is an empty dict)
    found["get_results"] = tuple(
        (i, c.get_results, FUNCTION) for i, c in enumerate(classes) if c.get_results is not SchemaExtension.get_results
    )
    if len(_HOOKS) < MAX_EXTENSION_LISTS:
        _HOOKS[classes] = found
    return found


def _resume(generator: Any, value: BaseException | None) -> bool:
    """Leave a generator hook as `contextlib.contextmanager` does; True when it swallowed `value`."""
    if value is None:
        try:
            next(generator)
        except StopIteration:
            return False
        generator.close()
        raise RuntimeError("generator didn't stop")
    try:
        generator.throw(value)
    except StopIteration as e:
        return e is not value
    except RuntimeError as e:
        if e is value or (isinstance(value, StopIteration) and e.__cause__ is value):
            return False
        raise
    except BaseException as e:
        if e is not value:
            raise
        return False
    generator.close()
    raise RuntimeError("generator didn't stop after throw()")


async def _resume_async(generator: Any, value: BaseException | None) -> bool:
    """Leave an async generator hook as `contextlib.asynccontextmanager` does."""
    if value is None:
        try:
            await generator.__anext__()
        except StopAsyncIteration:
            return False
        await generator.aclose()
        raise RuntimeError("generator didn't stop")
    try:
        await generator.athrow(value)
    except StopAsyncIteration as e:
        return e is not value
    except RuntimeError as e:
        if e is value or (isinstance(value, StopAsyncIteration | StopIteration) and e.__cause__ is value):
            return False
        raise
    except BaseException as e:
        if e is not value:
            raise
        return False
    await generator.aclose()
    raise RuntimeError("generator didn't stop after athrow()")


class _Stage:
    """One stage's hooks, entered in the extensions' order and left in the reverse order."""

    __slots__ = ("entered", "extensions", "fallback", "hooks", "sync_stage")

    def __init__(
        self, extensions: list[SchemaExtension], hooks: Hooks, sync_stage: type[ExtensionContextManagerBase]
    ) -> None:
        self.extensions, self.hooks, self.sync_stage = extensions, hooks, sync_stage
        self.entered: list[tuple[bool, Any]] = []  # (async, generator) of the hooks entered so far
        self.fallback: ExtensionContextManagerBase | None = None

    async def __aenter__(self) -> None:
        extensions, entered = self.extensions, self.entered
        for index, function, kind in self.hooks:
            extension = extensions[index]
            if kind == GENERATOR:
                generator = function(extension)
                try:
                    next(generator)
                except StopIteration:
                    raise RuntimeError("generator didn't yield") from None
                entered.append((False, generator))
            elif kind == ASYNC_GENERATOR:
                generator = function(extension)
                try:
                    await generator.__anext__()
                except StopAsyncIteration:
                    raise RuntimeError("generator didn't yield") from None
                entered.append((True, generator))
            elif kind == COROUTINE:
                await function(extension)
            else:
                function(extension)

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        # strawberry's stage does not suppress (it drops its exit stack's answer): an exception a hook
        # swallowed still leaves the `async with`, and only the outer hooks see none
        pending = False
        entered = self.entered
        while entered:
            is_async, generator = entered.pop()
            try:
                swallowed = await _resume_async(generator, exc) if is_async else _resume(generator, exc)
            except BaseException as raised:
                if exc is not None and raised is not exc and raised.__context__ is None:
                    raised.__context__ = exc
                exc, pending = raised, True
            else:
                if swallowed:
                    exc, pending = None, False
        if pending and exc is not None:
            raise exc

    def __enter__(self) -> None:
        self.fallback = self.sync_stage(self.extensions)
        self.fallback.__enter__()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        assert self.fallback is not None
        self.fallback.__exit__(exc_type, exc, traceback)


class LeanRunner(SchemaExtensionsRunner):
    """strawberry's runner with the stages of `_Stage`."""

    def __init__(self, execution_context: ExecutionContext, extensions: list[SchemaExtension] | None = None) -> None:
        super().__init__(execution_context, extensions)
        self.hooks = _hooks(self.extensions)

    async def get_extensions_results(self, ctx: ExecutionContext) -> dict[str, Any]:
        """strawberry's, without asking the extensions that keep the default (no results) for theirs."""
        data: dict[str, Any] = {}
        extensions = self.extensions
        for index, _function, _kind in self.hooks["get_results"]:
            results = extensions[index].get_results()
            if type(results) is not dict and inspect.isawaitable(results):
                results = await results
            data.update(results)
        data.update(ctx.extensions_results)
        return data

    def operation(self) -> Any:
        return _Stage(self.extensions, self.hooks["on_operation"], OperationContextManager)

    def validation(self) -> Any:
        return _Stage(self.extensions, self.hooks["on_validate"], ValidationContextManager)

    def parsing(self) -> Any:
        return _Stage(self.extensions, self.hooks["on_parse"], ParsingContextManager)

    def executing(self) -> Any:
        return _Stage(self.extensions, self.hooks["on_execute"], ExecutingContextManager)


def lean_runner(execution_context: ExecutionContext, extensions: list[SchemaExtension]) -> SchemaExtensionsRunner:
    """`Schema.create_extensions_runner`, installed by `install`."""
    return LeanRunner(execution_context=execution_context, extensions=extensions)
