"""Promotion and coupon-template administration: the create, update and deactivate use cases.

The rule fields both share are merged and checked by `domain.promotions.rule_input`; here are
the fields of each kind (a promotion's time window and store, a template's validity, quantity and
limits) and who may change what. Every input error is reported at once; nothing is written unless
the whole command is valid. The use cases take the unit of work, whose `promotion_admin`
repository they use; the caller owns the transaction.

A store manager manages only their own store's promotions (`Manager.store_id`): a new one is
forced onto that store, chain-wide ones are visible but refused (`AccessDenied`, a top-level
FORBIDDEN), other stores' ones are invisible (NOT_FOUND). Coupon templates are chain-wide.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from domain.access.model import AccessDenied
from domain.catalog.commands import KEEP, Keep
from domain.errors import Code, DomainError, input_field, raise_all
from domain.promotions.coupons import TemplateInfo
from domain.promotions.model import Conditions, Promotion, normalize_code
from domain.promotions.records import RedeemWhere
from domain.promotions.rule_input import ReferenceLookup, RuleChange, merge_rule

# --- promotions ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Manager:
    """Whose promotions the caller manages: every one (`store_id` None: admins) or one store's."""

    store_id: int | None = None

    def sees(self, location_id: int | None) -> bool:
        """Store managers see the chain-wide promotions and their own store's."""
        return self.store_id is None or location_id is None or location_id == self.store_id

    def manages(self, location_id: int | None) -> bool:
        return self.store_id is None or location_id == self.store_id


class PromotionStatus(str, Enum):
    INACTIVE = "INACTIVE"
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    ENDED = "ENDED"


def promotion_status(
    is_active: bool, starts_at: datetime | None, ends_at: datetime | None, now: datetime
) -> PromotionStatus:
    """Where a promotion is in its life: the window is half-open, like `Conditions`."""
    if not is_active:
        return PromotionStatus.INACTIVE
    if ends_at is not None and now >= ends_at:
        return PromotionStatus.ENDED
    if starts_at is not None and now < starts_at:
        return PromotionStatus.SCHEDULED
    return PromotionStatus.RUNNING


@dataclass(frozen=True, slots=True)
class StoredPromotion:
    rule: Promotion  # its conditions carry the window and the store
    location_id: int | None
    is_active: bool


@dataclass(frozen=True, slots=True)
class PromotionChange:
    """Create (`promotion_id` None) or update a promotion. KEEP leaves the window or store as they are."""

    rule: RuleChange
    promotion_id: int | None = None
    starts_at: datetime | Keep | None = KEEP
    ends_at: datetime | Keep | None = KEEP
    location_id: int | Keep | None = KEEP


class PromotionAdminRepository(ReferenceLookup, Protocol):
    async def location_is_store(self, location_id: int) -> bool | None: ...  # None: no such location
    async def promotion(self, promotion_id: int) -> StoredPromotion | None: ...  # locked for the update
    async def add_promotion(self, promotion: StoredPromotion) -> int: ...
    async def update_promotion(self, promotion_id: int, promotion: StoredPromotion) -> None: ...  # all of it
    async def set_promotion_active(self, promotion_id: int, is_active: bool) -> None: ...


class PromotionAdminUnitOfWork(Protocol):
    @property
    def promotion_admin(self) -> PromotionAdminRepository: ...


async def save_promotion(uow: PromotionAdminUnitOfWork, manager: Manager, cmd: PromotionChange) -> int:
    repo = uow.promotion_admin
    current = await _managed(repo, manager, cmd.promotion_id) if cmd.promotion_id is not None else None
    location_id = _location_for(manager, current, cmd.location_id)
    errors: list[DomainError] = []
    if location_id is not None and (current is None or location_id != current.location_id):
        is_store = await repo.location_is_store(location_id)
        if is_store is None:
            errors.append(DomainError(Code.NOT_FOUND, "No such location.", input_field("locationId")))
        elif not is_store:
            errors.append(
                DomainError(Code.INVALID, "Only a store has promotions of its own.", input_field("locationId"))
            )
    old = current.rule.conditions if current else Conditions()
    window = (
        old.starts_at if isinstance(cmd.starts_at, Keep) else cmd.starts_at,
        old.ends_at if isinstance(cmd.ends_at, Keep) else cmd.ends_at,
    )
    rule = await merge_rule(
        repo, current.rule if current else None, cmd.rule, errors, window=window, location_id=location_id
    )
    raise_all(errors)
    is_active = cmd.rule.is_active if cmd.rule.is_active is not None else current.is_active if current else True
    promotion = StoredPromotion(rule, location_id, is_active)
    if cmd.promotion_id is None:
        return await repo.add_promotion(promotion)
    await repo.update_promotion(cmd.promotion_id, promotion)
    return cmd.promotion_id


async def deactivate_promotion(uow: PromotionAdminUnitOfWork, manager: Manager, promotion_id: int) -> int:
    """Stop a promotion now (it stays listed; `promotionUpdate(isActive: true)` brings it back)."""
    await _managed(uow.promotion_admin, manager, promotion_id)
    await uow.promotion_admin.set_promotion_active(promotion_id, False)
    return promotion_id


async def _managed(repo: PromotionAdminRepository, manager: Manager, promotion_id: int) -> StoredPromotion:
    current = await repo.promotion(promotion_id)
    if current is None or not manager.sees(current.location_id):
        raise DomainError(Code.NOT_FOUND, "No such promotion.", ["id"])
    if not manager.manages(current.location_id):
        raise AccessDenied("Chain-wide promotions are managed by administrators.")
    return current


def _location_for(manager: Manager, current: StoredPromotion | None, asked: int | Keep | None) -> int | None:
    """The promotion's store: a store manager's own (they cannot move it or make it chain-wide)."""
    location_id = (current.location_id if current else manager.store_id) if isinstance(asked, Keep) else asked
    if not manager.manages(location_id):
        raise AccessDenied("You manage only your own store's promotions.")
    return location_id


# --- coupon templates ----------------------------------------------------------------------------

MAX_VALID_DAYS = 3_650
MAX_QUANTITY = 100_000_000
MAX_PER_MEMBER = 1_000
_CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


@dataclass(frozen=True, slots=True)
class TemplateChange:
    """Create (`template_id` None) or update a coupon template; KEEP / None leave a field as it is."""

    rule: RuleChange
    template_id: int | None = None
    campaign_code: str | Keep | None = KEEP
    valid_from: datetime | Keep | None = KEEP
    valid_until: datetime | Keep | None = KEEP
    valid_days: int | Keep | None = KEEP
    total_quantity: int | Keep | None = KEEP
    per_member_limit: int | None = None
    redeemable_at: RedeemWhere | None = None


@dataclass(frozen=True, slots=True)
class TemplateFields:
    """A coupon template as staff set it: what `add_template` and `update_template` write."""

    rule: Promotion
    campaign_code: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    valid_days: int | None
    total_quantity: int | None
    per_member_limit: int
    redeemable_at: RedeemWhere
    is_active: bool


class TemplateAdminRepository(ReferenceLookup, Protocol):
    async def template(self, template_id: int) -> TemplateInfo | None: ...  # locked for the update
    async def campaign_code_taken(self, code: str, other_than: int | None) -> bool: ...
    async def add_template(self, template: TemplateFields) -> int: ...
    async def update_template(self, template_id: int, template: TemplateFields) -> None: ...  # all of it


class TemplateAdminUnitOfWork(Protocol):
    @property
    def promotion_admin(self) -> TemplateAdminRepository: ...


def _kept(value: Any, stored: Any) -> Any:
    return stored if isinstance(value, Keep) else value


async def save_template(uow: TemplateAdminUnitOfWork, cmd: TemplateChange) -> int:
    repo = uow.promotion_admin
    current = await repo.template(cmd.template_id) if cmd.template_id is not None else None
    if cmd.template_id is not None and current is None:
        raise DomainError(Code.NOT_FOUND, "No such coupon template.", ["id"])
    errors: list[DomainError] = []
    rule = await merge_rule(repo, current.rule if current else None, cmd.rule, errors)
    code = _kept(cmd.campaign_code, current.campaign_code if current else None)
    if code is not None and not isinstance(cmd.campaign_code, Keep):
        code = normalize_code(code)
        if not (3 <= len(code) <= 32 and set(code) <= _CODE_CHARS and code[0] not in "_-"):
            errors.append(
                DomainError(
                    Code.INVALID, "A campaign code is 3 to 32 letters, digits, '_' or '-'.", input_field("campaignCode")
                )
            )
        elif await repo.campaign_code_taken(code, cmd.template_id):
            errors.append(
                DomainError(
                    Code.DUPLICATE, f"The campaign code '{code}' is already taken.", input_field("campaignCode")
                )
            )
    template = TemplateFields(
        rule,
        campaign_code=code,
        valid_from=_kept(cmd.valid_from, current.valid_from if current else None),
        valid_until=_kept(cmd.valid_until, current.valid_until if current else None),
        valid_days=_kept(cmd.valid_days, current.valid_days if current else None),
        total_quantity=_kept(cmd.total_quantity, current.total_quantity if current else None),
        per_member_limit=cmd.per_member_limit or (current.per_member_limit if current else 1),
        redeemable_at=cmd.redeemable_at or (current.redeemable_at if current else RedeemWhere.ANYWHERE),
        is_active=_kept_flag(cmd.rule.is_active, current.is_active if current else True),
    )
    if cmd.per_member_limit is not None and not 1 <= cmd.per_member_limit <= MAX_PER_MEMBER:
        errors.append(
            DomainError(
                Code.INVALID, f"Each member may get 1 to {MAX_PER_MEMBER} coupons.", input_field("perMemberLimit")
            )
        )
    _check_validity(errors, template)
    _check_quantity(errors, template.total_quantity, current.issued_count if current else 0)
    raise_all(errors)
    if cmd.template_id is None:
        return await repo.add_template(template)
    await repo.update_template(cmd.template_id, template)
    return cmd.template_id


def _kept_flag(value: bool | None, stored: bool) -> bool:
    return stored if value is None else value


def _check_validity(errors: list[DomainError], template: TemplateFields) -> None:
    start, end, days = template.valid_from, template.valid_until, template.valid_days
    for name, moment in (("validFrom", start), ("validUntil", end)):
        if moment is not None and (moment.tzinfo is None or moment.utcoffset() is None):
            errors.append(DomainError(Code.INVALID, "Give the time with its time zone.", input_field(name)))
            return
    if start is not None and end is not None and end <= start:
        errors.append(
            DomainError(
                Code.INVALID, "Coupons must be valid until after they are valid from.", input_field("validUntil")
            )
        )
    if days is not None:
        if not 1 <= days <= MAX_VALID_DAYS:
            errors.append(DomainError(Code.INVALID, f"From 1 to {MAX_VALID_DAYS} days.", input_field("validDays")))
        if start is not None:
            errors.append(
                DomainError(
                    Code.INVALID,
                    "With `validDays` a coupon is valid from when it is issued; leave `validFrom` out.",
                    input_field("validFrom"),
                )
            )


def _check_quantity(errors: list[DomainError], total: int | None, issued: int) -> None:
    if total is None:
        return
    if not 1 <= total <= MAX_QUANTITY:
        errors.append(
            DomainError(
                Code.INVALID, f"From 1 to {MAX_QUANTITY:,} coupons, or null for no limit.", input_field("totalQuantity")
            )
        )
    elif total < issued:
        errors.append(
            DomainError(
                Code.INVALID,
                f"{issued} coupons have already been issued; the quantity cannot be lower.",
                input_field("totalQuantity"),
            )
        )
