"""Variant attribute rules without a database: names are lower-case keys, values are trimmed and
bounded, and every bad pair is reported at once with its index."""

from __future__ import annotations

import pytest

from domain.catalog.attributes import MAX_PER_VARIANT, attribute_name, checked_attributes
from domain.errors import Code, DomainError, DomainErrors


def test_a_variants_attributes_are_checked_all_at_once() -> None:
    assert [(a.name, a.value) for a in checked_attributes([(" Size ", " XL ")])] == [("size", "XL")]
    with pytest.raises(DomainErrors) as e:
        checked_attributes([("size", ""), ("size", "M"), ("", "x")])
    assert [(x.code, x.field) for x in e.value.errors] == [
        (Code.INVALID, ["attributes", "0", "value"]),
        (Code.DUPLICATE, ["attributes", "1", "name"]),
        (Code.INVALID, ["attributes", "2", "name"]),
    ]


def test_names_are_keys_and_a_variant_has_a_bounded_number() -> None:
    assert [attribute_name(n) for n in ("Colour", " size ", "fit_2", "2fit", "色", "a" * 31)] == [
        "colour",
        "size",
        "fit_2",
        None,
        None,
        None,
    ]
    with pytest.raises(DomainError, match=str(MAX_PER_VARIANT)):
        checked_attributes([(f"a{i}", "x") for i in range(MAX_PER_VARIANT + 1)])
