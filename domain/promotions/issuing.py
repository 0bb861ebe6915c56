"""Issuing coupons: the one place a template's quantity and per-member limit are spent.

`issue` is shared by staff issuing (`couponIssue`, to members by id or tag) and a member's claim of
a campaign code (`issue_one`). It locks the template row first (`SELECT ... FOR UPDATE` on
PostgreSQL; an SQLite write transaction already holds the database's write lock), so concurrent
issues of one campaign take turns and each sees what the one before it issued; it counts the
members' coupons in one query, spends the quantity with one conditional UPDATE (which also guards
the limit should the lock ever be missing) and inserts every coupon in one statement.

A batch is all or nothing on quantity: when the campaign has fewer coupons left than members to
give them to, nothing is issued (COUPON_EXHAUSTED), so staff decide whom to leave out rather than
the order of a list. Members already holding as many coupons as each may are skipped and
reported; the others still get theirs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from domain.errors import Code, DomainError, input_field, raise_all
from domain.members.model import normalize_tags
from domain.promotions.coupons import CouponInfo, TemplateInfo, issuable, new_coupon_code, validity

MAX_MEMBERS_PER_ISSUE = 10_000  # one bulk INSERT; larger audiences are issued in several calls


@dataclass(frozen=True, slots=True)
class NewCoupon:
    code: str
    template_id: int
    member_id: int
    valid_from: datetime | None
    valid_until: datetime | None
    issued_by_staff_id: int | None


@dataclass(frozen=True, slots=True)
class Skipped:
    """A member who got no coupon, and why."""

    member_id: int
    code: Code
    message: str


@dataclass(frozen=True, slots=True)
class Issued:
    template_id: int
    coupons: list[CouponInfo] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


class CouponIssuing(Protocol):
    async def lock_template(self, template_id: int) -> TemplateInfo | None: ...
    async def held(self, template_id: int, member_ids: Sequence[int]) -> dict[int, int]: ...  # coupons each holds
    async def take(self, template_id: int, count: int) -> bool: ...  # False: not that many left
    async def add_coupons(self, coupons: Sequence[NewCoupon]) -> list[CouponInfo]: ...


async def issue(
    repo: CouponIssuing,
    template_id: int,
    member_ids: Sequence[int],
    *,
    now: datetime,
    staff_id: int | None = None,
    field: list[str],
) -> Issued:
    """One coupon of the template for each member (duplicates count once), within its limits.

    Raises (about the template, at `field`): NOT_FOUND, COUPON_INVALID (withdrawn), COUPON_EXPIRED
    (its validity has ended), COUPON_EXHAUSTED (fewer left than members to give them to)."""
    template = await repo.lock_template(template_id)
    if template is None:
        raise DomainError(Code.NOT_FOUND, "No such coupon template.", field)
    issuable(template, 0, now, field)  # the campaign itself: withdrawn, ended or given out
    wanted = list(dict.fromkeys(member_ids))
    held = await repo.held(template_id, wanted) if wanted else {}
    receivers: list[int] = []
    skipped: list[Skipped] = []
    for member_id in wanted:
        try:
            issuable(template, held.get(member_id, 0), now, field)
        except DomainError as e:
            if e.code is not Code.COUPON_LIMIT_REACHED:
                raise
            skipped.append(Skipped(member_id, e.code, e.message))
            continue
        receivers.append(member_id)
    if not receivers:
        return Issued(template_id, skipped=skipped)
    _check_quantity(template, len(receivers), field)
    if not await repo.take(template_id, len(receivers)):
        raise _exhausted(field)
    valid_from, valid_until = validity(template, now)
    coupons = await repo.add_coupons(
        [NewCoupon(new_coupon_code(), template_id, m, valid_from, valid_until, staff_id) for m in receivers]
    )
    return Issued(template_id, coupons, skipped)


async def issue_one(
    repo: CouponIssuing, template_id: int, member_id: int, *, now: datetime, field: list[str]
) -> CouponInfo:
    """One coupon for one member (a claim); COUPON_LIMIT_REACHED when they hold enough already."""
    issued = await issue(repo, template_id, [member_id], now=now, field=field)
    if issued.skipped:
        raise DomainError(issued.skipped[0].code, issued.skipped[0].message, field)
    return issued.coupons[0]


def _check_quantity(template: TemplateInfo, count: int, field: list[str]) -> None:
    if template.total_quantity is None:
        return
    left = template.total_quantity - template.issued_count
    if count > left:
        raise _exhausted(field, left)


def _exhausted(field: list[str], left: int | None = None) -> DomainError:
    detail = f" Only {left} left; nothing was issued." if left is not None else ""
    return DomainError(Code.COUPON_EXHAUSTED, "The campaign does not have enough coupons left." + detail, field)


# --- staff issuing -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IssueCommand:
    """Staff issue to members by id (0 for an id that names no member) and/or to every member with a tag."""

    template_id: int
    member_ids: Sequence[int] = ()
    tag: str | None = None
    staff_id: int | None = None


class StaffIssuing(CouponIssuing, Protocol):
    async def existing_members(self, member_ids: Sequence[int]) -> set[int]: ...  # not erased
    async def tagged_members(self, tag: str, limit: int) -> list[int]: ...


class IssuingUnitOfWork(Protocol):
    @property
    def coupon_issuing(self) -> StaffIssuing: ...


async def issue_to_members(uow: IssuingUnitOfWork, cmd: IssueCommand, now: datetime) -> Issued:
    """Staff issue a template's coupons to members by id and/or tag (the `couponIssue` use case)."""
    repo = uow.coupon_issuing
    errors: list[DomainError] = []
    if not cmd.member_ids and cmd.tag is None:
        errors.append(
            DomainError(Code.REQUIRED, "Name the members: `memberIds`, a `tag`, or both.", input_field("memberIds"))
        )
    if len(cmd.member_ids) > MAX_MEMBERS_PER_ISSUE:
        raise DomainError(Code.INVALID, f"At most {MAX_MEMBERS_PER_ISSUE:,} members at once.", input_field("memberIds"))
    found = await repo.existing_members(sorted(set(cmd.member_ids))) if cmd.member_ids else set()
    for i, member_id in enumerate(cmd.member_ids):
        if member_id not in found:
            errors.append(DomainError(Code.NOT_FOUND, "No such member.", input_field("memberIds", str(i))))
    tagged: list[int] = []
    if cmd.tag is not None:
        try:
            tag = normalize_tags([cmd.tag])[0]
        except DomainError as e:
            errors.append(DomainError(e.code, e.message, input_field("tag")))
        else:
            tagged = await repo.tagged_members(tag, MAX_MEMBERS_PER_ISSUE + 1)
    raise_all(errors)
    targets = list(dict.fromkeys([*cmd.member_ids, *tagged]))
    if len(targets) > MAX_MEMBERS_PER_ISSUE:
        raise DomainError(
            Code.INVALID, f"More than {MAX_MEMBERS_PER_ISSUE:,} members; issue to a narrower tag.", input_field("tag")
        )
    return await issue(repo, cmd.template_id, targets, now=now, staff_id=cmd.staff_id, field=input_field("templateId"))
