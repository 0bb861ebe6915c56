"""`DATABASE_REPLICA_URL` in the app: the router over the two engines, and the schema extension that
sends mutations (and whoever just wrote) to the primary. Neither exists without the setting."""

from __future__ import annotations

from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncEngine
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from api.settings import Settings
from db.engine import create_engine
from db.replica import CONNECT_TIMEOUT_SECONDS, ReplicaRouter, after_operation, route_for
from schema.context import Context


def replica_router(settings: Settings, primary: AsyncEngine) -> ReplicaRouter | None:
    if settings.database_replica_url is None:
        return None
    replica = create_engine(
        settings.database_replica_url, pool_size=settings.db_pool_size, connect_timeout=CONNECT_TIMEOUT_SECONDS
    )
    return ReplicaRouter(
        primary,
        replica,
        sticky_seconds=settings.database_replica_sticky_seconds,
        max_lag_seconds=settings.database_replica_max_lag_seconds,
    )


class ReplicaRouting(SchemaExtension):
    """A mutation runs on the primary from its first statement (its reads decide what it writes), and so
    does any operation of a caller who wrote within the sticky window; a caller who wrote is remembered.
    A WebSocket's subscriptions route their own sessions (schema/subscriptions.py `Live`)."""

    async def on_execute(self) -> AsyncIterator[None]:
        execution = self.execution_context
        context = execution.context
        if not isinstance(context, Context) or context.live is not None:
            yield
            return
        try:
            writes = execution.operation_type is OperationType.MUTATION
        except Exception:  # no such operation in the document: nothing will run
            writes = False
        await route_for(context.session, context.principal, writes=writes)
        yield
        after_operation(context.session, context.principal)
