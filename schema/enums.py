"""GraphQL enums mirrored from domain enums, with a description for every value.

Resolvers may return the domain enum members: they serialise by value. Inputs arrive as
the mirrored members; convert with `DomainEnum(value.value)`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, cast

import strawberry


def graphql_enum(domain_enum: type[Enum], description: str, docs: dict[str, str]) -> Any:
    """A strawberry enum with `domain_enum`'s names and values and `docs[name]` as each value's description."""
    missing = {m.name for m in domain_enum} - docs.keys()
    if missing:
        raise ValueError(f"{domain_enum.__name__}: undocumented values {sorted(missing)}")
    members = {m.name: strawberry.enum_value(m.value, description=docs[m.name]) for m in domain_enum}
    # Enum's functional API: mypy cannot type a class whose members are only known at run time.
    mirrored = cast(type[Enum], Enum(domain_enum.__name__, members))
    return strawberry.enum(mirrored, description=description)
