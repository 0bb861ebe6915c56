"""Promotion administration: `promotions` / `promotion` and `promotionCreate`, `promotionUpdate`,
`promotionDeactivate`.

Staff who manage promotions only. Admins manage every promotion; a store manager sees the chain-wide
promotions and their own store's, and manages only their store's (`domain.promotions.admin`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import strawberry

from db import promotion_admin as db
from db.pagination import count
from domain.access.model import Permission
from domain.promotions import admin as rules
from schema.context import Info
from schema.errors import ErrorCode, UserError, bad_input, coded_error, run_mutation, user_errors_field
from schema.pagination import After, Before, Connection, First, Last, list_connection
from schema.permissions import require
from schema.promotions.inputs import PromotionCreateInput, PromotionFilter, PromotionUpdateInput
from schema.promotions.types import Promotion, manager_of
from schema.relay import decode_id

NO_SUCH_KEY = 0  # row keys start at 1: a malformed id is NOT_FOUND like an unknown one


def promotion_manager(info: Info) -> rules.Manager:
    """The caller's reach over promotions; refused (top-level) without the permission or a store."""
    require(info, Permission.MANAGE_PROMOTIONS)
    manager = manager_of(info)
    if manager is None:
        raise coded_error("A store manager without a store manages no promotions.", ErrorCode.FORBIDDEN)
    return manager


async def _promotion(info: Info, promotion_id: int | None) -> Promotion | None:
    row = await info.context.loaders.promotion_by_id.load(promotion_id) if promotion_id else None
    return Promotion.from_model(row) if row else None


async def change_promotion(info: Info, work: Callable[[], Awaitable[int]]) -> tuple[Promotion | None, list[UserError]]:
    """Run a promotion use case in one transaction; the promotion afterwards, and the userErrors."""
    try:
        promotion_id, errors = await run_mutation(info, work)
    except rules.NotPermitted as e:
        raise coded_error(str(e), ErrorCode.FORBIDDEN) from None
    return await _promotion(info, promotion_id), errors


@strawberry.type(description="Result of `promotionCreate`.")
class PromotionCreatePayload:
    promotion: Promotion | None = strawberry.field(description="The new promotion.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `promotionUpdate`.")
class PromotionUpdatePayload:
    promotion: Promotion | None = strawberry.field(description="The promotion as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `promotionDeactivate`.")
class PromotionDeactivatePayload:
    promotion: Promotion | None = strawberry.field(description="The promotion, now inactive.")
    user_errors: list[UserError] = user_errors_field()


def _arg(description: str) -> object:
    return strawberry.argument(description=description)


@strawberry.type
class PromotionAdminMutation:
    @strawberry.mutation(description="Create a promotion. Admins create chain-wide or store promotions; a store "
                         "manager's are always their own store's.")
    async def promotion_create(
        self, info: Info, input: Annotated[PromotionCreateInput, _arg("The new promotion.")],
    ) -> PromotionCreatePayload:
        manager = promotion_manager(info)
        repo = db.SqlPromotionAdmin(info.context.session)
        promotion, errors = await change_promotion(info, lambda: rules.save_promotion(repo, manager,
                                                                                      input.to_command()))
        return PromotionCreatePayload(promotion=promotion, user_errors=errors)

    @strawberry.mutation(description="Change, reschedule, or switch a promotion on or off (`isActive`).")
    async def promotion_update(
        self, info: Info, id: Annotated[strawberry.ID, _arg("The promotion to change.")],
        input: Annotated[PromotionUpdateInput, _arg("What to change.")],
    ) -> PromotionUpdatePayload:
        manager = promotion_manager(info)
        repo = db.SqlPromotionAdmin(info.context.session)
        command = input.to_command(decode_id(id, "Promotion") or NO_SUCH_KEY)
        promotion, errors = await change_promotion(info, lambda: rules.save_promotion(repo, manager, command))
        return PromotionUpdatePayload(promotion=promotion, user_errors=errors)

    @strawberry.mutation(description="Stop a promotion now; it stays listed, and `promotionUpdate` with `isActive: "
                         "true` brings it back.")
    async def promotion_deactivate(
        self, info: Info, id: Annotated[strawberry.ID, _arg("The promotion to stop.")],
    ) -> PromotionDeactivatePayload:
        manager = promotion_manager(info)
        repo = db.SqlPromotionAdmin(info.context.session)
        key = decode_id(id, "Promotion") or NO_SUCH_KEY
        promotion, errors = await change_promotion(info, lambda: rules.deactivate_promotion(repo, manager, key))
        return PromotionDeactivatePayload(promotion=promotion, user_errors=errors)


def _query(info: Info, manager: rules.Manager, f: PromotionFilter | None) -> db.PromotionQuery:
    f = f or PromotionFilter()
    location_id = decode_id(f.location_id, "Location") if f.location_id is not None else None
    if f.location_id is not None and location_id is None:
        raise bad_input("`locationId` is not a location's ID.")
    return db.PromotionQuery(is_active=f.is_active, status=rules.PromotionStatus(f.status.value) if f.status else None,
                             running_at=f.running_at, location_id=location_id, visible_to_store=manager.store_id,
                             now=info.context.loaders.now)


@strawberry.type
class PromotionAdminQuery:
    @strawberry.field(description="Promotions, newest first. Staff who manage promotions: admins see all, a store "
                      "manager the chain-wide ones and their store's.")
    async def promotions(self, info: Info, first: First = None, after: After = None, last: Last = None,
                         before: Before = None,
                         filter: Annotated[PromotionFilter | None, _arg("Only promotions matching all of these.")]
                         = None) -> Connection[Promotion]:
        q = _query(info, promotion_manager(info), filter)
        session = info.context.session

        def node(row: Any) -> Promotion:
            info.context.loaders.promotion_by_id.prime(row[0].id, row[0])
            return Promotion.from_model(row[0])

        return await list_connection(first, after, last, before, lambda request, size: db.promotion_page(
            session, q, request, size), node, lambda: count(session, db.promotion_statement(q)))

    @strawberry.field(description="A promotion by ID; null when it does not exist or is not visible to the caller.")
    async def promotion(self, info: Info, id: Annotated[strawberry.ID, _arg("The promotion.")]) -> Promotion | None:
        manager = promotion_manager(info)
        row = await info.context.loaders.promotion_by_id.load(decode_id(id, "Promotion") or NO_SUCH_KEY)
        return Promotion.from_model(row) if row is not None and manager.sees(row.location_id) else None
