"""The ids of carts and orders as arguments name them, and their decoding to the stored token.

Carts and orders are keyed by an unguessable token (their global id carries it), so a guest
reaches their own by id alone. Queries, mutations and subscriptions of every area decode them here.
"""

from __future__ import annotations

from typing import Annotated

import strawberry

from schema.relay import decode_token

CartId = Annotated[strawberry.ID, strawberry.argument(description="The cart.")]
OrderId = Annotated[strawberry.ID, strawberry.argument(description="The order.")]


def cart_token(cart_id: str) -> str | None:
    return decode_token(cart_id, "Cart")


def order_token(order_id: str) -> str | None:
    return decode_token(order_id, "Order")
