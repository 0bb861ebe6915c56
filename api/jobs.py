"""Periodic jobs: expire unpaid orders, write off expired points.

Each finds its candidates with one query, then handles each one in its own short
transaction, so a failure loses only that item and several workers can run a job at the
same time (an order is locked while it is cancelled; a member's balance row while their
points expire).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from api.outages import Outage
from db.engine import create_session_factory
from db.member_queries import members_with_expired_points
from db.uow import SqlUnitOfWork
from domain.clock import Clock, system_clock
from domain.members.points_services import PointsPolicy
from domain.members.points_services import expire_points as expire_member_points
from domain.orders.services import expire_order

log = logging.getLogger("omnishop.jobs")
ORDER_BATCH = 500


async def expire_all_points(engine: AsyncEngine, clock: Clock = system_clock) -> tuple[int, int]:
    """(points, members) written off."""
    moment = clock()
    sessions = create_session_factory(engine)
    async with sessions() as session:
        candidates = await members_with_expired_points(session, moment)
    points = members = 0
    for member_id in candidates:
        async with sessions() as session:
            uow = SqlUnitOfWork(session, clock)
            async with uow.transaction():
                expired = await expire_member_points(uow, member_id, moment)
        points += expired
        members += expired > 0
    return points, members


async def expire_unpaid_orders(engine: AsyncEngine, policy: PointsPolicy, clock: Clock = system_clock) -> int:
    """Cancel unpaid orders whose time ran out, releasing their stock and points; returns how many."""
    moment = clock()
    sessions = create_session_factory(engine)
    async with sessions() as session:
        due = await SqlUnitOfWork(session, clock).orders.expired(moment, ORDER_BATCH)
    expired = 0
    for token in due:
        async with sessions() as session:
            uow = SqlUnitOfWork(session, clock)
            async with uow.transaction():
                expired += await expire_order(uow, token, policy=policy, now=moment)
    return expired


async def run_order_expiry(
    engine: AsyncEngine, policy: PointsPolicy, interval: float, clock: Clock = system_clock
) -> None:
    """The background loop `serve` runs in every worker; it survives an outage of the database,
    logging it once and backing off (api/outages.py)."""
    outage = Outage(log, "order expiry")
    while True:
        await asyncio.sleep(outage.delay(interval))
        try:
            count = await expire_unpaid_orders(engine, policy, clock)
            outage.recovered()
            if count:
                log.info("expired %d unpaid orders", count)
        except Exception as e:
            outage.failed(e)
