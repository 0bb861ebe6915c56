"""The suite's own habits: one place knows where PostgreSQL is, one `pg` fixture, and tests print
no timings (the benchmarks in bench/ measure; tests only pass or fail)."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
SERVER_SPELLINGS = ("postgresql+asyncpg://", "@127.0.0.1:5432")
# The CLI tests drive the real command with plain `postgresql://` URLs (PostgreSQL through asyncpg).
KNOWS_THE_SERVER = {"postgres.py", "test_cli.py"}


def _modules() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p.name != Path(__file__).name)


def test_only_tests_postgres_knows_where_the_server_is() -> None:
    spelled = [
        str(p.relative_to(TESTS))
        for p in _modules()
        if p.name not in KNOWS_THE_SERVER and any(s in p.read_text() for s in SERVER_SPELLINGS)
    ]
    assert spelled == []


def test_the_pg_fixture_is_defined_once() -> None:
    defined = [
        str(p.relative_to(TESTS))
        for p in _modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "pg"
    ]
    assert defined == ["conftest.py"]


def test_no_test_prints() -> None:
    printing = [
        str(p.relative_to(TESTS))
        for p in _modules()
        for node in ast.walk(ast.parse(p.read_text()))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
    ]
    assert printing == []
