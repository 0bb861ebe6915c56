"""Schemathesis hooks for `.ci/run`'s GraphQL fuzzing (loaded through SCHEMATHESIS_HOOKS).

- `Decimal` (money amounts, sent as strings) gets values: ordinary amounts, the edge cases a
  decimal parser trips on, and arbitrary text.
- `Upload` (a file part of a multipart request, which the fuzzer's JSON bodies cannot send) gets
  text: what a client that puts anything else in the variable sends (a userError, never a 500).
- `no_server_error`: what the run must never see, a 5xx status or an `INTERNAL_SERVER_ERROR`
  code. Schemathesis' own `not_a_server_error` counts every field error as a server error,
  including the contract's expected ones (NOT_FOUND, UNAUTHENTICATED, FORBIDDEN), so the run
  excludes it and uses this check instead.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

DECIMALS = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=2, min_value=-(10**12), max_value=10**12).map(str),
    st.sampled_from(
        [
            "NaN",
            "-Infinity",
            "1e999999",
            "-1E-999999",
            "0.000000001",
            "-0",
            "99999999999999999999.99",
            "1_000",
            " 1.5 ",
            "",
        ]
    ),
    st.text(max_size=20),
)
schemathesis.graphql.scalar("Decimal", DECIMALS.map(nodes.String))
schemathesis.graphql.scalar("Upload", st.text(max_size=20).map(nodes.String))


@schemathesis.check
def no_server_error(ctx: Any, response: Any, case: Any) -> None:
    """A 5xx, or an error coded INTERNAL_SERVER_ERROR (an unexpected exception, masked), fails the run."""
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"HTTP {response.status_code} with a body that is not JSON: {response.text[:200]}") from e
    errors = body.get("errors") if isinstance(body, dict) else None
    internal = [e for e in errors or () if (e.get("extensions") or {}).get("code") == "INTERNAL_SERVER_ERROR"]
    if internal:
        raise AssertionError("INTERNAL_SERVER_ERROR: " + "; ".join(str(e.get("message")) for e in internal))
