"""Coupon templates (campaigns): `couponTemplateCreate`, `couponTemplateUpdate`, and staff issuing,
`couponIssue` (the `couponTemplates` / `couponTemplate` queries are in queries.py).

Templates are chain-wide: admins (who manage promotions everywhere) create, change and issue them;
store managers may read them. Issuing is `domain.promotions.issuing`: one locked, all-or-nothing
batch per call.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission, Principal
from domain.promotions import admin as rules
from domain.promotions import issuing
from schema.accounts.types import Member, visible_member
from schema.context import Info
from schema.errors import ErrorCode, UserError, UserErrorCode, coded_error, run_mutation, user_errors_field
from schema.permissions import require
from schema.promotions.coupon_types import Coupon
from schema.promotions.inputs import (
    CouponIssueInput,
    CouponTemplateCreateInput,
    CouponTemplateUpdateInput,
)
from schema.promotions.types import CouponTemplate, template_by_id
from schema.relay import key_of

MAX_LISTED = 100  # coupons and skipped members a payload lists


def template_admin(info: Info) -> Principal:
    """Templates belong to no store: only callers who manage promotions everywhere change them."""
    principal = require(info, Permission.MANAGE_PROMOTIONS)
    if not principal.can_everywhere(Permission.MANAGE_PROMOTIONS):
        raise coded_error("Coupon campaigns are managed by administrators.", ErrorCode.FORBIDDEN)
    return principal


@strawberry.type(description="Result of `couponTemplateCreate`.")
class CouponTemplateCreatePayload:
    coupon_template: CouponTemplate | None = strawberry.field(description="The new coupon template.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `couponTemplateUpdate`.")
class CouponTemplateUpdatePayload:
    coupon_template: CouponTemplate | None = strawberry.field(description="The coupon template as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="A member `couponIssue` gave no coupon to, and why.")
class CouponIssueSkip:
    member_id: strawberry.Private[int]
    code: UserErrorCode = strawberry.field(
        description="Why: COUPON_LIMIT_REACHED (they hold as many as each member may)."
    )
    message: str = strawberry.field(description="A human-readable explanation.")

    @strawberry.field(description="The member; null for callers who may not see members' personal data.")
    async def member(self, info: Info) -> Member | None:
        return await visible_member(info, self.member_id)


@strawberry.type(description="Result of `couponIssue`.")
class CouponIssuePayload:
    issued_count: int = strawberry.field(description="How many coupons were issued (0 when refused).")
    coupon_ids: strawberry.Private[list[int]]
    skipped: list[CouponIssueSkip] = strawberry.field(description=f"Members who got none (the first {MAX_LISTED}).")
    skipped_count: int = strawberry.field(description="How many members got none.")
    template_id: strawberry.Private[int | None]
    user_errors: list[UserError] = user_errors_field()

    @strawberry.field(description=f"The coupons issued (the first {MAX_LISTED}), one per member.")
    async def coupons(self, info: Info) -> list[Coupon]:
        rows = await info.context.loaders.coupon_row_by_id.load_many(self.coupon_ids)
        return [Coupon.from_model(r) for r in rows if r is not None]

    @strawberry.field(description="The coupon template, with its counts after the issue.")
    async def coupon_template(self, info: Info) -> CouponTemplate | None:
        return await template_by_id(info, self.template_id)


@strawberry.type
class CouponTemplateMutation:
    @strawberry.mutation(description="Create a coupon template (a campaign). Administrators only.")
    async def coupon_template_create(
        self,
        info: Info,
        input: Annotated[CouponTemplateCreateInput, strawberry.argument(description="The new coupon template.")],
    ) -> CouponTemplateCreatePayload:
        template_admin(info)
        template_id, errors = await run_mutation(
            info, lambda: rules.save_template(info.context.uow, input.to_command())
        )
        return CouponTemplateCreatePayload(coupon_template=await template_by_id(info, template_id), user_errors=errors)

    @strawberry.mutation(
        description="Change a coupon template, or switch the campaign on or off (`isActive`). Administrators only."
    )
    async def coupon_template_update(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The coupon template to change.")],
        input: Annotated[CouponTemplateUpdateInput, strawberry.argument(description="What to change.")],
    ) -> CouponTemplateUpdatePayload:
        template_admin(info)
        command = input.to_command(key_of(id, "CouponTemplate"))
        template_id, errors = await run_mutation(info, lambda: rules.save_template(info.context.uow, command))
        return CouponTemplateUpdatePayload(coupon_template=await template_by_id(info, template_id), user_errors=errors)

    @strawberry.mutation(
        description="Give members a coupon of a template each, by id and/or by tag, within its "
        "total quantity and per-member limit. Members who hold as many as each may are skipped (and "
        "listed); when the campaign has fewer coupons left than members to give them to, nothing is "
        "issued (COUPON_EXHAUSTED). Administrators only."
    )
    async def coupon_issue(
        self,
        info: Info,
        input: Annotated[CouponIssueInput, strawberry.argument(description="The template and the members.")],
    ) -> CouponIssuePayload:
        principal = template_admin(info)
        command = input.to_command(principal.staff_id)
        now = info.context.loaders.now
        issued, errors = await run_mutation(info, lambda: issuing.issue_to_members(info.context.uow, command, now))
        if issued is None:
            return CouponIssuePayload(
                issued_count=0, coupon_ids=[], skipped=[], skipped_count=0, template_id=None, user_errors=errors
            )
        skipped = [
            CouponIssueSkip(member_id=s.member_id, code=UserErrorCode(s.code), message=s.message)
            for s in issued.skipped[:MAX_LISTED]
        ]
        return CouponIssuePayload(
            issued_count=len(issued.coupons),
            coupon_ids=[c.id for c in issued.coupons[:MAX_LISTED]],
            skipped=skipped,
            skipped_count=len(issued.skipped),
            template_id=issued.template_id,
            user_errors=errors,
        )
