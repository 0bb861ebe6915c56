"""Webhooks: what an app hears about, where it is sent, and the rules of delivery.

An app manages its own webhooks, an admin anyone's. A webhook's target must be `https` (plain
`http` only where private networks are allowed, for development and tests), and is refused when
it names a loopback, link-local or private address; the delivery worker checks again what the
host resolves to at each attempt, so a DNS change cannot point it inside later.
"""

from __future__ import annotations

import base64
import ipaddress
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from domain.access.model import AccessDenied, Permission, Principal, PrincipalKind, SignInRequired
from domain.errors import Code, DomainError, input_field, raise_all


class WebhookEventType(StrEnum):
    ORDER_CREATED = "ORDER_CREATED"
    ORDER_PAID = "ORDER_PAID"
    ORDER_CANCELLED = "ORDER_CANCELLED"
    ORDER_FULFILLED = "ORDER_FULFILLED"
    ORDER_COMPLETED = "ORDER_COMPLETED"
    ORDER_RETURNED = "ORDER_RETURNED"
    STOCK_CHANGED = "STOCK_CHANGED"
    PRODUCT_UPDATED = "PRODUCT_UPDATED"
    MEMBER_CREATED = "MEMBER_CREATED"
    MEMBER_ERASED = "MEMBER_ERASED"
    COUPON_REDEEMED = "COUPON_REDEEMED"
    SETTLEMENT_STATEMENT_CONFIRMED = "SETTLEMENT_STATEMENT_CONFIRMED"
    PAYMENT_INITIALIZE = "PAYMENT_INITIALIZE"
    PAYMENT_REFUND_REQUESTED = "PAYMENT_REFUND_REQUESTED"


class WebhookDeliveryStatus(StrEnum):
    PENDING = "PENDING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
NAME_MAX = 100
URL_MAX = 500
# After a rotation the previous secret signs alongside the new one this long, so receivers switch unhurried.
ROTATION_OVERLAP = timedelta(hours=24)
# DOMAIN.md "Apps": the waits before each retry; after the last one the delivery has FAILED.
BACKOFF = tuple(timedelta(seconds=s) for s in (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 24 * 3600))
JITTER = 0.1  # each wait is stretched or shrunk by up to this fraction, so retries of one outage spread out


@dataclass(frozen=True, slots=True)
class WebhookSpec:
    """A webhook's target and events, validated."""

    name: str
    target_url: str
    events: list[WebhookEventType]


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def check_secret(secret: str) -> str:
    """A caller-chosen secret for a rotation: `whsec_` and base64 of 24 to 64 random bytes."""
    body = secret.removeprefix(SECRET_PREFIX)
    try:
        size = len(base64.b64decode(body, validate=True)) if secret.startswith(SECRET_PREFIX) else 0
    except ValueError:
        size = 0
    if not 24 <= size <= 64:
        raise DomainError(
            Code.INVALID, "A secret is `whsec_` and base64 of 24 to 64 random bytes.", ["input", "secret"]
        )
    return secret


def owner(principal: Principal, requested_app_id: int | None) -> int | None:
    """Whose webhooks the caller manages: an app its own (None: an admin, anyone's).
    `requested_app_id` is the app an admin names; an app may name only itself."""
    if principal.kind is PrincipalKind.APP:
        if requested_app_id not in (None, principal.id):
            raise AccessDenied("An app manages its own webhooks only.")
        return principal.id
    if principal.can(Permission.MANAGE_APPS):
        return None
    if principal.is_anonymous:
        raise SignInRequired("Authentication is required.")
    raise AccessDenied("Only apps and admins manage webhooks.")


def check_spec(
    name: str | None, target_url: str | None, events: Sequence[WebhookEventType] | None, *, allow_private: bool
) -> tuple[str | None, str | None, list[WebhookEventType] | None]:
    """Validate what is given (None: unchanged); every problem at once."""
    errors: list[DomainError] = []
    if name is not None:
        name = name.strip()
        if not name or len(name) > NAME_MAX:
            errors.append(DomainError(Code.INVALID, f"Name it in 1 to {NAME_MAX} characters.", input_field("name")))
    if target_url is not None:
        target_url = target_url.strip()
        problem = target_problem(target_url, allow_private=allow_private)
        if problem:
            errors.append(DomainError(Code.INVALID, problem, input_field("targetUrl")))
    if events is not None and not events:
        errors.append(DomainError(Code.REQUIRED, "Choose at least one event.", input_field("events")))
    raise_all(errors)
    return name, target_url, sorted(set(events), key=list(WebhookEventType).index) if events is not None else None


# Payload queries: a GraphQL subscription document selecting `event`, whose result is a delivery's
# `data`. Each event is about one kind of subject, and the document may only ask for the kinds the
# webhook's events bring (an `... on StockWebhookEvent` on an order webhook would never apply).
QUERY_MAX = 20_000  # characters; the query limits (tokens, depth, cost) apply on top, as to any request


class PayloadSubject(StrEnum):
    ORDER = "ORDER"
    STOCK = "STOCK"
    PRODUCT = "PRODUCT"
    MEMBER = "MEMBER"
    COUPON = "COUPON"


PAYLOAD_SUBJECTS: dict[WebhookEventType, PayloadSubject] = {
    **{
        e: PayloadSubject.ORDER
        for e in (
            WebhookEventType.ORDER_CREATED,
            WebhookEventType.ORDER_PAID,
            WebhookEventType.ORDER_CANCELLED,
            WebhookEventType.ORDER_FULFILLED,
            WebhookEventType.ORDER_COMPLETED,
            WebhookEventType.ORDER_RETURNED,
        )
    },
    WebhookEventType.STOCK_CHANGED: PayloadSubject.STOCK,
    WebhookEventType.PRODUCT_UPDATED: PayloadSubject.PRODUCT,
    WebhookEventType.MEMBER_CREATED: PayloadSubject.MEMBER,
    WebhookEventType.MEMBER_ERASED: PayloadSubject.MEMBER,
    WebhookEventType.COUPON_REDEEMED: PayloadSubject.COUPON,
}


class PayloadQueryCheck(Protocol):
    """Checks a payload query against the graph (parse, validation, limits): the schema implements it."""

    def problem(self, query: str, subjects: frozenset[PayloadSubject]) -> str | None:
        """Why `query` cannot shape payloads about `subjects` (None: it can)."""
        ...


def check_query(query: str | None, events: Sequence[WebhookEventType], checker: PayloadQueryCheck) -> str | None:
    """The payload query to store for a webhook hearing of `events` (None: the default payload; a blank
    query removes one). INVALID on `query` when it is too long, not a fitting subscription document, or
    when an event has no payload query (its payload is the default one only)."""
    if query is None or not query.strip():
        return None
    problem: str | None = None
    without = [e.value for e in events if e not in PAYLOAD_SUBJECTS]
    if len(query) > QUERY_MAX:
        problem = f"A payload query has at most {QUERY_MAX} characters."
    elif without:
        problem = f"{', '.join(without)} deliveries carry the default payload only: subscribe them in another webhook."
    else:
        problem = checker.problem(query, frozenset(PAYLOAD_SUBJECTS[e] for e in events))
    if problem:
        raise DomainError(Code.INVALID, problem, input_field("query"))
    return query


# scheme://[credentials@]host[:port][/path?query#fragment]; a host is a name, an IPv4 or a bracketed IPv6.
_URL = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<credentials>[^@/?#]*@)?"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(?P<port>[0-9]{1,5}))?(?P<rest>[/?#]\S*)?"
)


def target_problem(url: str, *, allow_private: bool) -> str | None:
    """Why a target URL is refused (None: it is fine, as far as can be told without resolving it)."""
    if len(url) > URL_MAX:
        return f"At most {URL_MAX} characters."
    parts = _URL.fullmatch(url)
    if parts is None or parts["scheme"].lower() not in (("https", "http") if allow_private else ("https",)):
        return "The target must be an http(s) URL." if allow_private else "The target must be an https:// URL."
    if parts["credentials"]:
        return "Put no credentials in the URL; verify the signature instead."
    host = parts["host"].strip("[]").lower()
    if not allow_private and (host == "localhost" or host.endswith(".localhost")):
        return "Loopback targets are refused."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None  # a host name: the delivery worker checks what it resolves to
    return None if allow_private or is_public(address) else "Private, loopback and link-local targets are refused."


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a delivery may connect to this address (outside private-network mode)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


# Delivery outcomes


class Outcome(StrEnum):
    SUCCEEDED = "SUCCEEDED"
    RETRY = "RETRY"  # a transient failure: try again after the backoff
    FAILED = "FAILED"  # the receiver refused it for good
    GONE = "GONE"  # 410: the receiver asks us to stop; the webhook is disabled


def outcome(status: int | None) -> Outcome:
    """What an attempt's answer means (None: no answer, a timeout or a connection error)."""
    if status is None or status >= 500 or status in (408, 429):
        return Outcome.RETRY
    if 200 <= status < 300:
        return Outcome.SUCCEEDED
    return Outcome.GONE if status == 410 else Outcome.FAILED  # other 4xx, and redirects (never followed)


def next_attempt(attempts: int, now: datetime, jitter: float, retry_after: timedelta | None = None) -> datetime | None:
    """When to try again after `attempts` failed attempts (None: give up). `jitter` is in [-1, 1];
    the receiver's Retry-After wins when it asks for longer, up to the last wait of the schedule."""
    if attempts > len(BACKOFF):
        return None
    wait = BACKOFF[attempts - 1] * (1 + JITTER * jitter)
    if retry_after is not None:
        wait = max(wait, min(retry_after, BACKOFF[-1]))
    return now + wait
