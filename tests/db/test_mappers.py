"""Repositories build domain states by field name (`db.mappers`), never by a row's position."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from db.mappers import columns, part, prefixed

DB = Path(__file__).resolve().parents[2] / "db"


def _positional_builds(tree: ast.AST) -> list[str]:
    """Calls like `OrderState(*row)`: a class fed a row's values in column order."""
    return [
        ast.unparse(node)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id[:1].isupper()
        and any(isinstance(arg, ast.Starred) for arg in node.args)
    ]


def test_no_repository_builds_a_state_from_a_row_by_position() -> None:
    found = {
        path.name: calls
        for path in sorted(DB.rglob("*.py"))
        if (calls := _positional_builds(ast.parse(path.read_text())))
    }
    assert found == {}


def test_one_row_carries_two_states_by_their_prefixes() -> None:
    @dataclass(frozen=True)
    class Pair:
        a: int
        b: str

    @dataclass(frozen=True)
    class One:
        c: int

    pair = columns(b=sa.literal("x"), a=sa.literal(1))
    one = columns(c=sa.literal(3))
    with sa.create_engine("sqlite://").connect() as conn:
        row = conn.execute(sa.select(*prefixed("p_", pair), *prefixed("o_", one))).one()
    assert (part(Pair, row, "p_"), part(One, row, "o_")) == (Pair(1, "x"), One(3))
