"""Where a session reads, decided without a database: the choice, the sticky window, the outage memory."""

from __future__ import annotations

from typing import Any

import pytest

from db.engine import create_engine
from db.replica import OUTAGE_SECONDS, PRIMARY, REPLICA, TARGET, ReplicaRouter, StickyWindow, choose, principal_key
from domain.access.model import ANONYMOUS, Principal, PrincipalKind
from tests.helpers import FakeClock


@pytest.mark.parametrize(
    ("replica_down", "lag", "max_lag", "target"),
    [
        (False, 0.0, None, REPLICA),  # a plain read
        (False, 30.0, None, REPLICA),  # no maximum: a lagging replica keeps serving
        (False, 0.5, 2.0, REPLICA),
        (False, 2.5, 2.0, PRIMARY),  # too far behind
        (True, 0.0, None, PRIMARY),  # the replica is down
    ],
)
def test_reads_go_to_the_replica_unless_it_is_down_or_too_far_behind(
    replica_down: bool, lag: float, max_lag: float | None, target: str
) -> None:
    assert choose(replica_down=replica_down, lag=lag, max_lag=max_lag) == target


def test_a_writer_is_remembered_for_the_window_only() -> None:
    clock = FakeClock()
    window = StickyWindow(5.0, clock=clock)
    window.remember(("member", 1))
    clock.advance(4.9)
    assert ("member", 1) in window and ("member", 2) not in window
    clock.advance(0.2)
    assert ("member", 1) not in window


def test_the_window_stays_bounded_and_forgets_the_oldest_first() -> None:
    clock = FakeClock()
    window = StickyWindow(5.0, capacity=3, clock=clock)
    for member in range(5):
        window.remember(("member", member))
    assert len(window) == 3 and ("member", 1) not in window and ("member", 4) in window
    clock.advance(6)
    window.remember(("member", 9))  # the expired ones leave as a new one arrives
    assert len(window) == 1


def test_a_zero_window_remembers_nobody() -> None:
    window = StickyWindow(0.0)
    window.remember(("member", 1))
    assert ("member", 1) not in window and len(window) == 0


def test_anonymous_callers_are_not_remembered() -> None:
    assert principal_key(ANONYMOUS) is None
    assert principal_key(Principal(PrincipalKind.MEMBER, 7)) == ("member", 7)
    assert principal_key(Principal(PrincipalKind.STAFF, 7)) != principal_key(Principal(PrincipalKind.MEMBER, 7))


async def test_an_outage_sends_reads_to_the_primary_until_it_is_tried_again() -> None:
    clock = FakeClock()
    primary = create_engine("postgresql://primary/shop")  # never connected
    replica = create_engine("postgresql://replica/shop")
    router = ReplicaRouter(primary, replica, sticky_seconds=5, clock=clock)
    info: dict[str, Any] = {}
    assert router.bind(info) is router.replica_bind and info[TARGET] == REPLICA
    router.failed(ConnectionRefusedError())
    info = {}
    assert router.bind(info) is router.primary_bind and info[TARGET] == PRIMARY
    clock.advance(OUTAGE_SECONDS)
    assert router.bind({}) is router.replica_bind
    await primary.dispose()
    await replica.dispose()
