"""The committed `schema.graphql` is the served schema, so every API change shows in review."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

from graphql import GraphQLObjectType
from graphql import build_schema as parse_sdl

from schema import build_schema

SDL_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_committed_schema_matches_the_served_schema() -> None:
    served = build_schema().as_str() + "\n"
    committed = SDL_FILE.read_text() if SDL_FILE.exists() else ""
    diff = "".join(
        difflib.unified_diff(
            committed.splitlines(True), served.splitlines(True), "schema.graphql (committed)", "served", n=1
        )
    )
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


def test_no_python_internal_name_is_part_of_the_schema() -> None:
    """Clients code against every type name: a leading underscore (`_AdjustKind`) is a Python detail."""
    schema = parse_sdl(SDL_FILE.read_text())
    assert not [name for name in schema.type_map if name.startswith("_") and not name.startswith("__")]


def test_user_error_field_is_documented_as_the_path_that_is_returned() -> None:
    """`userErrors.field` starts with the mutation's argument (["input", "email"], ["cartId"]), so each example
    its description gives must start with an argument some mutation takes."""
    schema = parse_sdl(SDL_FILE.read_text())
    assert schema.mutation_type is not None
    user_error = schema.type_map["UserError"]
    assert isinstance(user_error, GraphQLObjectType)
    description = user_error.fields["field"].description
    examples = [json.loads(e) for e in re.findall(r"\[[^\[\]]*\]", description or "")]
    arguments = {a for f in schema.mutation_type.fields.values() for a in f.args}
    assert examples and all(e and e[0] in arguments for e in examples), examples
