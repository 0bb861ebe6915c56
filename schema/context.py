"""The typed request context every resolver receives as `info.context`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy.ext.asyncio import AsyncSession
from strawberry.types import Info as _Info

from db.uow import SqlUnitOfWork
from domain.access.model import Principal
from domain.accounts.limits import LoginGuard
from domain.accounts.passwords import PasswordHasher
from domain.accounts.tokens import AccessTokens
from domain.catalog.media import ImageCodec, ImageLimits, MediaStorage
from domain.clock import Clock, system_clock
from domain.orders.payments import Payments
from domain.payments.services import GatewayCalls
from domain.uow import UnitOfWork
from schema.channels.cache import ChannelCache
from schema.throttle import CostThrottle

if TYPE_CHECKING:
    from schema.loaders import Loaders


@dataclass(frozen=True, slots=True)
class Services:
    """What resolvers need that is built once at start-up; the app wires the adapters in."""

    tokens: AccessTokens
    hasher: PasswordHasher
    payments: Payments  # the till's methods and the sandbox, by method (payment apps go through `gateways`)
    secret_key: str  # the server's secret, which also signs the tokens: pickup codes derive from it
    gateways: GatewayCalls  # calls payment apps synchronously (transactionInitialize)
    media: MediaStorage  # product images and their thumbnails
    images: ImageCodec  # what an upload is; thumbnails
    image_limits: ImageLimits
    phone_region: str = "CN"
    points_validity_months: int = 24
    settlement_return_window_days: int = 7  # ledger entries become settleable this long after completion
    debug: bool = False
    webhook_allow_private_networks: bool = False  # webhook targets on loopback and private networks (tests)
    channels: ChannelCache = field(default_factory=ChannelCache)  # channels between requests (per app)
    clock: Clock = system_clock  # the one clock: the unit of work and the loaders read it
    business_timezone: str = "Asia/Shanghai"  # a report's dates are calendar dates there


class Connection(Protocol):
    """A WebSocket connection's subscriptions (schema/subscriptions.py `Live`), as the socket sees them."""

    async def release(self, context: Context) -> None: ...


@dataclass
class Context:
    """One request's (or one WebSocket connection's) wiring; what the transport does not set is None."""

    session: AsyncSession
    principal: Principal
    services: Services
    loaders: Loaders
    uow: UnitOfWork = field(init=False)
    client_ip: str = "unknown"  # whose bucket an anonymous caller is charged to
    throttle: CostThrottle | None = None  # the caller's cost bucket (schema/throttle.py); None: not charged
    login_guard: LoginGuard | None = None  # sign-in and registration limits (domain/accounts/limits.py)
    live: Connection | None = None  # a WebSocket's subscriptions; None over HTTP
    storefront: bool = False  # the operation reads only storefront fields (api/response_cache.py)
    connection_params: Any = None  # a WebSocket's `connection_init` payload (strawberry sets it)

    def __post_init__(self) -> None:
        self.uow = SqlUnitOfWork(self.session, self.services.clock)


Info = _Info[Context, None]
