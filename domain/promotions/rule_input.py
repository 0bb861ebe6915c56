"""The rule fields promotions and coupon templates share, as staff enter them, merged into a rule.

Staff input is merged into the stored rule (a blank one when creating): unknown channels and
catalogue ids are NOT_FOUND at their input path, an action given with a field its type does not
take is INVALID (and one without a field it needs REQUIRED), and the merged rule goes through
`validate_promotion`, whose paths are moved to the input's names. Problems are collected, not
raised, so one answer names every bad field of the whole command.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from domain.catalog.commands import KEEP, Keep
from domain.errors import Code, DomainError, DomainErrors, input_field
from domain.members.model import normalize_tags
from domain.promotions.model import (
    Action,
    AmountOff,
    BuyXGetY,
    Conditions,
    FixedPrice,
    FreeShipping,
    PercentOff,
    PointsMultiplier,
    Promotion,
)
from domain.promotions.records import ActionType
from domain.promotions.validation import validate_promotion

IdKind = Literal["product", "category", "variant"]
MAX_SCOPE_IDS = 1_000  # ids (or channels, tags) in one condition


@dataclass(frozen=True, slots=True)
class ActionInput:
    """A flat action: `type` and only the fields that type takes (missing: REQUIRED, extra: INVALID)."""

    type: ActionType
    percent: Decimal | None = None
    amount: Decimal | None = None
    unit_price: Decimal | None = None
    per_member_limit: int | None = None
    buy: int | None = None
    get: int | None = None
    factor: Decimal | None = None


# The fields each action type requires and the ones it may take; placeholders stand in for a
# missing field so the rest of the rule is still checked in the same answer.
_ACTION_FIELDS: dict[ActionType, tuple[frozenset[str], frozenset[str]]] = {
    ActionType.PERCENT_OFF: (frozenset({"percent"}), frozenset()),
    ActionType.AMOUNT_OFF: (frozenset({"amount"}), frozenset()),
    ActionType.FIXED_PRICE: (frozenset({"unit_price"}), frozenset({"per_member_limit"})),
    ActionType.BUY_X_GET_Y: (frozenset({"buy", "get"}), frozenset({"percent"})),
    ActionType.FREE_SHIPPING: (frozenset(), frozenset()),
    ActionType.POINTS_MULTIPLIER: (frozenset({"factor"}), frozenset()),
}
_INPUT_NAMES = {
    "percent": "percent",
    "amount": "amount",
    "unit_price": "unitPrice",
    "per_member_limit": "perMemberLimit",
    "buy": "buy",
    "get": "get",
    "factor": "factor",
}
_PLACEHOLDERS: dict[str, Any] = {
    "percent": Decimal(10),
    "amount": Decimal(1),
    "unit_price": Decimal(0),
    "buy": 1,
    "get": 1,
    "factor": Decimal(2),
}


def action_from_input(given: ActionInput, errors: list[DomainError], path: Sequence[str]) -> Action:
    required, optional = _ACTION_FIELDS[given.type]
    v: dict[str, Any] = {}
    for attr, name in _INPUT_NAMES.items():
        value = getattr(given, attr)
        if attr in required and value is None:
            errors.append(DomainError(Code.REQUIRED, f"A {given.type.value} action needs `{name}`.", [*path, name]))
            value = _PLACEHOLDERS[attr]
        elif value is not None and attr not in required | optional:
            errors.append(DomainError(Code.INVALID, f"A {given.type.value} action takes no `{name}`.", [*path, name]))
        v[attr] = value
    match given.type:
        case ActionType.PERCENT_OFF:
            return PercentOff(v["percent"])
        case ActionType.AMOUNT_OFF:
            return AmountOff(v["amount"])
        case ActionType.FIXED_PRICE:
            return FixedPrice(v["unit_price"], v["per_member_limit"])
        case ActionType.BUY_X_GET_Y:
            return BuyXGetY(v["buy"], v["get"], Decimal(100) if v["percent"] is None else v["percent"])
        case ActionType.FREE_SHIPPING:
            return FreeShipping()
        case ActionType.POINTS_MULTIPLIER:
            return PointsMultiplier(v["factor"])
    raise ValueError(f"unknown action type {given.type!r}")


@dataclass(frozen=True, slots=True)
class ConditionsInput:
    """Conditions as staff give them: channel slugs, tags, and ids (0 for an id that names nothing).
    None: no restriction."""

    channels: Sequence[str] | None = None
    member_tags_any: Sequence[str] | None = None
    min_subtotal: Decimal | None = None
    product_ids: Sequence[int] | None = None
    category_ids: Sequence[int] | None = None
    variant_ids: Sequence[int] | None = None
    first_order_only: bool = False
    members_only: bool | None = None


@dataclass(frozen=True, slots=True)
class RuleChange:
    """The fields promotions and coupon templates share. None leaves a field as it is (`currency`:
    KEEP leaves it, None clears it); `conditions` and `action` replace the stored ones whole."""

    name: str | None = None
    priority: int | None = None
    stackable: bool | None = None
    currency: str | Keep | None = KEEP
    conditions: ConditionsInput | None = None
    action: ActionInput | None = None
    is_active: bool | None = None


class ReferenceLookup(Protocol):
    """What checking a rule's references needs of storage."""

    async def channel_ids(self, slugs: Sequence[str]) -> dict[str, int]: ...  # the slugs that exist
    async def existing_ids(self, kind: IdKind, ids: Sequence[int]) -> set[int]: ...


BLANK_RULE = Promotion(id=0, name="", priority=100, stackable=True, conditions=Conditions(), action=FreeShipping())


async def merge_rule(
    lookup: ReferenceLookup,
    current: Promotion | None,
    change: RuleChange,
    errors: list[DomainError],
    *,
    window: tuple[datetime | None, datetime | None] = (None, None),
    location_id: int | None = None,
) -> Promotion:
    """The rule after `change` (applied to a blank rule when `current` is None), validated; problems
    are appended to `errors` with their input paths."""
    base = current or BLANK_RULE
    if current is None and change.action is None:
        errors.append(DomainError(Code.REQUIRED, "Say what the promotion does.", input_field("action")))
    currency = base.currency if isinstance(change.currency, Keep) else change.currency
    if currency is not None:
        currency = currency.strip().upper()
    conditions = base.conditions
    if change.conditions is not None:
        conditions = await _conditions(lookup, change.conditions, errors, input_field("conditions"))
    conditions = replace(
        conditions,
        starts_at=window[0],
        ends_at=window[1],
        location_ids=frozenset({location_id}) if location_id is not None else None,
    )
    action = base.action
    if change.action is not None:
        action = action_from_input(change.action, errors, input_field("action"))
    rule = replace(
        base,
        name=base.name if change.name is None else change.name,
        priority=base.priority if change.priority is None else change.priority,
        stackable=base.stackable if change.stackable is None else change.stackable,
        currency=currency,
        conditions=conditions,
        action=action,
    )
    try:
        return validate_promotion(rule)
    except DomainError as e:
        errors.extend(_at_input_path(x) for x in (e.errors if isinstance(e, DomainErrors) else [e]))
        return rule


def _at_input_path(error: DomainError) -> DomainError:
    """`validate_promotion` names the rule's fields; the inputs name a few of them differently."""
    renamed: dict[tuple[str, ...], tuple[str, ...]] = {
        ("conditions", "channelIds"): ("conditions", "channels"),
        ("conditions", "startsAt"): ("startsAt",),
        ("conditions", "endsAt"): ("endsAt",),
    }
    path = error.field or []
    tail = renamed.get(tuple(path[1:3]))
    return DomainError(error.code, error.message, [path[0], *tail, *path[3:]]) if tail else error


async def _conditions(
    lookup: ReferenceLookup, given: ConditionsInput, errors: list[DomainError], path: list[str]
) -> Conditions:
    channel_ids = None
    if given.channels is not None and _not_too_many(given.channels, errors, [*path, "channels"]):
        slugs = [s.strip() for s in given.channels]
        found = await lookup.channel_ids(sorted(set(slugs))) if slugs else {}
        for i, slug in enumerate(slugs):
            if slug not in found:
                errors.append(
                    DomainError(Code.NOT_FOUND, f"There is no channel '{slug[:100]}'.", [*path, "channels", str(i)])
                )
        channel_ids = _found_set(slugs, {found[s] for s in slugs if s in found})
    tags = None
    if given.member_tags_any is not None and _not_too_many(given.member_tags_any, errors, [*path, "memberTagsAny"]):
        cleaned: set[str] = set()
        for i, tag in enumerate(given.member_tags_any):
            try:
                cleaned.update(normalize_tags([tag]))
            except DomainError as e:
                errors.append(DomainError(e.code, e.message, [*path, "memberTagsAny", str(i)]))
        tags = _found_set(given.member_tags_any, cleaned)
    scopes: dict[IdKind, frozenset[int] | None] = {}
    wanted: tuple[tuple[IdKind, Sequence[int] | None], ...] = (
        ("product", given.product_ids),
        ("category", given.category_ids),
        ("variant", given.variant_ids),
    )
    for kind, ids in wanted:
        scopes[kind] = await _existing(lookup, kind, ids, errors, [*path, f"{kind}Ids"])
    return Conditions(
        channel_ids=channel_ids,
        member_tags_any=tags,
        min_subtotal=given.min_subtotal,
        product_ids=scopes["product"],
        category_ids=scopes["category"],
        variant_ids=scopes["variant"],
        first_order_only=given.first_order_only,
        members_only=given.members_only,
    )


def _not_too_many(values: Sequence[object], errors: list[DomainError], field: list[str]) -> bool:
    if len(values) > MAX_SCOPE_IDS:
        errors.append(DomainError(Code.INVALID, f"At most {MAX_SCOPE_IDS} at once.", field))
        return False
    return True


def _found_set(given: Sequence[object], found: set[Any]) -> frozenset[Any] | None:
    """An empty list given stays empty (INVALID later); one whose every entry was refused is
    already reported, so it becomes "no restriction" rather than a second error."""
    return frozenset(found) if found or not given else None


async def _existing(
    lookup: ReferenceLookup, kind: IdKind, ids: Sequence[int] | None, errors: list[DomainError], field: list[str]
) -> frozenset[int] | None:
    if ids is None or not _not_too_many(ids, errors, field):
        return None
    found = await lookup.existing_ids(kind, sorted(set(ids))) if ids else set()
    for i, key in enumerate(ids):
        if key not in found:
            errors.append(DomainError(Code.NOT_FOUND, f"No such {kind}.", [*field, str(i)]))
    return _found_set(ids, {k for k in ids if k in found})
