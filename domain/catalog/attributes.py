"""Structured variant attributes: a variant's colour, size and the like, as name/value pairs that
storefronts filter products by (`products(filter: {attributes: ...})`).

Names are short lower-case keys (`colour`, `size`, `material`), the same across the catalogue so a
filter means one thing; values are what the shop shows ("白色", "M"), trimmed, matched exactly.
`productVariantAttributesSet` replaces a variant's attributes as a whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from domain.access.model import Principal
from domain.catalog.media import check_manages_catalogue
from domain.errors import Code, DomainError, raise_all

NAME = re.compile(r"[a-z][a-z0-9_]{0,29}")
VALUE_MAX = 100
MAX_PER_VARIANT = 20
MAX_FILTER_VALUES = 50


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    value: str


def attribute_name(name: str) -> str | None:
    """The key a name stands for (trimmed, lower case), or None when it is not one."""
    key = name.strip().lower()
    return key if NAME.fullmatch(key) else None


def checked_attributes(pairs: Sequence[tuple[str, str]]) -> list[Attribute]:
    """A variant's attributes as given, or every bad one reported (at `attributes.<index>.name|value`)."""
    errors: list[DomainError] = []
    if len(pairs) > MAX_PER_VARIANT:
        raise DomainError(Code.INVALID, f"A variant has at most {MAX_PER_VARIANT} attributes.", ["attributes"])
    seen: set[str] = set()
    checked = []
    for i, (raw_name, raw_value) in enumerate(pairs):
        at = ["attributes", str(i)]
        name, value = attribute_name(raw_name), raw_value.strip()
        if name is None:
            errors.append(
                DomainError(Code.INVALID, "A name is a lower-case key like `colour` or `size`.", [*at, "name"])
            )
        elif name in seen:
            errors.append(DomainError(Code.DUPLICATE, f"The attribute '{name}' is given twice.", [*at, "name"]))
        if not value or len(value) > VALUE_MAX:
            errors.append(DomainError(Code.INVALID, f"A value has 1 to {VALUE_MAX} characters.", [*at, "value"]))
        if name is not None:
            seen.add(name)
            checked.append(Attribute(name, value))
    raise_all(errors)
    return checked


class VariantAttributesRepository(Protocol):
    async def variant_product(self, variant_id: int) -> int | None: ...
    async def replace_attributes(self, variant_id: int, product_id: int, attributes: list[Attribute]) -> None: ...


class VariantAttributesUnitOfWork(Protocol):
    @property
    def variant_attributes(self) -> VariantAttributesRepository: ...


async def set_variant_attributes(
    uow: VariantAttributesUnitOfWork, principal: Principal, variant_id: int, pairs: Sequence[tuple[str, str]]
) -> int:
    """Replace a variant's attributes (staff who manage the catalogue)."""
    check_manages_catalogue(principal)
    product_id = await uow.variant_attributes.variant_product(variant_id)
    if product_id is None:
        raise DomainError(Code.NOT_FOUND, "No such variant.", ["id"])
    await uow.variant_attributes.replace_attributes(variant_id, product_id, checked_attributes(pairs))
    return variant_id
