"""The layering described in ARCHITECTURE.md, checked on the source (no imports are executed).

    api  ->  schema  ->  db  ->  domain        (an arrow: "may import")

- `domain` imports only what DOMAIN_ALLOWS: the standard library without its I/O and
  concurrency modules, `phonenumbers`, `pypinyin`, and itself (an allowlist: a new dependency fails here
  until it is behind a Protocol in an adapter, or added on purpose);
- `db` may import `domain`, never `schema` or `api`;
- `schema` may import `domain` and `db`, never `api`;
- `api` is the composition root and may import anything.

Every import counts: module level, inside functions, under `if TYPE_CHECKING:`, relative
ones, and `importlib.import_module("...")` / `__import__("...")` with a literal name.
A second guard keeps modules small: none over MAX_LINES lines (no god files). A third finds
import circles: the modules of the four packages, with every kind of import above as an arrow,
have no cycle once the declared LAZY_BACK_EDGES are taken out.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("api", "schema", "domain", "db")
MAX_LINES = 400

# The standard library modules that do I/O, wait or run threads: the domain gets those through
# Protocols (a clock, a hasher, a payment gateway), so its rules stay pure and fast to test.
STDLIB_IO = frozenset(
    {
        "asyncio",
        "concurrent",
        "ftplib",
        "http",
        "io",
        "logging",
        "multiprocessing",
        "os",
        "pathlib",
        "select",
        "selectors",
        "shutil",
        "smtplib",
        "socket",
        "sqlite3",
        "ssl",
        "subprocess",
        "sys",
        "tempfile",
        "threading",
        "time",
        "urllib",
    }
)
# What the domain may import (a top-level name and everything under it).
DOMAIN_ALLOWS = (frozenset(sys.stdlib_module_names) - STDLIB_IO) | {"__future__", "domain", "phonenumbers", "pypinyin"}

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
    for module in (
        "jwt",
        "argon2.exceptions",
        "sqlalchemy.orm",
        "httpx",
        "pydantic",
        "asyncio",
        "os.path",
        "api.app",
        "db.uow",
        "schema.context",
        "domainx",
    ):
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


# The graph's true back-edges, and the only imports allowed to close a circle: a member's orders
# and coupons (orders and coupons name their member at module level), and a variant's stock
# levels (a stock level names its variant). Each is a `strawberry.lazy` type with its import
# under `if TYPE_CHECKING:` or inside the resolver, never at module level.
LAZY_BACK_EDGES: frozenset[tuple[str, str]] = frozenset(
    {
        ("schema.accounts.types", "schema.orders.types"),
        ("schema.accounts.types", "schema.orders.queries"),
        ("schema.accounts.types", "schema.promotions.coupon_types"),
        ("schema.catalog.types", "schema.inventory.types"),
        ("schema.settlement.types", "schema.orders.types"),  # SettlementEntry.orderLine
    }
)


def _module_of(name: str, modules: Mapping[str, Path]) -> str | None:
    """The module an imported name lives in (`schema.orders.types.Order` -> `schema.orders.types`)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def all_modules() -> dict[str, Path]:
    """The modules of api, schema, domain and db by dotted name."""
    return {module_name(p): p for package in PACKAGES for p in source_files(package)}


def import_graph() -> dict[str, dict[str, list[Import]]]:
    """module -> module it imports -> the import statements, over api, schema, domain and db."""
    modules = all_modules()
    graph: dict[str, dict[str, list[Import]]] = {m: {} for m in modules}
    for importer, path in modules.items():
        for imp in imports_of(path):
            target = _module_of(imp.module, modules)
            if target is not None and target != importer:
                graph[importer].setdefault(target, []).append(imp)
    return graph


def circles(graph: Mapping[str, Mapping[str, object]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(graph[root]))]
        index[root] = low[root] = len(index)
        stack.append(root)
        while work:
            node, targets = work[-1]
            target = next((t for t in targets if t in graph), None)
            if target is not None:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    work.append((target, iter(graph[target])))
                elif target in stack:
                    low[node] = min(low[node], index[target])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = stack[stack.index(node) :]
                del stack[stack.index(node) :]
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def _lazy_lines(path: Path) -> set[int]:
    """Lines of the imports that do not run when the module is imported: in a function, or under
    `if TYPE_CHECKING:`."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        deferred = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or (
            isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")
        )
        if deferred:
            body = node.body if isinstance(node, ast.If) else [node]
            lines |= {n.lineno for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Import | ast.ImportFrom)}
    return lines


def test_no_import_circles_beyond_the_declared_lazy_back_edges() -> None:
    graph = import_graph()
    forward = {m: {t: i for t, i in targets.items() if (m, t) not in LAZY_BACK_EDGES} for m, targets in graph.items()}
    found = circles(forward)
    if found:
        lines = []
        for component in found:
            lines.append(" <-> ".join(component))
            lines += [f"    {i}" for m in component for t, imps in forward[m].items() if t in component for i in imps]
        pytest.fail(
            "import circles (break them, or declare a true graph back-edge in LAZY_BACK_EDGES):\n" + "\n".join(lines),
            pytrace=False,
        )


def test_a_back_edge_closes_only_a_circle_of_its_ends() -> None:
    """What a back-edge reaches and what reaches back stay the few modules it joins: an enum or an id
    helper shared through a resolver module would pull inputs and mutations into the circle."""
    ends = {m for edge in LAZY_BACK_EDGES for m in edge}
    dragged = sorted({m for component in circles(import_graph()) for m in component} - ends)
    assert not dragged, f"modules on a circle through a back-edge (import what they need from elsewhere): {dragged}"


def test_back_edges_are_lazy_and_still_needed() -> None:
    graph, paths = import_graph(), all_modules()
    for importer, target in sorted(LAZY_BACK_EDGES):
        imports = graph[importer].get(target)
        assert imports, f"{importer} no longer imports {target}: take it out of LAZY_BACK_EDGES"
        lazy = _lazy_lines(paths[importer])
        eager = [str(i) for i in imports if i.line not in lazy]
        assert not eager, f"a back-edge imported at module level is a circle at import time: {eager}"


def test_only_back_edges_are_strawberry_lazy() -> None:
    """A lazy type hides an arrow from readers and type checkers; it is for back-edges only."""
    offenders = []
    for package in PACKAGES:
        for path in source_files(package):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and ast.unparse(node.func) == "strawberry.lazy"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and (module_name(path), node.args[0].value) not in LAZY_BACK_EDGES
                ):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}: lazy {node.args[0].value}")
    assert not offenders, "import the type at module level instead:\n" + "\n".join(offenders)


def test_the_circle_check_finds_a_circle_through_any_path() -> None:
    graph = {"a": {"b": 1}, "b": {"c": 1}, "c": {"a": 1, "d": 1}, "d": {}, "e": {"e": 1}}
    assert circles(graph) == [["a", "b", "c"]]
    assert circles({"a": {"b": 1}, "b": {}}) == []
