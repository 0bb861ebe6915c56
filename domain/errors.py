"""Coded domain errors: the one exception family that becomes `userErrors`.

Every expected business failure raises a `DomainError` carrying a stable `Code` (mirrored by the
schema's `UserErrorCode`, which clients switch on) and optionally the input `field` path it is
about. The schema layer maps them to `userErrors` in one place; nothing else builds error
lists by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum


class Code(StrEnum):
    """Every `DomainError` code, one enum so a misspelt code is a type error, not a 500 at run
    time. The schema's `UserErrorCode` mirrors it value for value (a test checks the sets)."""

    INVALID = "INVALID"
    REQUIRED = "REQUIRED"
    NOT_FOUND = "NOT_FOUND"
    DUPLICATE = "DUPLICATE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    IDENTITY_TAKEN = "IDENTITY_TAKEN"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"
    PASSWORD_TOO_WEAK = "PASSWORD_TOO_WEAK"
    CATEGORY_CYCLE = "CATEGORY_CYCLE"
    IN_USE = "IN_USE"
    CURRENCY_INVALID = "CURRENCY_INVALID"
    COUPON_INVALID = "COUPON_INVALID"
    COUPON_ALREADY_REDEEMED = "COUPON_ALREADY_REDEEMED"
    COUPON_EXPIRED = "COUPON_EXPIRED"
    COUPON_NOT_APPLICABLE = "COUPON_NOT_APPLICABLE"
    COUPON_LIMIT_REACHED = "COUPON_LIMIT_REACHED"
    COUPON_EXHAUSTED = "COUPON_EXHAUSTED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    PICKUP_CODE_INVALID = "PICKUP_CODE_INVALID"
    CART_EMPTY = "CART_EMPTY"
    PAYMENT_DECLINED = "PAYMENT_DECLINED"
    PAYMENT_METHOD_UNAVAILABLE = "PAYMENT_METHOD_UNAVAILABLE"
    GATEWAY_UNAVAILABLE = "GATEWAY_UNAVAILABLE"
    CHANNEL_NOT_ALLOWED = "CHANNEL_NOT_ALLOWED"
    PICKUP_LOCATION_REQUIRED = "PICKUP_LOCATION_REQUIRED"
    THROTTLED = "THROTTLED"
    REFERRAL_CODE_INVALID = "REFERRAL_CODE_INVALID"
    RULE_OVERLAP = "RULE_OVERLAP"


class DomainError(Exception):
    """An expected failure that the client can fix or must be told about."""

    def __init__(
        self, code: Code, message: str, field: Sequence[str] | None = None, *, keep_writes: bool = False
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = list(field) if field is not None else None
        # Rare: the failure itself must be recorded (a replayed refresh token revokes its
        # family), so the transaction commits before the error is reported.
        self.keep_writes = keep_writes


class DomainErrors(DomainError):
    """Several failures found at once (input validation reports every bad field)."""

    def __init__(self, errors: Sequence[DomainError]) -> None:
        if not errors:
            raise ValueError("DomainErrors needs at least one error")
        super().__init__(errors[0].code, errors[0].message, errors[0].field)
        self.errors = list(errors)


def input_field(*path: str) -> list[str]:
    """The path of a field of a mutation's `input` argument, as `userErrors.field` reports it."""
    return ["input", *path]


def raise_all(errors: Sequence[DomainError]) -> None:
    """Raise the collected validation errors, if any."""
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise DomainErrors(errors)
