"""Stock transfers that travel: sent from one location, received later at another.

Between sending and receiving, the units are in transit: gone from the sender's on hand (a
TRANSFER_OUT movement when sent) and not yet in the receiver's (a TRANSFER_IN movement of the
units counted in when received). The receiving location's staff confirm the count; units that
did not arrive stay on the transfer as its shortfall, so a loss in transit shows rather than
hiding in an adjustment. (`transfer_stock` moves units at once, for moves within one site.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from domain.access.model import AccessDenied, Principal
from domain.errors import Code, DomainError, input_field
from domain.inventory.access import manages_stock_at, sees_transfer
from domain.inventory.model import MovementKind, TransferStatus, validate_quantity
from domain.inventory.services import InventoryUnitOfWork, Movement, check_targets, new_reference, shortfall


@dataclass(frozen=True, slots=True)
class Transfer:
    id: int
    reference: str
    variant_id: int
    from_location_id: int
    to_location_id: int
    quantity: int
    status: TransferStatus
    received_quantity: int | None


class TransferRepository(Protocol):
    async def add(
        self,
        reference: str,
        variant_id: int,
        from_location_id: int,
        to_location_id: int,
        quantity: int,
        staff_id: int | None,
    ) -> int:
        """Record a transfer IN_TRANSIT; returns its id."""
        ...

    async def get(self, transfer_id: int) -> Transfer | None: ...

    async def mark_received(self, transfer_id: int, received_quantity: int, staff_id: int | None) -> bool:
        """IN_TRANSIT -> RECEIVED, atomically; False when it is not in transit (any more)."""
        ...


class TransferUnitOfWork(InventoryUnitOfWork, Protocol):
    @property
    def transfers(self) -> TransferRepository: ...


async def send_transfer(
    uow: TransferUnitOfWork,
    principal: Principal,
    *,
    variant_id: int | None,
    from_location_id: int | None,
    to_location_id: int | None,
    quantity: int,
) -> int:
    """Take available units out of the sending location and put them in transit; returns the
    transfer's id. Only the sending location's staff send."""
    validate_quantity(quantity, input_field("quantity"))
    if from_location_id is not None and from_location_id == to_location_id:
        raise DomainError(Code.INVALID, "A transfer goes to another location.", input_field("toLocationId"))
    await check_targets(uow, variant_id, [(from_location_id, "fromLocationId"), (to_location_id, "toLocationId")])
    assert variant_id is not None and from_location_id is not None and to_location_id is not None
    if not manages_stock_at(principal, from_location_id):
        raise AccessDenied("You can send stock only from your own location.")
    reference = new_reference()
    if not await uow.inventory.apply(variant_id, from_location_id, -quantity, 0):
        raise await shortfall(uow, variant_id, from_location_id, quantity, input_field("quantity"))
    await uow.inventory.record(
        [
            Movement(
                variant_id,
                from_location_id,
                MovementKind.TRANSFER_OUT,
                -quantity,
                0,
                "transfer sent",
                reference,
                principal.staff_id,
            )
        ]
    )
    return await uow.transfers.add(
        reference, variant_id, from_location_id, to_location_id, quantity, principal.staff_id
    )


async def receive_transfer(uow: TransferUnitOfWork, principal: Principal, transfer_id: int | None, counted: int) -> int:
    """Count a transfer in at the receiving location: `counted` units (at most those sent; fewer
    when some were lost or damaged on the way) join its on hand. Only the receiving location's staff
    receive, once."""
    transfer = await uow.transfers.get(transfer_id) if transfer_id is not None else None
    if transfer is None or not sees_transfer(principal, transfer.from_location_id, transfer.to_location_id):
        raise DomainError(Code.NOT_FOUND, "No such stock transfer.", ["id"])
    if not manages_stock_at(principal, transfer.to_location_id):
        raise AccessDenied("Only the receiving location's staff receive a transfer.")
    if not 0 <= counted <= transfer.quantity:
        raise DomainError(
            Code.INVALID_QUANTITY,
            f"Between 0 and the {transfer.quantity} units sent; count any surplus in with stockAdjust.",
            input_field("quantity"),
        )
    if not await uow.transfers.mark_received(transfer.id, counted, principal.staff_id):
        raise DomainError(Code.INVALID_TRANSITION, "The transfer was already received.", ["id"])
    if counted:
        await uow.inventory.ensure_level(transfer.variant_id, transfer.to_location_id)
        await uow.inventory.apply(transfer.variant_id, transfer.to_location_id, counted, 0)
        await uow.inventory.record(
            [
                Movement(
                    transfer.variant_id,
                    transfer.to_location_id,
                    MovementKind.TRANSFER_IN,
                    counted,
                    0,
                    "transfer received",
                    transfer.reference,
                    principal.staff_id,
                )
            ]
        )
    return transfer.id
