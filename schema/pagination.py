"""Relay cursor connections: `edges { cursor node }`, `pageInfo`, optional `totalCount`.

Page sizes default to 20 and are capped at 100; asking for more, for a negative size, or for
both `first` and `last` is a `BAD_USER_INPUT` error, as is a cursor we did not issue. Every list
pages both ways: root lists through `list_connection` (a keyset statement), lists under each item
of another list through `child_connection` (a page loader and a count loader, so a page of
members with their orders costs the same statements as one member).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from aiodataloader import DataLoader

from db.pagination import ChildPage, InvalidCursor, Ordering, Page, PageRequest
from schema.errors import bad_input

T = TypeVar("T")
First = Annotated[int | None, strawberry.argument(description="Page size from the start (default 20, max 100).")]
After = Annotated[str | None, strawberry.argument(description="Cursor to page forwards from.")]
Last = Annotated[int | None, strawberry.argument(description="Page size from the end (max 100).")]
Before = Annotated[str | None, strawberry.argument(description="Cursor to page backwards from.")]
DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@strawberry.type(description="Where a page sits in its list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="More items follow this page.")
    has_previous_page: bool = strawberry.field(description="Items precede this page.")
    start_cursor: str | None = strawberry.field(description="Cursor of the first item on the page.")
    end_cursor: str | None = strawberry.field(description="Cursor of the last item on the page.")


@strawberry.type(description="An item of a page, with the cursor to page from it.")
class Edge(Generic[T]):
    cursor: str = strawberry.field(description="Pass as `after` (or `before`) to page from this item.")
    node: T = strawberry.field(description="The item.")


CONNECTION = "A page of a list. Page with `first`/`after` forwards or `last`/`before` backwards."
TOTAL_COUNT = "How many items the whole list holds (costs a count query: ask only when you show it)."


@strawberry.type(description=CONNECTION)
class Connection(Generic[T]):
    edges: list[Edge[T]] = strawberry.field(description="The items of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    count_total: strawberry.Private[Callable[[], Awaitable[int]] | None] = None
    counted: strawberry.Private[int | None] = None  # `count_total`'s answer, when the list's resolver awaited it

    @strawberry.field(description=TOTAL_COUNT)
    async def total_count(self) -> int | None:
        return await self.count_total() if self.count_total else None

    async def count_now(self) -> None:
        """Run the count query now: the product list does when `totalCount` is selected (`counted_connection`)."""
        if self.count_total is not None:
            self.counted = await self.count_total()

    def counted_total(self) -> Any:
        """`total_count` as a plain resolver: the count awaited up front, else the awaitable."""
        if self.counted is not None:
            return self.counted
        return self.count_total() if self.count_total else None


def counted_connection(node: type, name: str) -> Any:
    """A `Connection` type of `node` (named `name`, as strawberry names `Connection[node]`) whose
    `totalCount` is a plain resolver: its list's resolver awaits the count up front when `totalCount` is
    selected (`count_now`), so that the page completes in one pass (schema/execution.py). Other
    connections await their count in `totalCount`, which a plan would abandon."""

    @strawberry.type(name=name, description=CONNECTION)
    class Counted(Connection[node]):  # type: ignore[valid-type]
        @strawberry.field(description=TOTAL_COUNT, graphql_type=int | None)
        def total_count(self) -> Any:
            return self.counted_total()

    return Counted


def _page_request(
    first: int | None, after: str | None, last: int | None, before: str | None
) -> tuple[PageRequest, int]:
    """Validate pagination arguments; returns the request and the page size."""
    if first is not None and last is not None:
        raise bad_input("Pass `first` or `last`, not both.")
    for name, value in (("first", first), ("last", last)):
        if value is not None and not 0 <= value <= MAX_PAGE_SIZE:
            raise bad_input(f"`{name}` must be between 0 and {MAX_PAGE_SIZE}.")
    for name, cursor in (("after", after), ("before", before)):
        if cursor is not None and len(cursor) > 500:
            raise bad_input(f"`{name}` is not a valid cursor.")
    size = first if first is not None else last if last is not None else DEFAULT_PAGE_SIZE
    return PageRequest(first=first, after=after, last=last, before=before), size


async def _paginate(fetch: Callable[[], Awaitable[Page[Any]]]) -> Page[Any]:
    """Run a page query, turning a foreign cursor into a client error."""
    try:
        return await fetch()
    except InvalidCursor as e:
        raise bad_input(str(e) or "The cursor is not valid.") from None


def _connection(
    page: Page[Any], nodes: Sequence[Any], count_total: Callable[[], Awaitable[int]] | None = None
) -> Connection[Any]:
    edges = [Edge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=page.has_previous_page,
            start_cursor=page.cursors[0] if page.cursors else None,
            end_cursor=page.cursors[-1] if page.cursors else None,
        ),
        count_total=count_total,
    )


def primed(loader: DataLoader, key: Callable[[Any], Hashable], build: Callable[[Any], T]) -> Callable[[Any], T]:
    """A root list's `node` for pages of one model: each row's model primes `loader` under its `key`
    (so a field that loads it again costs no statement) and is `build` into its GraphQL type."""

    def node(row: Any) -> T:
        loader.prime(key(row[0]), row[0])
        return build(row[0])

    return node


async def list_connection(
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    fetch: Callable[[PageRequest, int], Awaitable[Page[Any]]],
    node: Callable[[Any], T],
    count_total: Callable[[], Awaitable[int]],
) -> Connection[T]:
    """A root list: validate the arguments, `fetch` one keyset page, turn each row into its `node`."""
    request, size = _page_request(first, after, last, before)
    page = await _paginate(lambda: fetch(request, size))
    return _connection(page, [node(row) for row in page.items], count_total=count_total)


async def child_connection(
    parent_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    ordering: Ordering,
    pages: DataLoader,
    counts: DataLoader,
    node: Callable[[Any], T],
    scope: Hashable | None = None,
) -> Connection[T]:
    """A list under each item of another list (a member's orders): batched through `pages` (keys
    `ChildPage`) and `counts` (keys parent ids), so its cost does not grow with the outer list. With a
    `scope` (the location store staff are limited to) both loaders are keyed `(key, scope)`."""
    request, size = _page_request(first, after, last, before)
    key = ChildPage(parent_id, size, _cursor_id(ordering, after), _cursor_id(ordering, before), request.backwards)
    page = await pages.load(key if scope is None else (key, scope))
    count_key = parent_id if scope is None else (parent_id, scope)
    return _connection(page, [node(row) for row in page.items], count_total=lambda: counts.load(count_key))


def _cursor_id(ordering: Ordering, cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        return int(ordering.decode(cursor)[0])
    except InvalidCursor as e:
        raise bad_input(str(e) or "The cursor is not valid.") from None
