"""Delivery safety over real HTTP: the target's name is looked up once and the connection goes to the
address that was checked (DNS rebinding), an answer that never ends is cut after its first bytes,
an endpoint that keeps failing trips its circuit breaker, and after a rotation's overlap only the
new secret signs."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from standardwebhooks.webhooks import Webhook as Verifier

from api.settings import Settings
from api.webhooks import sender
from api.webhooks.sync_call import HttpGatewayCalls
from api.webhooks.worker import BREAKER_FAILURES, BREAKER_OPEN, PER_ENDPOINT
from db.models import WebhookAttempt, WebhookDelivery
from domain.apps.webhooks import ROTATION_OVERLAP, WebhookEventType
from domain.orders.model import OrderStatus
from domain.payments.model import Gateway
from domain.payments.services import Opened
from tests.api.test_webhooks import UPDATE, Hooked, hooked_app
from tests.webhook_receiver import Receiver


@pytest.fixture
async def hooked(demo: AsyncEngine, settings: Settings) -> AsyncIterator[Hooked]:
    async with hooked_app(demo, settings) as h:
        yield h


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    try:
        yield r
    finally:
        await r.close()


async def test_a_name_is_looked_up_once_and_the_connection_goes_to_the_address_checked(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rebind.test` resolves nowhere on this machine: the request arrives only because the sender
    connects to the address its one lookup returned, not to a lookup of its own."""
    lookups: list[str] = []

    async def first_answer(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"] if len(lookups) == 1 else ["10.6.6.6"]  # the second answer would rebind

    monkeypatch.setattr(sender, "resolve", first_answer)
    async with sender.client() as http:
        answer = await sender.send(
            http,
            f"http://rebind.test:{receiver.port}/pinned",
            "msg_1",
            "{}",
            ("whsec_QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",),
            datetime.now(UTC),
            allow_private=True,
        )
    assert (answer.status, answer.error) == (204, None)
    assert lookups == ["rebind.test"]
    [received] = receiver.at("/pinned")
    assert received.headers["host"] == f"rebind.test:{receiver.port}"  # the name, for the receiver's routing


async def test_a_payment_gateway_is_called_at_the_address_checked_too(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`transactionInitialize`'s synchronous call follows the same rule as deliveries: one lookup, and the
    connection goes to the address it returned (a second lookup would rebind to an inner address)."""
    lookups: list[str] = []

    async def first_answer(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"] if len(lookups) == 1 else ["10.6.6.6"]

    monkeypatch.setattr(sender, "resolve", first_answer)
    receiver.bodies["/pay"] = b'{"prepayId": "wx-1"}'
    receiver.answers["/pay"] = [(200, {})]
    gateway = Gateway(1, 1, "Pinned Pay", f"http://rebind.test:{receiver.port}/pay", ("whsec_" + "QUJD" * 8,))
    opened = Opened(1, gateway, Decimal("1.00"), "CNY", "N-1", OrderStatus.UNPAID)
    answer = await HttpGatewayCalls(allow_private=True).initialize(opened)
    assert (answer.status, answer.data, answer.error) == (200, {"prepayId": "wx-1"}, None)
    assert lookups == ["rebind.test"] and len(receiver.at("/pay")) == 1


async def test_a_name_with_any_inner_address_is_refused_and_a_public_one_is_pinned(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {"mixed.test": ["93.184.216.34", "10.0.0.7"], "public.test": ["93.184.216.34", "93.184.216.35"]}

    async def lookup(host: str, port: int) -> list[str]:
        return answers[host]

    monkeypatch.setattr(sender, "resolve", lookup)
    with pytest.raises(sender.RefusedTarget):
        await sender.check_target("https://mixed.test/hook", allow_private=False)
    assert await sender.check_target("https://public.test/hook", allow_private=False) == "93.184.216.34"
    with pytest.raises(sender.RefusedTarget):
        await sender.check_target("http://public.test/hook", allow_private=False)  # https only
    async with sender.client() as http:  # without a checked address the client connects nowhere
        with pytest.raises(Exception, match="not resolved and checked"):
            await http.get("http://public.test/")


async def test_an_answer_that_never_ends_is_cut_after_its_first_bytes(hooked: Hooked) -> None:
    hooked.receiver.endless.add("/endless")
    await hooked.webhook(await hooked.app(), "/endless", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 1)
    delivery = await hooked.delivery()
    async with AsyncSession(hooked.engine) as session:
        attempt = (await session.scalars(sa.select(WebhookAttempt))).one()
    assert (delivery.status, delivery.response_status) == ("SUCCEEDED", 200)
    assert attempt.response_body is not None and len(attempt.response_body) == sender.BODY_KEEP
    assert attempt.duration_ms < 5000  # far from the 15 s the whole body (a terabyte) would take at best


async def test_an_endpoint_that_keeps_failing_trips_its_breaker_and_is_probed_after_the_pause(
    hooked: Hooked,
) -> None:
    hooked.receiver.answers["/down"] = [(503, {})]
    await hooked.webhook(await hooked.app(), "/down", ["PRODUCT_UPDATED"])
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, *range(1, 13))
    await hooked.receiver.wait_for("/down", BREAKER_FAILURES)
    await asyncio.sleep(0.5)  # the worker keeps running: an open breaker claims nothing more
    tripped = len(hooked.receiver.at("/down"))
    assert BREAKER_FAILURES <= tripped <= BREAKER_FAILURES + PER_ENDPOINT - 1  # those in flight when it opened
    async with AsyncSession(hooked.engine) as session:
        untried = await session.scalar(
            sa.select(sa.func.count()).select_from(WebhookDelivery).where(WebhookDelivery.attempts == 0)
        )
    assert untried == 12 - tripped  # due, and waiting for the breaker
    hooked.clock.advance(seconds=BREAKER_OPEN.total_seconds() + 1)
    hooked.receiver.answers["/down"] = [(503, {})]
    await hooked.receiver.wait_for("/down", tripped + 1)
    await asyncio.sleep(0.5)
    probes = len(hooked.receiver.at("/down")) - tripped
    assert 1 <= probes <= PER_ENDPOINT  # one failure after the pause opens it again


async def test_after_the_rotation_overlap_only_the_new_secret_signs(hooked: Hooked) -> None:
    token = await hooked.app()
    created = await hooked.webhook(token, "/rotated", ["PRODUCT_UPDATED"])
    new = "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODk="
    changed = await hooked.client.data(UPDATE, {"id": created["webhook"]["id"], "input": {"secret": new}}, token=token)
    assert changed["webhookUpdate"]["userErrors"] == []
    hooked.clock.advance(seconds=ROTATION_OVERLAP.total_seconds() + 60)
    await hooked.announce(WebhookEventType.PRODUCT_UPDATED, 3)
    [received] = await hooked.receiver.wait_for("/rotated", 1)
    at = datetime.fromtimestamp(int(received.headers["webhook-timestamp"]), UTC)  # a day on: signed as of then
    signed = [
        Verifier(s).sign(received.headers["webhook-id"], at, received.body.decode()) for s in (new, created["secret"])
    ]
    assert received.headers["webhook-signature"] == signed[0]  # the new secret's signature alone
    assert signed[1] not in received.headers["webhook-signature"]


def test_every_pinned_transport_verifies_with_the_one_tls_context(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading the CA bundle costs a tenth of a second on a busy machine: every app start and every
    payment app's call make a transport, and none may load it again (nor verify less)."""
    shared = sender._ssl_context()
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: pytest.fail("a CA bundle loaded again"))
    for transport in (sender.PinnedTransport(), sender.PinnedTransport()):
        assert transport._pool._ssl_context is shared
    assert shared.verify_mode is ssl.CERT_REQUIRED and shared.check_hostname
