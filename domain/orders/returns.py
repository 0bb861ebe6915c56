"""Returns: goods of a completed order come back to a store or warehouse.

The returned units go back on the shelf (RETURN movements) where they were sold from, or at the
location the staff choose; the money for them is refunded (at the price paid, never more than was
paid) and the points the order earned on them are clawed back (reconciled against what earlier
returns took, so returning everything in parts takes exactly what was earned). When every unit
is back the order is RETURNED, else PARTIALLY_RETURNED.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.access.model import Permission, Principal
from domain.errors import Code, DomainError, input_field, raise_all
from domain.inventory.model import Allocation, MovementKind
from domain.inventory.services import move_allocations
from domain.members.points import clawback_for_return
from domain.members.points_services import claw_back_points
from domain.money import round_to_minor
from domain.orders.access import AccessDenied, acts_on, sells_at
from domain.orders.model import OrderAction, transition
from domain.orders.payments import Payments
from domain.orders.records import OrderEventType
from domain.orders.services import OrdersRepository, OrdersUnitOfWork, load_order, refund_payment
from domain.payments.refunds import request_refunds
from domain.settlement.services import LineReturn, record_return


@dataclass(frozen=True, slots=True)
class SoldLine:
    id: int
    variant_id: int | None
    quantity: int
    returned_quantity: int
    total: Decimal

    @property
    def returnable(self) -> int:
        return self.quantity - self.returned_quantity


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    line_id: int | None  # None: the id was not an order line's
    quantity: int


class ReturnsRepository(OrdersRepository, Protocol):
    async def lines(self, order_id: int) -> list[SoldLine]: ...
    async def add_returned(self, line_id: int, quantity: int) -> None: ...
    async def location_exists(self, location_id: int) -> bool: ...


class ReturnsUnitOfWork(OrdersUnitOfWork, Protocol):
    @property
    def orders(self) -> ReturnsRepository: ...


def _requested(lines: Sequence[SoldLine], requests: Sequence[ReturnRequest]) -> dict[int, int]:
    """Units returned per line; every bad request reported."""
    by_id = {ln.id: ln for ln in lines}
    wanted: dict[int, int] = {}
    errors: list[DomainError] = []
    for i, r in enumerate(requests):
        line = by_id.get(r.line_id) if r.line_id is not None else None
        if line is None:
            errors.append(
                DomainError(Code.NOT_FOUND, "No such line in this order.", input_field("lines", str(i), "orderLineId"))
            )
        elif r.quantity < 1 or wanted.get(line.id, 0) + r.quantity > line.returnable:
            errors.append(
                DomainError(
                    Code.INVALID_QUANTITY,
                    f"1 to {line.returnable} units of this line can come back.",
                    input_field("lines", str(i), "quantity"),
                )
            )
        else:
            wanted[line.id] = wanted.get(line.id, 0) + r.quantity
    if not requests:
        errors.append(DomainError(Code.REQUIRED, "Say which lines come back.", input_field("lines")))
    raise_all(errors)
    return wanted


def returned_value(lines: Sequence[SoldLine], wanted: dict[int, int]) -> Decimal:
    """What the goods back so far (earlier returns and `wanted`) were paid, unrounded: the running
    total that points are clawed back against."""
    return sum((ln.total * (ln.returned_quantity + wanted.get(ln.id, 0)) / ln.quantity for ln in lines), Decimal(0))


def _restock(
    wanted: dict[int, int], sold_from: Sequence[Allocation], lines: dict[int, SoldLine], location_id: int | None
) -> list[Allocation]:
    """Where the units go back: the chosen location, else where each line's units were sold from."""
    result: list[Allocation] = []
    for line_id, quantity in wanted.items():
        variant_id = lines[line_id].variant_id
        if variant_id is None:  # deleted from the catalogue: nothing to put back on a shelf
            continue
        if location_id is not None:
            result.append(Allocation(str(line_id), variant_id, location_id, quantity))
            continue
        left = quantity
        for a in (a for a in sold_from if a.line_key == str(line_id)):
            take = min(left, a.quantity)
            if take:
                result.append(Allocation(a.line_key, variant_id, a.location_id, take))
                left -= take
    return result


async def return_goods(
    uow: ReturnsUnitOfWork,
    principal: Principal,
    token: str | None,
    requests: Sequence[ReturnRequest],
    *,
    location_id: int | None,
    location_given: bool,
    payments: Payments,
    now: datetime | None = None,
) -> str:
    """Take back units of a completed order (customer service, or the till of the store that sold it)."""
    order = await load_order(uow, principal, token)
    if not (acts_on(Permission.MANAGE_ORDERS, order.locations, principal) or sells_at(order.location_id, principal)):
        raise AccessDenied("Returns are taken by customer service or the store that sold the order.")
    lines = await uow.orders.lines(order.id)
    wanted = _requested(lines, requests)
    if location_given and (location_id is None or not await uow.orders.location_exists(location_id)):
        raise DomainError(Code.NOT_FOUND, "No such location.", input_field("locationId"))
    by_id = {ln.id: ln for ln in lines}
    everything = all(wanted.get(ln.id, 0) == ln.returnable for ln in lines)
    status = transition(order.status, OrderAction.RETURN_ALL if everything else OrderAction.RETURN_PART, order.method)
    restock = _restock(wanted, await uow.orders.allocations(order.id), by_id, location_id)
    await move_allocations(uow, restock, MovementKind.RETURN, order.reference, staff_id=principal.staff_id)
    for line_id, quantity in wanted.items():
        await uow.orders.add_returned(line_id, quantity)
    await record_return(
        uow,
        order.id,
        order.currency,
        [LineReturn(i, by_id[i].quantity, by_id[i].returned_quantity, q) for i, q in wanted.items()],
    )
    value = round_to_minor(
        sum((by_id[i].total * q / by_id[i].quantity for i, q in wanted.items()), Decimal(0)), order.currency
    )
    refund = await refund_payment(uow, order, principal.staff_id, payments, limit=value)
    await request_refunds(uow.transactions, order.id, value - refund, now or uow.clock())
    taken = 0
    if order.member_id is not None and order.points_earned:
        merchandise = sum((ln.total for ln in lines), Decimal(0))
        already = await uow.points.clawed_back(order.member_id, order.reference)
        due = clawback_for_return(order.points_earned, returned_value(lines, wanted), merchandise, already)
        taken = await claw_back_points(uow, order.member_id, due, order.reference, now=now or uow.clock())
    await uow.orders.set_status(order.id, status)
    await uow.orders.add_event(
        order.id,
        OrderEventType.RETURNED,
        {"lines": {str(k): v for k, v in wanted.items()}, "refund": str(refund), "points_clawed_back": taken},
        staff_id=principal.staff_id,
        member_id=principal.member_id,
    )
    return order.token
