"""Promotion administration: `promotionCreate`, `promotionUpdate`, `promotionDeactivate`.

Staff who manage promotions only. Admins manage every promotion; a store manager manages only
their store's (`domain.promotions.admin`). The `promotions` / `promotion` queries are in queries.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry

from domain.promotions import admin as rules
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.promotions.inputs import PromotionCreateInput, PromotionUpdateInput
from schema.promotions.types import Promotion, promotion_by_id, promotion_manager
from schema.relay import key_of


async def change_promotion(info: Info, work: Callable[[], Awaitable[int]]) -> tuple[Promotion | None, list[UserError]]:
    """Run a promotion use case in one transaction; the promotion afterwards, and the userErrors."""
    promotion_id, errors = await run_mutation(info, work)
    return await promotion_by_id(info, promotion_id), errors


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


@strawberry.type
class PromotionAdminMutation:
    @strawberry.mutation(
        description="Create a promotion. Admins create chain-wide or store promotions; a store "
        "manager's are always their own store's."
    )
    async def promotion_create(
        self,
        info: Info,
        input: Annotated[PromotionCreateInput, strawberry.argument(description="The new promotion.")],
    ) -> PromotionCreatePayload:
        manager = promotion_manager(info)
        promotion, errors = await change_promotion(
            info, lambda: rules.save_promotion(info.context.uow, manager, input.to_command())
        )
        return PromotionCreatePayload(promotion=promotion, user_errors=errors)

    @strawberry.mutation(description="Change, reschedule, or switch a promotion on or off (`isActive`).")
    async def promotion_update(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The promotion to change.")],
        input: Annotated[PromotionUpdateInput, strawberry.argument(description="What to change.")],
    ) -> PromotionUpdatePayload:
        manager = promotion_manager(info)
        command = input.to_command(key_of(id, "Promotion"))
        promotion, errors = await change_promotion(
            info, lambda: rules.save_promotion(info.context.uow, manager, command)
        )
        return PromotionUpdatePayload(promotion=promotion, user_errors=errors)

    @strawberry.mutation(
        description="Stop a promotion now; it stays listed, and `promotionUpdate` with `isActive: true` brings it back."
    )
    async def promotion_deactivate(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The promotion to stop.")],
    ) -> PromotionDeactivatePayload:
        manager = promotion_manager(info)
        key = key_of(id, "Promotion")
        promotion, errors = await change_promotion(
            info, lambda: rules.deactivate_promotion(info.context.uow, manager, key)
        )
        return PromotionDeactivatePayload(promotion=promotion, user_errors=errors)
