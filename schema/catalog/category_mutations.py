"""Category administration mutations (staff with MANAGE_CATALOG): the category tree."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.access.model import Permission
from domain.catalog import structure_services as services
from schema.catalog.admin_inputs import CategoryCreateInput, CategoryUpdateInput
from schema.catalog.types import Category
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.permissions import require
from schema.relay import key_of

NewCategory = Annotated[CategoryCreateInput, strawberry.argument(description="The new category.")]
CategoryChanges = Annotated[CategoryUpdateInput, strawberry.argument(description="What to change.")]
CategoryId = Annotated[strawberry.ID, strawberry.argument(description="The category.")]


@strawberry.type(description="Result of `categoryCreate`.")
class CategoryCreatePayload:
    category: Category | None = strawberry.field(description="The new category.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `categoryUpdate`.")
class CategoryUpdatePayload:
    category: Category | None = strawberry.field(description="The category as changed.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `categoryDelete`.")
class CategoryDeletePayload:
    category: Category | None = strawberry.field(description="The category as it was before deletion.")
    user_errors: list[UserError] = user_errors_field()


async def _category(info: Info, category_id: int | None) -> Category | None:
    row = await info.context.loaders.category_by_id.load(category_id) if category_id is not None else None
    return Category.from_model(row) if row else None


@strawberry.type
class CategoryMutation:
    @strawberry.mutation(
        description="Create a category, at the top of the tree or under a parent. Staff with "
        "the manage-catalogue permission only."
    )
    async def category_create(self, info: Info, input: NewCategory) -> CategoryCreatePayload:
        require(info, Permission.MANAGE_CATALOG)
        category_id, errors = await run_mutation(
            info, lambda: services.create_category(info.context.uow, input.to_command())
        )
        return CategoryCreatePayload(category=await _category(info, category_id), user_errors=errors)

    @strawberry.mutation(
        description="Rename a category or move it in the tree; moving it under itself or its "
        "own subcategories is refused with CATEGORY_CYCLE."
    )
    async def category_update(self, info: Info, id: CategoryId, input: CategoryChanges) -> CategoryUpdatePayload:
        require(info, Permission.MANAGE_CATALOG)
        category_id, errors = await run_mutation(
            info, lambda: services.update_category(info.context.uow, input.to_command(key_of(id, "Category")))
        )
        return CategoryUpdatePayload(category=await _category(info, category_id), user_errors=errors)

    @strawberry.mutation(
        description="Delete an empty category: one with subcategories or products is refused with IN_USE."
    )
    async def category_delete(self, info: Info, id: CategoryId) -> CategoryDeletePayload:
        require(info, Permission.MANAGE_CATALOG)
        key = key_of(id, "Category")
        before = await _category(info, key)
        _, errors = await run_mutation(info, lambda: services.delete_category(info.context.uow, key))
        return CategoryDeletePayload(category=None if errors else before, user_errors=errors)
