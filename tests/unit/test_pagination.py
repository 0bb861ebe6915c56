"""Keyset cursors: what we hand out decodes back to the same sort key; anything else is an InvalidCursor."""

from __future__ import annotations

import ast
import base64
import contextlib
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from db.pagination import (
    InvalidCursor,
    Ordering,
    PageRequest,
    SortKey,
    page_kind,
    parse_datetime,
    parse_decimal,
    parse_int,
    parse_str,
)

ID = SortKey(sa.column("id"), parse=parse_int)
BY_NAME = Ordering("name", [SortKey(sa.column("name"), parse=parse_str), ID])
BY_PRICE = Ordering("price", [SortKey(sa.column("price"), parse=parse_decimal), ID])
BY_NEWEST = Ordering("newest", [SortKey(sa.column("created_at"), descending=True, parse=parse_datetime), ID])
BY_ID = Ordering("id", [ID])


def raw_cursor(payload: Any) -> str:
    """A cursor as a client could forge it: base64url of any JSON."""
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


# --- round trips --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ordering", "values"),
    [
        (BY_ID, [1]),
        (BY_ID, [2**53 + 1]),
        (BY_NAME, ["Ann", 7]),
        (BY_NAME, ["", 7]),
        (BY_NAME, ['乌龙茶 Oolong 🍵 "quoted" \\ back/slash', 8]),
        (BY_PRICE, [Decimal("129.90"), 9]),
        (BY_PRICE, [Decimal("0.000"), 10]),
        (BY_PRICE, [Decimal("-5.5"), 11]),
        (BY_NEWEST, [datetime(2024, 6, 15, 8, 30, 15, 123456, tzinfo=UTC), 12]),
        (BY_NEWEST, [datetime(2024, 6, 15, 16, 30, tzinfo=timezone(timedelta(hours=8))), 13]),
    ],
)
def test_a_cursor_decodes_to_the_sort_key_it_was_made_from(ordering: Ordering, values: list[Any]) -> None:
    cursor = ordering.encode(values)
    decoded = ordering.decode(cursor)
    assert decoded == values
    assert [type(v) for v in decoded] == [type(v) for v in values]


def test_decimal_cursors_keep_their_exact_digits() -> None:
    assert str(BY_PRICE.decode(BY_PRICE.encode([Decimal("129.900"), 1]))[0]) == "129.900"


def test_datetime_cursors_keep_the_instant_and_microseconds() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
    decoded = BY_NEWEST.decode(BY_NEWEST.encode([moment, 1]))[0]
    assert decoded == moment and decoded.utcoffset() == timedelta(0)


def test_cursors_are_url_safe_opaque_strings() -> None:
    cursor = BY_NAME.encode(["??>>~~ 乌龙", 1])
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor
    assert "乌龙" not in cursor


def test_cursors_still_decode_with_their_padding_restored() -> None:
    cursor = BY_NAME.encode(["ab", 1])
    assert BY_NAME.decode(cursor + "=" * (-len(cursor) % 4)) == ["ab", 1]


@given(st.text(max_size=200), st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_any_string_and_id_round_trip(name: str, key: int) -> None:
    assert BY_NAME.decode(BY_NAME.encode([name, key])) == [name, key]


@given(
    st.decimals(min_value=Decimal("-1e11"), max_value=Decimal("1e11"), places=3, allow_nan=False, allow_infinity=False),
    st.integers(min_value=1, max_value=2**62),
)
def test_any_amount_round_trips(price: Decimal, key: int) -> None:
    assert BY_PRICE.decode(BY_PRICE.encode([price, key])) == [price, key]


@given(st.datetimes(timezones=st.just(UTC)), st.integers(min_value=1, max_value=2**62))
def test_any_utc_datetime_round_trips(moment: datetime, key: int) -> None:
    assert BY_NEWEST.decode(BY_NEWEST.encode([moment, key])) == [moment, key]


# --- foreign cursors -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "garbage",
        "!!!!",
        "====",
        "a",
        "乌龙茶",
        "\x00\x01",
        "Y3Vyc29y",  # "cursor", not JSON
        raw_cursor({"name": "name", "values": ["Ann", 1]}),
        raw_cursor("name"),
        raw_cursor(None),
        raw_cursor(42),
        raw_cursor([]),
        base64.urlsafe_b64encode(b"\xff\xfe not utf-8").decode(),
    ],
)
def test_garbage_is_an_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidCursor):
        BY_NAME.decode(cursor)


def test_a_cursor_for_another_ordering_is_refused() -> None:
    with pytest.raises(InvalidCursor):
        BY_PRICE.decode(BY_NAME.encode(["Ann", 1]))
    with pytest.raises(InvalidCursor):
        BY_NAME.decode(raw_cursor(["NAME", "Ann", 1]))


@pytest.mark.parametrize("payload", [["name"], ["name", "Ann"], ["name", "Ann", 1, 2], ["name", ["Ann", 1]]])
def test_a_cursor_with_the_wrong_number_of_values_is_refused(payload: list[Any]) -> None:
    with pytest.raises(InvalidCursor):
        BY_NAME.decode(raw_cursor(payload))


@pytest.mark.parametrize(
    ("ordering", "payload"),
    [
        (BY_NAME, ["name", 1, 1]),  # a number where a string belongs
        (BY_NAME, ["name", "Ann", "1"]),  # the id as a string
        (BY_NAME, ["name", "Ann", 1.5]),
        (BY_NAME, ["name", "Ann", True]),
        (BY_NAME, ["name", None, 1]),
        (BY_NAME, ["name", {"$gt": ""}, 1]),
        (BY_ID, ["id", None]),
        (BY_ID, ["id", 2**63]),  # JSON has no 64-bit limit; the database has
        (BY_ID, ["id", 2**64 - 1]),
        (BY_ID, ["id", 1e20]),
        (BY_PRICE, ["price", "cheap", 1]),
        (BY_PRICE, ["price", None, 1]),
        (BY_PRICE, ["price", [1], 1]),
        (BY_PRICE, ["price", "NaN", 1]),
        (BY_PRICE, ["price", "-Infinity", 1]),
        (BY_PRICE, ["price", "1e999999", 1]),
        (BY_PRICE, ["price", "1e16", 1]),
        (BY_NEWEST, ["newest", "yesterday", 1]),
        (BY_NEWEST, ["newest", 1718440215, 1]),
        (BY_NEWEST, ["newest", None, 1]),
        (BY_NEWEST, ["newest", "2024-06-15T08:30:00", 1]),  # naive: we never make those
        (BY_NEWEST, ["newest", "2024-06-15", 1]),
    ],
)
def test_a_cursor_with_values_of_the_wrong_kind_is_refused(ordering: Ordering, payload: list[Any]) -> None:
    with pytest.raises(InvalidCursor):
        ordering.decode(raw_cursor(payload))


@given(st.text(max_size=100))
def test_no_string_makes_decode_fail_other_than_with_invalid_cursor(cursor: str) -> None:
    with contextlib.suppress(InvalidCursor):
        BY_NEWEST.decode(cursor)


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(min_value=-(2**63), max_value=2**64 - 1)
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=20),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=3),
        max_leaves=10,
    )
)
def test_no_json_makes_decode_fail_other_than_with_invalid_cursor(payload: Any) -> None:
    for ordering in (BY_NAME, BY_PRICE, BY_NEWEST):
        for candidate in (payload, [ordering.name, payload, 1], [ordering.name, "x", payload]):
            with contextlib.suppress(InvalidCursor):
                ordering.decode(raw_cursor(candidate))


def test_invalid_cursor_is_a_value_error_with_a_client_readable_message() -> None:
    with pytest.raises(ValueError, match="cursor is not valid"):
        BY_NAME.decode("garbage")


# --- the value parsers and page requests -----------------------------------------------------------


def test_value_parsers_accept_what_encode_produces() -> None:
    assert parse_int(5) == 5
    assert parse_str("x") == "x"
    assert parse_decimal("12.50") == Decimal("12.50")
    assert parse_datetime("2024-06-15T08:30:00+00:00") == datetime(2024, 6, 15, 8, 30, tzinfo=UTC)


def test_a_page_request_pages_backwards_only_with_last_alone() -> None:
    assert PageRequest(last=5).backwards
    assert not PageRequest(first=5).backwards
    assert not PageRequest(first=5, last=5).backwards
    assert not PageRequest().backwards


PAGER_API = {
    "counted_connection",
    "After",
    "Before",
    "First",
    "Last",
    "Connection",
    "list_connection",
    "child_connection",
    "primed",
    "DEFAULT_PAGE_SIZE",
    "MAX_PAGE_SIZE",
}


def test_every_list_is_paged_by_the_one_pager() -> None:
    """Lists build their connections only through `list_connection`/`child_connection`: none repeats
    the steps (validate, page, prime, connect) or decodes cursors itself."""
    root = Path(__file__).resolve().parents[2] / "schema"
    own: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        if path.name == "pagination.py" and path.parent == root:
            continue
        for stmt in ast.walk(ast.parse(path.read_text())):
            if isinstance(stmt, ast.ImportFrom) and stmt.module in ("schema.pagination", "db.pagination"):
                names = {alias.name for alias in stmt.names}
                # a loaders module names the key and value types of its page loaders
                typing = {"ChildPage", "Page"} if path.name == "loaders.py" else set()
                extra = names - PAGER_API if stmt.module == "schema.pagination" else names - {"count", *typing}
                if extra:
                    own[str(path.relative_to(root.parent))] = extra
    assert own == {}


def test_a_page_kind_keeps_what_the_statement_depends_on() -> None:
    assert page_kind(PageRequest(first=20)) == page_kind(PageRequest(first=50))
    assert page_kind(PageRequest(first=20, after="a")) == page_kind(PageRequest(first=5, after="b"))
    assert page_kind(PageRequest(first=20)) != page_kind(PageRequest(first=20, after="a"))
    assert page_kind(PageRequest(last=5)).backwards and not page_kind(PageRequest(first=5, last=5)).backwards
    assert page_kind(PageRequest(last=5, before="a")) != page_kind(PageRequest(last=5))
