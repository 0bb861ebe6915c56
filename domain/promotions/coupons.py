"""Coupon rules: codes, validity, status, and why a coupon cannot be used.

A coupon is personal: the member it was issued to (by staff, or by claiming a campaign code) is
the only one who sees it and uses it online; at a till, staff redeem it for them. Codes are
12 characters of Crockford's base32 (60 random bits), so they can be read out and typed, and
nobody can guess one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from domain.errors import Code, DomainError
from domain.promotions.model import Promotion, coupon_promotion, replace_window
from domain.promotions.records import CouponState, RedeemWhere

CODE_LENGTH = 12
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford: no I, L, O, U


class CouponStatus(str, Enum):
    ACTIVE = "ACTIVE"
    REDEEMED = "REDEEMED"
    EXPIRED = "EXPIRED"


def new_coupon_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(CODE_LENGTH))


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """A coupon template as the use cases need it; `rule.id` is the template's id."""

    id: int
    rule: Promotion
    campaign_code: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_quantity: int | None
    issued_count: int
    per_member_limit: int
    redeemable_at: RedeemWhere
    is_active: bool


@dataclass(frozen=True, slots=True)
class CouponInfo:
    id: int
    code: str
    template_id: int
    member_id: int
    state: CouponState
    valid_from: datetime | None
    valid_until: datetime | None


def validity(template: TemplateInfo, now: datetime) -> tuple[datetime | None, datetime | None]:
    """A new coupon's window: the template's fixed dates, or `valid_days` from now (never past
    the template's own end)."""
    if template.valid_days is None:
        return template.valid_from, template.valid_until
    until = now + timedelta(days=template.valid_days)
    if template.valid_until is not None:
        until = min(until, template.valid_until)
    return now, until


def status(state: CouponState, valid_until: datetime | None, now: datetime) -> CouponStatus:
    if state is CouponState.REDEEMED:
        return CouponStatus.REDEEMED
    if valid_until is not None and now >= valid_until:
        return CouponStatus.EXPIRED
    return CouponStatus.ACTIVE


def check_usable(coupon: CouponInfo, template: TemplateInfo, now: datetime, *, at_till: bool, field: list[str]) -> None:
    """Raise why `coupon` cannot be used now (where it is being used), if it cannot."""
    current = status(coupon.state, coupon.valid_until, now)
    if current is CouponStatus.REDEEMED:
        raise DomainError(Code.COUPON_ALREADY_REDEEMED, "This coupon has already been used.", field)
    if current is CouponStatus.EXPIRED:
        raise DomainError(Code.COUPON_EXPIRED, "This coupon has expired.", field)
    if not template.is_active:
        raise DomainError(Code.COUPON_INVALID, "This coupon has been withdrawn.", field)
    if coupon.valid_from is not None and now < coupon.valid_from:
        raise DomainError(
            Code.COUPON_NOT_APPLICABLE, f"This coupon can be used from {coupon.valid_from:%Y-%m-%d %H:%M} UTC.", field
        )
    if not template.redeemable_at.allows(at_till=at_till):
        where = "at a store's till" if template.redeemable_at is RedeemWhere.IN_STORE else "online"
        raise DomainError(Code.COUPON_NOT_APPLICABLE, f"This coupon can only be used {where}.", field)


def check_held(coupon: CouponInfo, campaign_code: str, now: datetime, field: list[str]) -> None:
    """Why the member's coupon of a campaign they already claimed cannot be used, said as it is (they
    used it, or it ran out) rather than "claim it first" or "limit reached"."""
    current = status(coupon.state, coupon.valid_until, now)
    if current is CouponStatus.REDEEMED:
        raise DomainError(Code.COUPON_ALREADY_REDEEMED, f"You have already used your {campaign_code} coupon.", field)
    if current is CouponStatus.EXPIRED:
        raise DomainError(Code.COUPON_EXPIRED, f"Your {campaign_code} coupon has expired.", field)


def check_channel(template: TemplateInfo, channel_id: int, field: list[str]) -> None:
    channels = template.rule.conditions.channel_ids
    if channels is not None and channel_id not in channels:
        raise DomainError(Code.COUPON_NOT_APPLICABLE, "This coupon cannot be used in this channel.", field)


def coupon_rule(template: TemplateInfo, coupon: CouponInfo) -> Promotion:
    """The promotion a coupon applies in the engine: its template's rule, labelled with its code and
    limited to its own validity window."""
    return replace_window(coupon_promotion(template.rule, coupon.code), coupon.valid_from, coupon.valid_until)


def not_applicable_reason(rule: Promotion) -> str:
    """Why a usable coupon took nothing off the cart, in the words a shopper understands."""
    c = rule.conditions
    if c.min_subtotal is not None:
        amount = f"{c.min_subtotal} {rule.currency}" if rule.currency else str(c.min_subtotal)
        return f"Spend at least {amount} on eligible items to use this coupon."
    if c.scoped:
        return "None of the cart's items is covered by this coupon."
    if c.first_order_only:
        return "This coupon is for a first order only."
    if c.member_tags_any is not None:
        return "This coupon is for selected members only."
    if c.location_ids is not None:
        return "This coupon can only be used at its store."
    return "This coupon does not apply to this cart."


def issuable(template: TemplateInfo, already: int, now: datetime, field: list[str]) -> None:
    """Raise when a member holding `already` coupons of `template` may not get another."""
    if not template.is_active:
        raise DomainError(Code.COUPON_INVALID, "This campaign has ended.", field)
    if template.valid_until is not None and now >= template.valid_until:
        raise DomainError(Code.COUPON_EXPIRED, "This campaign has ended.", field)
    if already >= template.per_member_limit:
        raise DomainError(
            Code.COUPON_LIMIT_REACHED, f"Each member can get this coupon {template.per_member_limit} time(s).", field
        )
    if template.total_quantity is not None and template.issued_count >= template.total_quantity:
        raise DomainError(Code.COUPON_EXHAUSTED, "All the coupons of this campaign have been given out.", field)
