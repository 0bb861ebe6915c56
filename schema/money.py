"""The `Money` type: an exact `Decimal` amount (a string like "129.90") and its currency."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import strawberry

from domain.money import round_to_minor, rounds_to_minor


@strawberry.type(description="An amount of money in a currency.")
class Money:
    amount: Decimal = strawberry.field(
        description='Exact amount in the currency\'s minor units, as a string ("129.90").'
    )
    currency: str = strawberry.field(description='ISO 4217 currency code ("CNY").')

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        return cls(amount=round_to_minor(amount, currency), currency=currency)

    @classmethod
    def many(cls, amounts: Iterable[Decimal], currency: str) -> list[Money]:
        """`of` for several amounts of one currency, without a Python call per amount (a report's rows
        hold thousands): `object.__new__`, then the attributes set at once in `__init__`'s order, so that
        the objects share their attribute keys as `__init__`'s do (an object made and left without them
        while others are made would stop the class sharing keys: a dict more per object)."""
        rounded = rounds_to_minor(amounts, currency)
        made: list[Money] = [None] * len(rounded)  # type: ignore[list-item]
        new = object.__new__
        for i, amount in enumerate(rounded):
            made[i] = money = new(cls)
            money.amount = amount
            money.currency = currency
        return made
