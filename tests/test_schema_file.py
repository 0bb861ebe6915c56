"""The committed `schema.graphql` is the served schema, so every API change shows in review."""

from __future__ import annotations

import difflib
from pathlib import Path

from graphql import build_schema as parse_sdl

from schema import build_schema

SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_served_schema() -> None:
    served = build_schema().as_str() + "\n"
    committed = SDL_FILE.read_text() if SDL_FILE.exists() else ""
    diff = "".join(difflib.unified_diff(committed.splitlines(True), served.splitlines(True),
                                        "schema.graphql (committed)", "served", n=1))
    assert served == committed, f"Run `omnishop export-schema > schema.graphql` and review:\n{diff[:4000]}"


def test_every_type_field_argument_and_enum_value_is_described() -> None:
    schema = parse_sdl(SDL_FILE.read_text())
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or name in {"String", "Int", "Float", "Boolean", "ID"}:
            continue
        if not t.description:
            missing.append(name)
        for fname, f in (getattr(t, "fields", None) or {}).items():
            if not f.description:
                missing.append(f"{name}.{fname}")
            for aname, a in (getattr(f, "args", None) or {}).items():
                if not a.description:
                    missing.append(f"{name}.{fname}({aname})")
        for vname, v in (getattr(t, "values", None) or {}).items():
            if not v.description:
                missing.append(f"{name}.{vname}")
    assert not missing, f"undocumented: {missing}"
