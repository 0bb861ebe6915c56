"""Errors: `userErrors` for expected business failures, coded top-level errors for the rest.

`run_mutation` is the one place a domain failure becomes `userErrors`: it runs the use case
in one transaction, and on a `DomainError` rolls everything back and reports the error
codes. Top-level errors carry `extensions.code` from a documented set; `refused` maps a use
case's refusal of the caller to one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.schema.exceptions import InvalidOperationTypeError

from domain.access.model import AccessDenied, SignInRequired
from domain.errors import DomainError, DomainErrors
from schema.context import Info

T = TypeVar("T")
P = TypeVar("P")


# Mirrors `domain.errors.Code` value for value (tests/test_error_codes.py), adding descriptions.
@strawberry.enum(description="Why a mutation refused its input; clients switch on these.")
class UserErrorCode(Enum):
    INVALID = strawberry.enum_value("INVALID", description="A value is malformed or out of range.")
    REQUIRED = strawberry.enum_value("REQUIRED", description="A required value is missing or empty.")
    NOT_FOUND = strawberry.enum_value(
        "NOT_FOUND", description="A referenced object does not exist or is not visible to the caller."
    )
    DUPLICATE = strawberry.enum_value(
        "DUPLICATE", description="A value that must be unique is taken (slug, SKU, listing)."
    )
    INVALID_QUANTITY = strawberry.enum_value(
        "INVALID_QUANTITY", description="A quantity is zero, negative or too large."
    )
    INSUFFICIENT_STOCK = strawberry.enum_value("INSUFFICIENT_STOCK", description="Not enough stock is available.")
    IDENTITY_TAKEN = strawberry.enum_value(
        "IDENTITY_TAKEN", description="The e-mail, phone or other identity belongs to another account."
    )
    INVALID_CREDENTIALS = strawberry.enum_value(
        "INVALID_CREDENTIALS", description="The identifier or password is wrong."
    )
    INVALID_TOKEN = strawberry.enum_value(
        "INVALID_TOKEN", description="A refresh token is invalid, expired, revoked or already used."
    )
    PASSWORD_TOO_WEAK = strawberry.enum_value(
        "PASSWORD_TOO_WEAK", description="The password does not meet the minimum strength."
    )
    CATEGORY_CYCLE = strawberry.enum_value(
        "CATEGORY_CYCLE", description="A category cannot be moved under itself or its own descendants."
    )
    IN_USE = strawberry.enum_value("IN_USE", description="The object is still referenced and cannot be removed.")
    CURRENCY_INVALID = strawberry.enum_value(
        "CURRENCY_INVALID", description="Not an ISO 4217 currency code that Omnishop supports."
    )
    COUPON_INVALID = strawberry.enum_value(
        "COUPON_INVALID", description="The coupon code is unknown (or not the caller's), or its campaign was withdrawn."
    )
    COUPON_ALREADY_REDEEMED = strawberry.enum_value(
        "COUPON_ALREADY_REDEEMED", description="The coupon has already been redeemed."
    )
    COUPON_EXPIRED = strawberry.enum_value("COUPON_EXPIRED", description="The coupon is outside its validity period.")
    COUPON_NOT_APPLICABLE = strawberry.enum_value(
        "COUPON_NOT_APPLICABLE", description="The coupon does not apply to this cart, channel or member."
    )
    COUPON_LIMIT_REACHED = strawberry.enum_value(
        "COUPON_LIMIT_REACHED",
        description="The member already holds as many coupons of this campaign as each member may.",
    )
    COUPON_EXHAUSTED = strawberry.enum_value(
        "COUPON_EXHAUSTED", description="Every coupon of the campaign has been given out."
    )
    INSUFFICIENT_POINTS = strawberry.enum_value(
        "INSUFFICIENT_POINTS", description="The member's points balance is too low."
    )
    INVALID_TRANSITION = strawberry.enum_value(
        "INVALID_TRANSITION", description="The order cannot move to that status from its current one."
    )
    PICKUP_CODE_INVALID = strawberry.enum_value(
        "PICKUP_CODE_INVALID", description="The pickup code does not match the order."
    )
    CART_EMPTY = strawberry.enum_value("CART_EMPTY", description="The cart has no lines.")
    PAYMENT_DECLINED = strawberry.enum_value(
        "PAYMENT_DECLINED", description="The payment provider refused the payment; nothing was recorded."
    )
    GATEWAY_UNAVAILABLE = strawberry.enum_value(
        "GATEWAY_UNAVAILABLE",
        description="The payment app did not answer (timed out, refused the connection, or gave no usable "
        "answer); try again or choose another gateway.",
    )
    PAYMENT_METHOD_UNAVAILABLE = strawberry.enum_value(
        "PAYMENT_METHOD_UNAVAILABLE",
        description="The "
        "payment method is not offered here or not to the caller "
        "(SANDBOX outside demo and debug mode; the till's methods "
        "away from the order's store's till).",
    )
    CHANNEL_NOT_ALLOWED = strawberry.enum_value(
        "CHANNEL_NOT_ALLOWED",
        description="Carts in this channel "
        "are not for the caller: a POS channel's are opened by staff at "
        "one of its stores.",
    )
    PICKUP_LOCATION_REQUIRED = strawberry.enum_value(
        "PICKUP_LOCATION_REQUIRED", description="Pickup needs a pickup store."
    )
    THROTTLED = strawberry.enum_value(
        "THROTTLED",
        description="Too many attempts (failed sign-ins, "
        "registrations from one address); nothing was checked. Wait as long as the "
        "message says.",
    )
    REFERRAL_CODE_INVALID = strawberry.enum_value(
        "REFERRAL_CODE_INVALID", description="No store or staff guide has this referral code."
    )
    RULE_OVERLAP = strawberry.enum_value(
        "RULE_OVERLAP",
        description="A settlement rule of the same role and scope is already valid during part of that period.",
    )


@strawberry.type(description="A problem with the input of a mutation. Nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the argument or input field at fault, "
        'starting with the mutation\'s argument name (e.g. ["input", '
        '"email"], ["lines", "2", "lineId"], ["id"]); '
        "null when the error is about the request as a whole."
    )
    message: str = strawberry.field(description="A human-readable explanation.")
    code: UserErrorCode = strawberry.field(description="A stable code for programs to act on.")


def user_errors_field() -> Any:
    """The `userErrors` field every mutation payload has (a fresh field object per payload type)."""
    return strawberry.field(description="Why the mutation changed nothing; empty on success.")


def user_errors(error: DomainError) -> list[UserError]:
    errors = error.errors if isinstance(error, DomainErrors) else [error]
    return [UserError(field=e.field, message=e.message, code=UserErrorCode(e.code)) for e in errors]


async def run_mutation(info: Info, work: Callable[[], Awaitable[T]]) -> tuple[T | None, list[UserError]]:
    """Run `work` in one transaction; a `DomainError` rolls it back and becomes `userErrors`, a
    refusal of the caller (`AccessDenied`) rolls it back and becomes a top-level error."""
    ctx = info.context
    failure: DomainError | None = None
    result: T | None = None
    try:
        async with ctx.uow.transaction():
            try:
                result = await work()
            except DomainError as e:
                if not e.keep_writes:
                    raise
                failure = e  # commit what the failure itself recorded
    except DomainError as e:
        failure = e
    except AccessDenied as e:
        raise refused(e) from None
    # What the payload reads next must come from the database, not from objects this request
    # loaded before the write (sessions do not expire objects on commit).
    ctx.loaders.clear()
    ctx.session.expunge_all()
    if failure is not None:
        return None, user_errors(failure)
    return result, []


async def run_prepared_mutation(
    info: Info, prepare: Callable[[], Awaitable[P]], work: Callable[[P], Awaitable[T]]
) -> tuple[T | None, list[UserError]]:
    """`prepare` first, outside the transaction, then `work` with its result in one transaction (as
    `run_mutation`); a `DomainError` from either becomes `userErrors`. `prepare` reads and computes
    only: it is where slow work goes that must not hold the write transaction open (checking or
    hashing a password)."""
    try:
        prepared = await prepare()
    except DomainError as e:  # nothing was written
        return None, user_errors(e)
    except AccessDenied as e:
        raise refused(e) from None
    return await run_mutation(info, lambda: work(prepared))


class ErrorCode(str, Enum):
    """The documented `extensions.code` values of top-level errors (docs/limits-and-errors.md).

    Every top-level error carries one. Request errors (nothing ran; with
    `Accept: application/graphql-response+json` they answer HTTP 400 without `data`):
    GRAPHQL_PARSE_FAILED, GRAPHQL_VALIDATION_FAILED, BAD_USER_INPUT (variables that do not
    coerce), QUERY_TOO_COMPLEX, INTROSPECTION_DISABLED. HTTP-level refusals (the request never
    reached GraphQL): BAD_REQUEST (400), NOT_FOUND (404), METHOD_NOT_ALLOWED (405),
    PAYLOAD_TOO_LARGE (413), UNAUTHENTICATED (401 for a bad bearer token), NOT_ACCEPTABLE
    (406), UNSUPPORTED_MEDIA_TYPE (415). Automatic persisted queries: PERSISTED_QUERY_NOT_FOUND
    and PERSISTED_QUERY_NOT_SUPPORTED are request errors too. THROTTLED (429, with
    `extensions.retryAfter`): the caller's cost bucket is empty, nothing ran.
    """

    BAD_USER_INPUT = "BAD_USER_INPUT"  # a bad argument, cursor, page size, or a variable that does not coerce
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    # over a limit; `extensions.limit`: depth, aliases, tokens, cost or expensiveMutations
    QUERY_TOO_COMPLEX = "QUERY_TOO_COMPLEX"
    INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"  # unexpected; message masked outside debug mode
    GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"  # the document is not valid GraphQL syntax
    GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"  # unknown fields/arguments, wrong literal types...
    INTROSPECTION_DISABLED = "INTROSPECTION_DISABLED"  # `__schema`/`__type` with INTROSPECTION=false
    BAD_REQUEST = "BAD_REQUEST"  # malformed HTTP request: unparsable JSON, no query, a batch when batching is off
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"  # a mutation over GET
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"  # body over MAX_BODY_BYTES
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"  # `Accept` allows neither JSON media type
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"  # a POST body that is not application/json
    THROTTLED = "THROTTLED"  # the caller's rate-limit bucket is empty; `extensions.retryAfter` in seconds
    PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"  # an unknown hash: send it again with the query
    PERSISTED_QUERY_NOT_SUPPORTED = "PERSISTED_QUERY_NOT_SUPPORTED"  # PERSISTED_QUERIES=false
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"  # SQLite's write lock stayed taken: nothing written; retry later


def coded_error(message: str, code: ErrorCode) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code.value})


def refused(denied: AccessDenied) -> GraphQLError:
    """A use case's refusal of the caller: UNAUTHENTICATED when signing in would help, else FORBIDDEN."""
    code = ErrorCode.UNAUTHENTICATED if isinstance(denied, SignInRequired) else ErrorCode.FORBIDDEN
    return coded_error(str(denied), code)


def bad_input(message: str) -> GraphQLError:
    return coded_error(message, ErrorCode.BAD_USER_INPUT)


def should_mask(error: GraphQLError) -> bool:
    """Mask unexpected exceptions; our own coded errors and GraphQL validation errors stay readable."""
    original = error.original_error
    if original is None:
        return False
    # A GraphQLError is never an internal failure: ours carry a code, graphql-core's (a variable
    # that does not coerce, e.g. an Int beyond 32 bits) describe only the client's own input; nor
    # is an operation the transport does not serve (a query sent over WebSocket).
    return not isinstance(original, GraphQLError | InvalidOperationTypeError)
