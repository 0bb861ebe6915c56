"""Settlement mutations: `partyCreate` and `settlementRuleCreate` (admins, apps with SETTLEMENT_WRITE),
and `cartAttributionSet` (whoever holds the cart, until checkout)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from domain.settlement import model
from domain.settlement import services as settlement
from schema.context import Info
from schema.errors import UserError, run_mutation, user_errors_field
from schema.orders.cart_types import Cart, visible_cart
from schema.orders.ids import CartId, cart_token
from schema.settlement.inputs import CartAttributionInput, PartyCreateInput, SettlementRuleCreateInput
from schema.settlement.types import Party, SettlementRule, check_settlement_reader, party_of


@strawberry.type(description="Result of `partyCreate`.")
class PartyCreatePayload:
    party: Party | None = strawberry.field(description="The new party.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `settlementRuleCreate`.")
class SettlementRuleCreatePayload:
    settlement_rule: SettlementRule | None = strawberry.field(description="The new rule.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type(description="Result of `cartAttributionSet`.")
class CartAttributionSetPayload:
    cart: Cart | None = strawberry.field(description="The cart after the change.")
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class SettlementMutation:
    @strawberry.mutation(
        description="Create a franchisee, concession tenant, platform or supplier; the locations and "
        "channels named belong to it from now on (orders placed earlier keep their attribution)."
    )
    async def party_create(
        self, info: Info, input: Annotated[PartyCreateInput, strawberry.argument(description="The party.")]
    ) -> PartyCreatePayload:
        check_settlement_reader(info)
        ctx = info.context
        party_id, errors = await run_mutation(
            info,
            lambda: settlement.create_party(
                ctx.uow,
                ctx.principal,
                name=input.name,
                kind=model.PartyKind(input.kind.value),
                location_ids=input.locations(),
                channel_ids=input.channels(),
            ),
        )
        if party_id is not None and input.channel_ids:
            ctx.services.channels.clear()  # `Channel.party` changed
        return PartyCreatePayload(party=await party_of(info, party_id), user_errors=errors)

    @strawberry.mutation(
        description="Create a settlement rule. The most specific valid rule of a role wins, ties by the "
        "newest; a rule of the same role and scope valid at the same time is RULE_OVERLAP."
    )
    async def settlement_rule_create(
        self, info: Info, input: Annotated[SettlementRuleCreateInput, strawberry.argument(description="The rule.")]
    ) -> SettlementRuleCreatePayload:
        check_settlement_reader(info)
        ctx = info.context
        rule_id, errors = await run_mutation(
            info,
            lambda: settlement.create_rule(
                ctx.uow,
                ctx.principal,
                role=model.SettlementRole(input.role.value),
                scope=input.scope(),
                rate=input.rate,
                fixed_amount=input.fixed_amount,
                valid_from=input.valid_from,
                valid_to=input.valid_to,
                minimum=input.minimum_per_period,
            ),
        )
        row = await ctx.loaders.rule_by_id.load(rule_id) if rule_id is not None else None
        return SettlementRuleCreatePayload(
            settlement_rule=SettlementRule.from_model(row) if row else None, user_errors=errors
        )

    @strawberry.mutation(
        description="Record the store or staff guide that brought the shopper (the code on their QR): "
        "whoever holds the cart, until checkout, which freezes it on the order. An unknown code is "
        "REFERRAL_CODE_INVALID."
    )
    async def cart_attribution_set(
        self,
        info: Info,
        cart_id: CartId,
        input: Annotated[CartAttributionInput, strawberry.argument(description="The referral code.")],
    ) -> CartAttributionSetPayload:
        ctx = info.context
        token, errors = await run_mutation(
            info, lambda: settlement.set_referral(ctx.uow, ctx.principal, cart_token(cart_id), input.referral_code)
        )
        return CartAttributionSetPayload(cart=await visible_cart(info, token), user_errors=errors)
