"""GraphQL enums mirrored from domain enums, with a description for every value.

Resolvers may return the domain enum members: they serialise by value. Inputs arrive as
the mirrored members; convert with `DomainEnum(value.value)`.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry


def graphql_enum(domain_enum: type[Enum], description: str, docs: dict[str, str]) -> Any:
    """A strawberry enum with `domain_enum`'s names and values and `docs[name]` as each value's description."""
    missing = {m.name for m in domain_enum} - docs.keys()
    if missing:
        raise ValueError(f"{domain_enum.__name__}: undocumented values {sorted(missing)}")
    members = {m.name: strawberry.enum_value(m.value, description=docs[m.name]) for m in domain_enum}
    return strawberry.enum(Enum(domain_enum.__name__, members), description=description)  # type: ignore[misc]
