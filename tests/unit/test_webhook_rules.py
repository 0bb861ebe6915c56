"""The webhook rules: which answers are retried and when, which targets are refused, who manages, and
when the circuit breaker stops calling an endpoint."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime, timedelta

import pytest

from api.webhooks.worker import BREAKER_FAILURES, BREAKER_OPEN, Breaker
from domain.access.model import ROLE_PERMISSIONS, AccessDenied, Principal, PrincipalKind, SignInRequired, StaffRole
from domain.apps.webhooks import (
    BACKOFF,
    QUERY_MAX,
    Outcome,
    PayloadSubject,
    WebhookEventType,
    check_query,
    is_public,
    next_attempt,
    outcome,
    owner,
    target_problem,
)
from domain.errors import Code, DomainError

NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Outcome.SUCCEEDED),
        (204, Outcome.SUCCEEDED),
        (None, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (408, Outcome.RETRY),
        (429, Outcome.RETRY),
        (410, Outcome.GONE),
        (400, Outcome.FAILED),
        (401, Outcome.FAILED),
        (404, Outcome.FAILED),
        (301, Outcome.FAILED),
    ],
)
def test_only_transient_failures_are_retried(status: int | None, expected: Outcome) -> None:
    assert outcome(status) is expected


def test_retries_follow_the_schedule_then_give_up() -> None:
    waits = [next_attempt(n, NOW, 0.0) for n in range(1, len(BACKOFF) + 2)]
    assert [w - NOW for w in waits[:-1] if w] == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=24),
    ]
    assert waits[-1] is None  # eight attempts in all


def test_jitter_spreads_a_wait_by_a_tenth_and_retry_after_asks_for_longer_within_a_day() -> None:
    assert next_attempt(2, NOW, 1.0) == NOW + timedelta(minutes=5.5)
    assert next_attempt(2, NOW, -1.0) == NOW + timedelta(minutes=4.5)
    assert next_attempt(1, NOW, 0.0, timedelta(minutes=1)) == NOW + timedelta(minutes=1)
    assert next_attempt(2, NOW, 0.0, timedelta(seconds=1)) == NOW + timedelta(minutes=5)  # never sooner
    assert next_attempt(1, NOW, 0.0, timedelta(days=30)) == NOW + timedelta(hours=24)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/",
        "https://[::1]/",
        "https://[::ffff:10.0.0.1]/",
        "https://192.168.1.1:8443/x",
        "https://169.254.169.254/latest/meta-data",
        "https://0.0.0.0/",
        "https://LOCALHOST/",
        "https://api.localhost/",
        "http://example.com/",
        "https://user@example.com/",
        "example.com/hook",
        "https://",
    ],
)
def test_inner_plain_and_malformed_targets_are_refused(url: str) -> None:
    assert target_problem(url, allow_private=False)


@pytest.mark.parametrize("url", ["https://erp.example.com/hooks?x=1", "https://93.184.216.34:8443/"])
def test_public_https_targets_pass(url: str) -> None:
    assert target_problem(url, allow_private=False) is None


def test_private_networks_when_allowed_take_plain_http_too() -> None:
    assert target_problem("http://127.0.0.1:8080/hook", allow_private=True) is None
    assert target_problem("ftp://127.0.0.1/", allow_private=True)


def test_public_addresses() -> None:
    assert is_public(ipaddress.ip_address("93.184.216.34"))
    assert not is_public(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert not is_public(ipaddress.ip_address("fe80::1"))


def test_an_app_manages_its_own_an_admin_anyones_and_nobody_else_any() -> None:
    app = Principal(PrincipalKind.APP, 7)
    assert owner(app, None) == owner(app, 7) == 7
    with pytest.raises(AccessDenied):
        owner(app, 8)
    admin = Principal(PrincipalKind.STAFF, 1, StaffRole.ADMIN, ROLE_PERMISSIONS[StaffRole.ADMIN])
    assert owner(admin, 8) is None
    with pytest.raises(SignInRequired):
        owner(Principal(PrincipalKind.ANONYMOUS), None)
    for someone in (
        Principal(PrincipalKind.MEMBER, 3),
        Principal(PrincipalKind.STAFF, 2, StaffRole.CASHIER, ROLE_PERMISSIONS[StaffRole.CASHIER]),
    ):
        with pytest.raises(AccessDenied):
            owner(someone, None)


def test_the_breaker_opens_after_failures_in_a_row_and_probes_once_after_the_pause() -> None:
    breaker = Breaker()
    for _ in range(BREAKER_FAILURES - 1):
        breaker.failed(1, NOW)
    assert not breaker.is_open(1, NOW)
    breaker.succeeded(1)  # a success starts the count again
    for _ in range(BREAKER_FAILURES):
        breaker.failed(1, NOW)
    assert breaker.is_open(1, NOW) and not breaker.is_open(2, NOW)
    after = NOW + BREAKER_OPEN
    assert not breaker.is_open(1, after)
    breaker.failed(1, after)  # the probe failed: open again at once
    assert breaker.is_open(1, after)


class Checker:
    """The graph's check, as the domain sees it: records what it was asked."""

    def __init__(self, problem: str | None = None) -> None:
        self.asked: list[frozenset[PayloadSubject]] = []
        self.answer = problem

    def problem(self, query: str, subjects: frozenset[PayloadSubject]) -> str | None:
        self.asked.append(subjects)
        return self.answer


def test_no_query_or_a_blank_one_is_the_default_payload() -> None:
    checker = Checker("never asked")
    assert check_query(None, [WebhookEventType.ORDER_PAID], checker) is None
    assert check_query("  \n", [WebhookEventType.ORDER_PAID], checker) is None
    assert checker.asked == []


def test_a_query_is_checked_for_the_kinds_of_events_it_shapes() -> None:
    checker = Checker()
    query = "subscription { event { type } }"
    events = [WebhookEventType.ORDER_PAID, WebhookEventType.ORDER_FULFILLED, WebhookEventType.STOCK_CHANGED]
    assert check_query(query, events, checker) == query
    assert checker.asked == [frozenset({PayloadSubject.ORDER, PayloadSubject.STOCK})]


@pytest.mark.parametrize(
    ("query", "events", "problem"),
    [
        ("subscription { event { type } }", [WebhookEventType.SETTLEMENT_STATEMENT_CONFIRMED], None),
        ("subscription { event { type } }", [WebhookEventType.PAYMENT_INITIALIZE], None),
        ("x" * (QUERY_MAX + 1), [WebhookEventType.ORDER_PAID], None),
        ("subscription { event { nope } }", [WebhookEventType.ORDER_PAID], "Cannot query field 'nope'"),
    ],
)
def test_a_query_that_cannot_shape_the_events_is_invalid_on_query(
    query: str, events: list[WebhookEventType], problem: str | None
) -> None:
    with pytest.raises(DomainError) as refused:
        check_query(query, events, Checker(problem))
    assert (refused.value.code, refused.value.field) == (Code.INVALID, ["input", "query"])
    assert problem is None or refused.value.message == problem
