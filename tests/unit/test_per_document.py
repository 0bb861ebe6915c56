"""`PerDocument`: one value per parsed document, found by identity, gone with the document."""

from __future__ import annotations

import gc

from graphql import DocumentNode, parse

from schema.per_document import PerDocument


def test_equal_documents_are_different_keys_and_a_value_is_made_once() -> None:
    kept: PerDocument[DocumentNode, list[int]] = PerDocument()
    a, b = parse("{ channels { slug } }"), parse("{ channels { slug } }")
    assert a == b  # graphql-core compares syntax trees by structure
    made = []
    for document in (a, b, a):
        kept.get(document, lambda d: made.append(d) or [len(made)])
    assert made == [a, b] and kept.get(a, list) == [1] and kept.get(b, list) == [2]


def test_a_value_goes_with_its_document() -> None:
    kept: PerDocument[DocumentNode, str] = PerDocument()
    document = parse("{ channels { slug } }")
    kept.get(document, lambda _: "plans")
    assert list(kept) == [document] and len(kept) == 1
    del document
    gc.collect()
    assert len(kept) == 0 and list(kept) == []
