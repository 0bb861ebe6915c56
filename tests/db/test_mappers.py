"""Repositories build domain states by field name (`db.mappers`), never by a row's position."""

from __future__ import annotations

import ast
from pathlib import Path

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
