"""The typed request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as _Info

from db.uow import SqlUnitOfWork
from domain.access.model import Principal
from domain.accounts.passwords import PasswordHasher
from domain.accounts.tokens import AccessTokens
from domain.clock import Clock, system_clock
from domain.orders.payments import Payments
from schema.channels.cache import ChannelCache

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Services:
    """What resolvers need that is built once at start-up; the app wires the adapters in."""

    tokens: AccessTokens
    hasher: PasswordHasher
    payments: Payments  # payment providers by method; real gateways register here
    phone_region: str = "CN"
    points_validity_months: int = 24
    debug: bool = False
    channels: ChannelCache = field(default_factory=ChannelCache)  # channels between requests (per app)
    clock: Clock = system_clock  # the one clock: the unit of work and the loaders read it


@dataclass
class Context:
    session: AsyncSession
    principal: Principal
    services: Services
    loaders: Loaders
    uow: SqlUnitOfWork = field(init=False)
    extra: dict[str, Any] = field(default_factory=dict)
    connection_params: Any = None  # a WebSocket's `connection_init` payload (strawberry sets it)

    def __post_init__(self) -> None:
        self.uow = SqlUnitOfWork(self.session, self.services.clock)


Info = _Info[Context, None]
