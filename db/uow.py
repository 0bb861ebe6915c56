"""The unit of work: one session, the repositories over it, and the transaction boundary.

A mutation runs inside `async with uow.transaction():`: everything commits together or,
on any exception (a coded `DomainError` included), rolls back together.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession

from db import last_writes
from db.accounts import SqlAccountsRepository
from db.apps import SqlAppsRepository
from db.carts import SqlCartRepository
from db.catalog import SqlCatalogRepository
from db.coupon_issuing import SqlCouponIssuing
from db.engine import write_options
from db.inventory import SqlInventoryRepository
from db.locations import SqlLocationRepository
from db.media import SqlMediaRepository
from db.members import SqlMembersRepository
from db.order_queries import forget_placed
from db.orders import SqlOrdersRepository
from db.points import SqlPointsRepository
from db.promotion_admin import SqlPromotionAdmin
from db.promotions import SqlPromotionRepository
from db.replica import writing
from db.settlement import SqlSettlementRepository
from db.settlement_statements import SqlStatementsRepository
from db.transactions import SqlTransactionsRepository
from db.transfers import SqlTransferRepository
from db.variant_attributes import SqlVariantAttributes
from db.webhooks import SqlWebhooksRepository
from domain.clock import Clock, system_clock


class SqlUnitOfWork:
    def __init__(self, session: AsyncSession, clock: Clock = system_clock) -> None:
        self.session = session
        self.clock = clock  # the repositories' and the use cases' time

    @cached_property
    def accounts(self) -> SqlAccountsRepository:
        return SqlAccountsRepository(self.session)

    @cached_property
    def apps(self) -> SqlAppsRepository:
        return SqlAppsRepository(self.session, self.clock)

    @cached_property
    def carts(self) -> SqlCartRepository:
        return SqlCartRepository(self.session, self.clock)

    @cached_property
    def catalog(self) -> SqlCatalogRepository:
        return SqlCatalogRepository(self.session, self.clock)

    @cached_property
    def inventory(self) -> SqlInventoryRepository:
        return SqlInventoryRepository(self.session, self.clock)

    @cached_property
    def transfers(self) -> SqlTransferRepository:
        return SqlTransferRepository(self.session, self.clock)

    @cached_property
    def locations(self) -> SqlLocationRepository:
        return SqlLocationRepository(self.session)

    @cached_property
    def media(self) -> SqlMediaRepository:
        return SqlMediaRepository(self.session)

    @cached_property
    def members(self) -> SqlMembersRepository:
        return SqlMembersRepository(self.session, self.clock)

    @cached_property
    def orders(self) -> SqlOrdersRepository:
        return SqlOrdersRepository(self.session, self.clock)

    @cached_property
    def points(self) -> SqlPointsRepository:
        return SqlPointsRepository(self.session, self.clock)

    @cached_property
    def promotions(self) -> SqlPromotionRepository:
        return SqlPromotionRepository(self.session)

    @cached_property
    def promotion_admin(self) -> SqlPromotionAdmin:
        return SqlPromotionAdmin(self.session)

    @cached_property
    def coupon_issuing(self) -> SqlCouponIssuing:
        return SqlCouponIssuing(self.session)

    @cached_property
    def transactions(self) -> SqlTransactionsRepository:
        return SqlTransactionsRepository(self.session, self.clock)

    @cached_property
    def variant_attributes(self) -> SqlVariantAttributes:
        return SqlVariantAttributes(self.session)

    @cached_property
    def settlement(self) -> SqlSettlementRepository:
        return SqlSettlementRepository(self.session, self.clock)

    @cached_property
    def statements(self) -> SqlStatementsRepository:
        return SqlStatementsRepository(self.session, self.clock)

    @cached_property
    def webhooks(self) -> SqlWebhooksRepository:
        return SqlWebhooksRepository(self.session, self.clock)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        session = self.session
        writing(session)  # with a replica: the primary, for this transaction and the reads after it
        forget_placed(session)  # what an earlier write of this request placed may change now
        if session.in_transaction():
            # End the read transaction earlier fields of this request opened.
            await session.rollback()
        await session.connection(execution_options=write_options(session))
        session.info[last_writes.ENABLED] = True  # stock changes may go with the commit
        try:
            yield
            await last_writes.commit(session, self.clock())
        except BaseException:
            last_writes.forget(session)
            await session.rollback()
            forget_placed(session)  # it was never placed
            raise
        finally:
            session.info.pop(last_writes.ENABLED, None)
