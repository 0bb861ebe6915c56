"""One clock: what the unit of work was given is the time of its use cases and its repositories,
and the request's context hands the same clock to the unit of work and the loaders."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jwt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from api.adapters.images import PillowImages
from api.adapters.media_storage import LocalMediaStorage
from api.adapters.passwords import Argon2Hasher
from api.adapters.payments import built_in_payments
from api.adapters.tokens import JwtTokens
from api.webhooks.sync_call import HttpGatewayCalls
from db.engine import create_session_factory
from db.models import MemberTag, RefreshToken
from db.uow import SqlUnitOfWork
from domain.access.model import ANONYMOUS, member
from domain.accounts.services import MemberRegistration, issue_tokens, register_member, revoke_refresh_token
from domain.catalog.media import ImageLimits
from domain.members.services import add_tags
from schema.context import Context, Services
from schema.loaders import Loaders

FROZEN = datetime(2031, 5, 4, 3, 2, 1, tzinfo=UTC)
TOKENS = JwtTokens(secret_key="clock-test-secret-0123456789-abcdefghijklmnopqrstuv")
HASHER = Argon2Hasher(time_cost=1, memory_cost=8)


def frozen() -> datetime:
    return FROZEN


async def test_use_cases_and_repositories_tell_the_time_by_the_unit_of_work(engine: AsyncEngine) -> None:
    async with create_session_factory(engine)() as session:
        uow = SqlUnitOfWork(session, frozen)
        async with uow.transaction():
            member_id = await register_member(
                uow, HASHER, MemberRegistration("Ann", "open-sesame-42", "a@example.com"), "CN"
            )
            issued = await issue_tokens(uow, TOKENS, member(member_id))
            await add_tags(uow, member_id, ["vip"])
        async with uow.transaction():
            await revoke_refresh_token(uow, issued.refresh_token)
        token = (await session.execute(sa.select(RefreshToken.expires_at, RefreshToken.revoked_at))).one()
        tagged_at = await session.scalar(sa.select(MemberTag.created_at))
    claims = jwt.decode(issued.access_token, options={"verify_signature": False, "verify_exp": False})
    assert claims["iat"] == int(FROZEN.timestamp())  # the use case
    assert tuple(token) == (FROZEN + TOKENS.refresh_ttl, FROZEN)  # the use case, through the repository
    assert tagged_at == FROZEN  # the repository's own timestamp


async def test_the_request_context_hands_one_clock_to_the_unit_of_work_and_the_loaders(engine: AsyncEngine) -> None:
    services = Services(
        tokens=TOKENS,
        hasher=HASHER,
        payments=built_in_payments(sandbox=False),
        secret_key=TOKENS.secret_key,
        gateways=HttpGatewayCalls(allow_private=False, clock=frozen),
        media=LocalMediaStorage(Path("media"), "/media"),
        images=PillowImages(),
        image_limits=ImageLimits(1024, 16, 256),
        clock=frozen,
    )
    async with create_session_factory(engine)() as session:
        context = Context(
            session=session, principal=ANONYMOUS, services=services, loaders=Loaders(session, services.clock)
        )
        assert context.uow.clock() == context.loaders.now == FROZEN
        assert context.uow.members.clock is frozen
