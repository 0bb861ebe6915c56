"""`--document`, `--operation`, `--variables`: a bench sends a client's document instead of its own.

Front ends send documents unlike the benches' (fragments, `__typename`, every argument a variable:
see ../shared/clients/), and the bars hold for those as for the benches' shapes. The options name a
file, the operation of it to run and its variables as JSON; every figure then carries `document`,
`operation` and `variables`, so runs over several documents print side by side.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from bench.harness import Report


@dataclass(frozen=True)
class Document:
    """What a bench sends: a document, the operation of it to run and its variables."""

    text: str
    operation: str | None
    variables: dict[str, Any]


def add_document_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--document", type=Path, help="a GraphQL file to send instead of the bench's own document")
    parser.add_argument("--operation", help="the operation of --document to run (its operationName)")
    parser.add_argument("--variables", default="{}", help="the operation's variables, as a JSON object")


def chosen(args: argparse.Namespace, own: str, variables: dict[str, Any], report: Report) -> Document:
    """The document the options name (its figures tagged with it), else the bench's `own` with `variables`."""
    if args.document is None:
        return Document(own, None, variables)
    given = orjson.loads(args.variables)
    if not isinstance(given, dict):
        raise SystemExit("--variables must be a JSON object")
    report.context.update(document=args.document.name, operation=args.operation, variables=args.variables)
    return Document(args.document.read_text(), args.operation, given)
