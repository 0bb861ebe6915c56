"""Parsed and validated documents kept between requests, keyed by their text.

A storefront sends the same few documents, so each is parsed and validated once per process.
Nothing here parses: on a miss strawberry parses the text with the request's parse options (the
token limit `MaxTokensLimiter` sets), so a document over the limits costs no more than the limit
allows. A document is kept only once it has passed validation (which includes the depth, alias
and introspection limits): one that fails is never kept and never evicts one that works. The
cache is bounded in bytes (schema/byte_cache.py), an entry counting its text, its syntax tree and the
plans the executor keeps with it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from graphql import DocumentNode
from strawberry.extensions import SchemaExtension

from schema.byte_cache import ByteLRU

DOCUMENT_CACHE_BYTES = 32 * 1024 * 1024
# Measured with tracemalloc: a parsed document holds about 560 bytes of nodes, locations and
# tokens per lexical token, besides its text (and string values, at most the text again). The
# executor's plans live as long as the document (schema/execution.py): about 100 bytes per token of
# the storefront's listing since they are compiled into functions (schema/plans.py: a quarter more
# than the closures before, measured side by side), for each of at most 4 choices of its
# `@skip`/`@include` variables.
BYTES_PER_TOKEN = 600 + 4 * 100


def document_bytes(query: str, document: DocumentNode) -> int:
    """The memory a parsed `document` of `query` holds, estimated."""
    tokens = 0
    token = document.loc.start_token if document.loc is not None else None
    while token is not None:
        tokens += 1
        token = token.next
    return 2 * sys.getsizeof(query) + tokens * BYTES_PER_TOKEN


class DocumentCache(SchemaExtension):
    """Skips parsing and validation of a document that passed them before (`documents` is the
    schema's cache, shared by every request)."""

    def __init__(self, documents: ByteLRU[str, DocumentNode]) -> None:
        self.documents = documents
        self.hit = False

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and (document := self.documents.get(context.query)) is not None:
            context.graphql_document = document
            self.hit = True
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if self.hit:
            context.pre_execution_errors = []  # validated when it was stored
        yield
        if not self.hit and not context.pre_execution_errors and context.query and context.graphql_document:
            self.documents.put(
                context.query, context.graphql_document, document_bytes(context.query, context.graphql_document)
            )
