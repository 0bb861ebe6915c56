"""The layering described in ARCHITECTURE.md, checked on the source (no imports are executed).

    api  ->  schema  ->  db  ->  domain        (an arrow: "may import")

- `domain` imports only what DOMAIN_ALLOWS: the standard library without its I/O and
  concurrency modules, `phonenumbers`, and itself (an allowlist: a new dependency fails here
  until it is behind a Protocol in an adapter, or added on purpose);
- `db` may import `domain`, never `schema` or `api`;
- `schema` may import `domain` and `db`, never `api`;
- `api` is the composition root and may import anything.

Every import counts: module level, inside functions, under `if TYPE_CHECKING:`, relative
ones, and `importlib.import_module("...")` / `__import__("...")` with a literal name.
A second guard keeps modules small: none over MAX_LINES lines (no god files).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "schema", "domain", "db")
MAX_LINES = 400

# The standard library modules that do I/O, wait or run threads: the domain gets those through
# Protocols (a clock, a hasher, a payment gateway), so its rules stay pure and fast to test.
STDLIB_IO = frozenset({
    "asyncio", "concurrent", "ftplib", "http", "io", "logging", "multiprocessing", "os", "pathlib",
    "select", "selectors", "shutil", "smtplib", "socket", "sqlite3", "ssl", "subprocess", "sys",
    "tempfile", "threading", "time", "urllib",
})
# What the domain may import (a top-level name and everything under it).
DOMAIN_ALLOWS = (frozenset(sys.stdlib_module_names) - STDLIB_IO) | {"__future__", "domain", "phonenumbers"}

# What each other package must not import (a name and everything under it).
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "db": ("api", "schema"),
    "schema": ("api",),
    "api": (),
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute dotted name

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}: imports {self.module}"


def source_files(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if ".venv" not in p.parts)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve_relative(path: Path, level: int, module: str | None) -> str:
    """`from ..x import y` in `path` -> the absolute package it names."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package.pop()  # a module's package is its parent
    base = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*base, module] if module else base)


def imports_of(path: Path) -> Iterator[Import]:
    return imports_in(path.read_text(encoding="utf-8"), path)


def imports_in(source: str, path: Path) -> Iterator[Import]:
    """The modules `source` imports, relative imports resolved as if it were at `path`."""
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _resolve_relative(path, node.level, node.module) if node.level else (node.module or "")
            yield Import(path, node.lineno, base)
            for alias in node.names:  # `from db import models` may import the module db.models
                if alias.name != "*":
                    yield Import(path, node.lineno, f"{base}.{alias.name}")
        elif isinstance(node, ast.Call) and (name := _dynamic_import_name(node)):
            yield Import(path, node.lineno, name)


def _dynamic_import_name(call: ast.Call) -> str | None:
    """The literal module name of `importlib.import_module("x")`, `import_module("x")`, `__import__("x")`."""
    func = call.func
    named = (isinstance(func, ast.Name) and func.id in ("__import__", "import_module")) or (
        isinstance(func, ast.Attribute) and func.attr == "import_module"
    )
    if named and call.args and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str):
        return call.args[0].value
    return None


def _is_under(module: str, name: str) -> bool:
    return module == name or module.startswith(name + ".")


def violations() -> list[str]:
    """One line per offending import statement and forbidden name."""
    found: dict[tuple[Path, int, str], str] = {}
    for package, forbidden in FORBIDDEN.items():
        for path in source_files(package):
            for imp in imports_of(path):
                for name in forbidden:
                    if _is_under(imp.module, name):
                        found.setdefault((path, imp.line, name), f"{imp}  ({package} must not import {name})")
    for path in source_files("domain"):
        for imp in imports_of(path):
            if not domain_may_import(imp.module):
                why = "domain imports only the standard library, phonenumbers and itself: use a Protocol and an adapter"
                found.setdefault((path, imp.line, imp.module.split(".")[0]), f"{imp}  ({why})")
    return [found[key] for key in sorted(found, key=lambda k: (str(k[0]), k[1], k[2]))]


def domain_may_import(module: str) -> bool:
    return module.split(".")[0] in DOMAIN_ALLOWS


def test_each_layer_exists() -> None:
    for package in PACKAGES:
        assert source_files(package), f"no Python files under {package}/ (is the layout as documented?)"


def test_layers_import_only_what_the_architecture_allows() -> None:
    found = violations()
    if found:
        pytest.fail("import rules broken (see ARCHITECTURE.md):\n" + "\n".join(found), pytrace=False)


def test_no_module_is_a_god_file() -> None:
    offenders = []
    for package in PACKAGES:
        for path in source_files(package):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MAX_LINES:
                offenders.append(f"{path.relative_to(ROOT)}: {lines} lines")
    if offenders:
        pytest.fail(
            f"modules over {MAX_LINES} lines, split them along a real seam:\n" + "\n".join(offenders), pytrace=False
        )


def test_the_domain_allowlist_refuses_any_other_library() -> None:
    for module in ("jwt", "argon2.exceptions", "sqlalchemy.orm", "httpx", "pydantic", "asyncio", "os.path", "api.app",
                   "db.uow", "schema.context", "domainx"):
        assert not domain_may_import(module), module
    for module in ("domain.orders.model", "decimal", "dataclasses", "collections.abc", "phonenumbers", "__future__"):
        assert domain_may_import(module), module


def test_the_import_check_sees_every_kind_of_import() -> None:
    source = (
        "import sqlalchemy.orm\n"
        "from db import models\n"
        "from ..api import thing\n"
        "from . import sibling\n"
        "def f():\n"
        "    from schema.x import y\n"
        "    import importlib\n"
        "    importlib.import_module('strawberry')\n"
    )
    found = {i.module for i in imports_in(source, ROOT / "domain" / "pkg" / "mod.py")}
    expected = {
        "sqlalchemy.orm",
        "db",
        "db.models",
        "domain.api",
        "domain.api.thing",
        "domain.pkg.sibling",
        "schema.x",
        "strawberry",
    }
    assert expected <= found, sorted(expected - found)
