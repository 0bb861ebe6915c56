"""A plan of the executor's shortcut (schema/execution.py), compiled into one Python function.

A plan answers one selection on one object type: read or resolve each field, then complete the
value by its type (null checks, scalar serialisation, lists, the sub-selection's plan). Walking a
list of small closures per value cost four or five Python calls per field, most of a page's
completion; the plan is therefore turned into the source of one function per selection, written
once per document, in which the common cases are inline: a `str` for a `String` or `ID`, an `int`
in range for an `Int`, a `bool`, a list of objects as a loop, and the sub-selections' own lines (up
to `INLINED_LEVELS` deep) rather than a call to their plans. Anything else calls what graphql-core
would (the type's `coerce_output_value`, strawberry's `is_type_of`), and anything unexpected raises
`Abandon`, so that graphql-core completes the object its own way.
"""

from __future__ import annotations

import inspect
import keyword
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from graphql import (
    GraphQLBoolean,
    GraphQLField,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLString,
    get_named_type,
)
from graphql.pyutils import Path, Undefined
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.cast import TYPE_CAST_ATTRIBUTE

from schema.direct_resolvers import Direct


class Abandon(Exception):
    """The plan met something it does not handle; graphql-core takes over."""


# Where a value sits in the response: graphql-core's `Path`, or while a plan runs a plain tuple of the
# same three fields (prev, key, typename), which costs far less to make; `path_of` converts it when a
# resolver asks for its info.
Where = Path | tuple[Any, str | int, str | None] | None


def path_of(where: Where) -> Path | None:
    if where is None or isinstance(where, Path):
        return where
    return Path(path_of(where[0]), where[1], where[2])


@dataclass(frozen=True, slots=True, eq=False)
class PlanField:
    name: str  # the response key
    attribute: str | None  # read this attribute; else call the resolver
    direct: Direct | None  # the resolver (None for an attribute or `__typename`)
    args: dict[str, Any] | None  # by Python name; None: they name variables, bound per request
    parent: GraphQLObjectType
    definition: GraphQLField | None  # None for `__typename`
    nodes: list[Any]  # its field nodes
    type_: GraphQLOutputType | None  # None for `__typename`
    sub: Plan | None  # the plan of its object type's sub-selection


def lazy_info(field: PlanField) -> type:
    """strawberry's `Info` class for `field`, whose graphql-core resolve info is built only if the resolver
    reads it (the prefetched fields of a page take `info` but answer without it). What is the field's is
    the class's; a call makes its object without an `__init__` (`object.__new__`, then `_at`: the context
    and where the value sits), a Python call fewer per resolver call."""
    assert field.direct is not None

    class LazyInfo(field.direct.info_class):  # type: ignore[name-defined]
        _plan = field
        _field = field.direct.field  # type: ignore[union-attr]
        _at: tuple[Any, Where]

        @property
        def _raw_info(self) -> Any:
            built = self.__dict__.get("_built")
            if built is None:
                f, (context, where) = self._plan, self._at
                built = self._built = context.build_resolve_info(f.definition, f.nodes, f.parent, path_of(where))
            return built

    return LazyInfo


class Plan:
    """How to answer one selection on one object type in one pass: `run(source, where, context)`."""

    __slots__ = ("fields", "parent", "run")

    def __init__(self, parent: GraphQLObjectType) -> None:
        self.parent = parent
        self.fields: list[PlanField] = []
        self.run: Any = None

    def compile(self) -> None:
        self.run = _Writer(self).function()


def _awaited(value: Any) -> None:
    if inspect.iscoroutine(value):
        value.close()
    raise Abandon


DEFINITION_BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
# How many levels of sub-selections a plan's function holds itself rather than calling their plans
# (a call, and a path tuple, per object: a report's row holds six objects), bounding its size.
INLINED_LEVELS = 3
_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


class _Writer:
    """Writes a plan's function: `lines` of source, and `names`, the objects it refers to."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "Abandon": Abandon,
            "Undefined": Undefined,
            "awaited": _awaited,
            "new": object.__new__,
        }
        self.counter = 0

    def name(self, value: Any, prefix: str = "K") -> str:
        self.counter += 1
        key = f"{prefix}{self.counter}"
        self.names[key] = value
        return key

    def var(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def function(self) -> Any:
        plan = self.plan
        self.emit(0, "def run(source, where, context):")
        self.emit(1, "failed = context._failed")
        self.emit(1, "is_awaitable = context.is_awaitable")
        self.emit(1, "bound = context._args")
        self.emit(1, f"return {self.body(plan, 'source', 'where', 1, INLINED_LEVELS)}")
        source = "\n".join(self.lines)
        scope = dict(self.names)
        exec(compile(source, f"<plan {plan.parent.name}>", "exec"), scope)  # our own text, from the schema
        return scope["run"]

    def body(self, plan: Plan, source: str, where: str, depth: int, levels: int) -> str:
        """Lines that complete each field of `plan` on `source` (`where`: an expression of its path,
        evaluated only where a resolver's info or a sub-plan's call needs it); the dict's expression."""
        typename = plan.parent.name
        out = []
        for f in plan.fields:
            if f.type_ is None:  # `__typename`
                out.append((f.name, repr(typename)))
                continue
            value, done = self.var("v"), self.var("c")
            here = f"({where}, {f.name!r}, {typename!r})"
            self.read(f, value, source, here, depth)
            self.complete(f.type_, f.sub, value, done, here, depth, levels)
            out.append((f.name, done))
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in out) + "}"

    def read(self, f: PlanField, value: str, source: str, where: str, depth: int) -> None:
        if f.attribute is not None:
            plain_name = f.attribute.isidentifier() and not keyword.iskeyword(f.attribute)
            read = f"{source}.{f.attribute}" if plain_name else f"getattr({source}, {f.attribute!r})"
            self.emit(depth, f"{value} = {read}")
            return
        d = f.direct
        assert d is not None
        args = []
        if d.takes_self:
            args.append(source)
        if d.info_name is not None:
            info = self.var("info")
            self.emit(depth, f"{info} = new({self.name(lazy_info(f), 'I')})")
            self.emit(depth, f"{info}._at = (context, {where})")
            args.append(f"{d.info_name}={info}")
        if f.args is None:  # arguments bound to this request's variables, once per request
            field, arguments = self.name(f, "F"), self.var("a")
            self.emit(depth, f"{arguments} = bound.get({field})")
            self.emit(depth, f"if {arguments} is None:")
            self.emit(depth + 1, f"{arguments} = context._bound({field})")
            args.append(f"**{arguments}")
        elif f.args:
            args.append(f"**{self.name(f.args, 'A')}")
        self.emit(depth, f"{value} = {self.name(d.func, 'R')}({', '.join(args)})")
        plain = self.name(_plain_types(f.type_), "N")
        self.emit(depth, f"if type({value}) not in {plain} and is_awaitable({value}):")
        self.emit(depth + 1, f"awaited({value})")

    def complete(
        self, type_: Any, sub: Plan | None, value: str, done: str, where: str, depth: int, levels: int
    ) -> None:
        """Lines that set `done` to `value` completed as `type_` (`where`: an expression of its path)."""
        required = isinstance(type_, GraphQLNonNull)
        if required:
            type_ = type_.of_type
        fast = _fast_check(type_, value)
        if fast is not None:  # a built-in scalar's usual value first: it is not null
            self.emit(depth, f"if {fast}:")
            self.emit(depth + 1, f"{done} = {value}")
            self.emit(depth, f"elif {value} is None or {value} is Undefined:")
        else:
            self.emit(depth, f"if {value} is None or {value} is Undefined:")
        self.emit(depth + 1, "raise Abandon" if required else f"{done} = None")
        self.emit(depth, "else:")
        self.present(type_, sub, value, done, where, depth + 1, levels)

    def present(self, type_: Any, sub: Plan | None, value: str, done: str, where: str, depth: int, levels: int) -> None:
        """`complete` for a value known not to be null (nor the fast check's)."""
        if isinstance(type_, GraphQLList):
            items, item, path, i, completed = self.var("l"), self.var("x"), self.var("p"), self.var("i"), self.var("y")
            self.emit(depth, f"if type({value}) is not list and not isinstance({value}, (list, tuple)):")
            self.emit(depth + 1, "raise Abandon")  # other iterables, and errors returned as values
            self.emit(depth, f"{items} = []")
            self.emit(depth, f"{path} = {where}")
            self.emit(depth, f"for {i}, {item} in enumerate({value}):")
            self.complete(type_.of_type, sub, item, completed, f"({path}, {i}, None)", depth + 1, levels)
            self.emit(depth + 1, f"{items}.append({completed})")
            self.emit(depth, f"{done} = {items}")
        elif isinstance(type_, GraphQLObjectType):
            assert sub is not None
            plan = self.name(sub, "P")
            error = f"isinstance({value}, Exception)"
            origin = _origin(type_)
            if origin is not None and not issubclass(origin, BaseException):  # its own class is no error
                error = f"(type({value}) is not {self.name(origin, 'O')} and {error})"
            checks = [f"{plan} in failed", error]
            if type_.is_type_of is not None:
                # strawberry's `is_type_of` (the only kind in this schema) never reads the resolve info, and
                # is true of an instance of the type's own class that was not cast to another type
                origin = getattr(type_.extensions.get(DEFINITION_BACKREF), "origin", None)
                own = "False"
                if isinstance(origin, type):
                    cast = f"getattr({value}, {TYPE_CAST_ATTRIBUTE!r}, None)"
                    own = f"(type({value}) is {self.name(origin, 'O')} and {cast} is None)"
                checks.append(f"not {own} and {self.name(type_.is_type_of, 'T')}({value}, None) is not True")
            self.emit(depth, f"if {' or '.join(checks)}:")
            self.emit(depth + 1, "raise Abandon")
            if levels > 0:  # its lines here: no call, and its path made only if a resolver asks for it
                self.emit(depth, f"{done} = {self.body(sub, value, where, depth, levels - 1)}")
            else:
                self.emit(depth, f"{done} = {self.name(sub.run, 'S')}({value}, {where}, context)")
        else:
            plain = self.name(_PLAIN, "N")
            self.emit(depth, f"if type({value}) not in {plain} and isinstance({value}, Exception):")
            self.emit(depth + 1, "raise Abandon")
            self.emit(depth, f"{done} = {self.name(type_.coerce_output_value, 'C')}({value})")
            self.emit(depth, f"if {done} is None or {done} is Undefined:")
            self.emit(depth + 1, "raise Abandon")


_PLAIN: frozenset[type] = frozenset({str, int, float, bool, type(None), list, tuple, dict, Decimal, date, datetime})


def _plain_types(type_: Any) -> frozenset[type]:
    """Types a resolver of `type_` returns that are not awaitable: the built-ins, and the class of its
    object type (strawberry's), so that the usual value skips the awaitable test."""
    origin = _origin(type_)
    if origin is not None and not hasattr(origin, "__await__"):
        return _PLAIN | {origin}
    return _PLAIN


def _origin(type_: Any) -> type | None:
    """The class strawberry made the named type of `type_` from, if any."""
    origin = getattr(get_named_type(type_).extensions.get(DEFINITION_BACKREF), "origin", None)
    return origin if isinstance(origin, type) else None


def _fast_check(type_: Any, value: str) -> str | None:
    """A test under which graphql-core's built-in scalar gives back `value` itself."""
    if type_ is GraphQLString or type_ is GraphQLID:
        return f"type({value}) is str"
    if type_ is GraphQLInt:
        return f"type({value}) is int and {_INT_MIN} <= {value} <= {_INT_MAX}"
    if type_ is GraphQLBoolean:
        return f"{value} is True or {value} is False"
    return None
