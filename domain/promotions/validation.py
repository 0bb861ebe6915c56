"""Checks a promotion (or coupon template) before it is saved, reporting every bad field at once.

Field paths follow the GraphQL input (`["input", "conditions", "endsAt"]`,
`["input", "action", "percent"]`); codes are the shared `UserErrorCode` values: `REQUIRED` for a
missing value, `INVALID` for a malformed or out-of-range one, `CURRENCY_INVALID` for an unknown
currency.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from domain.errors import Code, DomainError, raise_all
from domain.money import is_currency, parse_amount
from domain.promotions.model import (
    MONEY_ACTIONS,
    Action,
    AmountOff,
    BuyXGetY,
    Conditions,
    FixedPrice,
    PercentOff,
    PointsMultiplier,
    Promotion,
    PromotionSource,
    normalize_code,
)

NAME_MAX = 100
PRIORITY_MAX = 1_000_000
MAX_UNITS = 1_000  # per_member_limit, buy and get
MAX_POINTS_FACTOR = Decimal(100)
_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")


def validate_promotion(promotion: Promotion, path: Sequence[str] = ("input",)) -> Promotion:
    """The promotion with its name trimmed and its coupon code normalized, or `DomainError`(s)."""
    errors: list[DomainError] = []

    def bad(code: Code, message: str, *field: str) -> None:
        errors.append(DomainError(code, message, [*path, *field]))

    name = promotion.name.strip()
    if not name:
        bad(Code.REQUIRED, "Give the promotion a name.", "name")
    elif len(name) > NAME_MAX:
        bad(Code.INVALID, f"A name has at most {NAME_MAX} characters.", "name")
    if not 0 <= promotion.priority <= PRIORITY_MAX:
        bad(Code.INVALID, f"The priority is a whole number from 0 to {PRIORITY_MAX:,}.", "priority")

    currency = promotion.currency
    if currency is not None and not is_currency(currency):
        bad(Code.CURRENCY_INVALID, f"'{currency}' is not a supported currency.", "currency")
        currency = None
    elif currency is None and (
        isinstance(promotion.action, MONEY_ACTIONS) or promotion.conditions.min_subtotal is not None
    ):
        bad(Code.REQUIRED, "Amounts need a currency.", "currency")

    code = promotion.code
    if promotion.source is PromotionSource.COUPON:
        code = normalize_code(code or "")
        if not code:
            bad(Code.REQUIRED, "A coupon needs a code.", "code")
        elif not _CODE.match(code):
            bad(Code.INVALID, "A code is 3 to 32 letters, digits, '_' or '-'.", "code")

    errors += _condition_errors(promotion.conditions, currency, [*path, "conditions"])
    errors += _action_errors(promotion.action, currency, [*path, "action"])
    raise_all(errors)
    return replace(promotion, name=name, code=code)


def _condition_errors(c: Conditions, currency: str | None, path: list[str]) -> list[DomainError]:
    errors: list[DomainError] = []
    for field, value in (("startsAt", c.starts_at), ("endsAt", c.ends_at)):
        if value is not None and not _aware(value):
            errors.append(DomainError(Code.INVALID, "Give the time with its time zone.", [*path, field]))
    if (
        c.starts_at is not None
        and c.ends_at is not None
        and _aware(c.starts_at)
        and _aware(c.ends_at)
        and c.ends_at <= c.starts_at
    ):
        errors.append(DomainError(Code.INVALID, "The promotion must end after it starts.", [*path, "endsAt"]))
    for field, chosen in (
        ("channelIds", c.channel_ids),
        ("memberTagsAny", c.member_tags_any),
        ("productIds", c.product_ids),
        ("categoryIds", c.category_ids),
        ("variantIds", c.variant_ids),
    ):
        if chosen is not None and not chosen:
            errors.append(DomainError(Code.INVALID, "Choose at least one, or leave it out.", [*path, field]))
    if c.min_subtotal is not None and currency is not None:
        _amount(errors, c.min_subtotal, currency, [*path, "minSubtotal"], allow_zero=False)
    return errors


def _action_errors(action: Action, currency: str | None, path: list[str]) -> list[DomainError]:
    errors: list[DomainError] = []
    if isinstance(action, PercentOff):
        _percent(errors, action.percent, [*path, "percent"])
    elif isinstance(action, AmountOff):
        if currency is not None:
            _amount(errors, action.amount, currency, [*path, "amount"], allow_zero=False)
    elif isinstance(action, FixedPrice):
        if currency is not None:
            _amount(errors, action.unit_price, currency, [*path, "unitPrice"], allow_zero=True)
        if action.per_member_limit is not None and not 1 <= action.per_member_limit <= MAX_UNITS:
            errors.append(
                DomainError(Code.INVALID, f"A limit is from 1 to {MAX_UNITS} units.", [*path, "perMemberLimit"])
            )
    elif isinstance(action, BuyXGetY):
        for field, units in (("buy", action.buy), ("get", action.get)):
            if not 1 <= units <= MAX_UNITS:
                errors.append(DomainError(Code.INVALID, f"From 1 to {MAX_UNITS} units.", [*path, field]))
        _percent(errors, action.percent, [*path, "percent"])
    elif isinstance(action, PointsMultiplier):
        factor = action.factor
        if not (factor.is_finite() and 1 < factor <= MAX_POINTS_FACTOR):
            errors.append(
                DomainError(
                    Code.INVALID, f"A multiplier is above 1 and at most {MAX_POINTS_FACTOR}.", [*path, "factor"]
                )
            )
    return errors


def _percent(errors: list[DomainError], value: Decimal, field: list[str]) -> None:
    if not (value.is_finite() and 0 < value <= 100):
        errors.append(DomainError(Code.INVALID, "A percentage is above 0 and at most 100.", field))


def _amount(errors: list[DomainError], value: Decimal, currency: str, field: list[str], *, allow_zero: bool) -> None:
    try:
        parse_amount(value, currency, field, allow_zero=allow_zero)
    except DomainError as error:
        errors.append(error)


def _aware(moment: datetime) -> bool:
    return moment.tzinfo is not None and moment.utcoffset() is not None
