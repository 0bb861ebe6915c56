"""Settlement rules in plain Python: parties, rules, and how a line's net amount is split.

Every sale is attributed when the order is placed (channel, selling store, fulfilling
locations, the referring store or staff guide). When the order completes each line's *net*
amount (after promotions, coupons and its share of the points paid; shipping apart) is split
into entries per role and party:

- for each role someone holds on the order, the rule that applies is the most specific valid
  one (the most scope fields set), ties going to the newest;
- a rule pays a rate (a percentage of the net) or a fixed amount per unit, rounded half-up to
  the currency's minor unit;
- the brand takes the remainder, so the entries of a line always add up to exactly its net.

A return reverses the entries in proportion to the units returned, computed on the running
total (what the returned units so far owe minus what earlier returns took back), so returning
everything, in one go or in parts, nets every party to exactly zero.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from enum import Enum

from domain.errors import Code, DomainError, input_field, raise_all
from domain.money import quantum, round_to_minor

MAX_RATE = Decimal(100)
RATE_QUANTUM = Decimal("0.001")  # what the database keeps


class PartyKind(str, Enum):
    BRAND = "BRAND"
    FRANCHISEE = "FRANCHISEE"
    CONCESSION = "CONCESSION"
    PLATFORM = "PLATFORM"
    SUPPLIER = "SUPPLIER"


class SettlementRole(str, Enum):
    BRAND = "BRAND"  # the remainder; never a rule's role
    SELLER = "SELLER"
    FULFILLER = "FULFILLER"
    REFERRER = "REFERRER"
    GUIDE = "GUIDE"
    HOST = "HOST"
    PLATFORM = "PLATFORM"
    SUPPLIER = "SUPPLIER"


class SettlementEvent(str, Enum):
    SALE = "SALE"
    RETURN = "RETURN"
    ADJUSTMENT = "ADJUSTMENT"


class SettlementEntryStatus(str, Enum):
    PENDING = "PENDING"
    SETTLEABLE = "SETTLEABLE"
    SETTLED = "SETTLED"


# Roles whose payee is the rule's own party (the mall hosting a concession, a platform); the
# others are paid to the party of the location that holds the role on the order (a supplier: the
# party of the warehouse that shipped).
PAID_TO_RULE_PARTY = frozenset({SettlementRole.HOST, SettlementRole.PLATFORM})


@dataclass(frozen=True, slots=True)
class Scope:
    """What a rule is limited to (None: any)."""

    party_id: int | None = None
    channel_id: int | None = None
    location_id: int | None = None
    category_id: int | None = None

    @property
    def specificity(self) -> int:
        return sum(v is not None for v in (self.party_id, self.channel_id, self.location_id, self.category_id))


@dataclass(frozen=True, slots=True)
class Rule:
    id: int
    role: SettlementRole
    scope: Scope
    rate: Decimal | None  # percent of the net amount ("5" is 5 %)
    fixed_amount: Decimal | None  # per unit, in the order's currency
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    currency: str | None = None  # a fixed amount's or minimum's (a rule pays fixed amounts only on orders in it)
    minimum: Decimal | None = None  # the named party's guaranteed total per statement period (保底)

    def valid_at(self, at: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= at) and (self.valid_to is None or at < self.valid_to)

    def matches(self, context: Scope) -> bool:
        """Each scope field the rule sets equals the context's (a HOST or PLATFORM rule's party is
        its payee, not a condition)."""
        party_ok = self.role in PAID_TO_RULE_PARTY or self.scope.party_id in (None, context.party_id)
        return (
            party_ok
            and self.scope.channel_id in (None, context.channel_id)
            and self.scope.location_id in (None, context.location_id)
            and self.scope.category_id in (None, context.category_id)
        )

    def amount(self, net: Decimal, units: int, currency: str) -> Decimal:
        if self.rate is not None:
            return round_to_minor(net * self.rate / 100, currency)
        return round_to_minor((self.fixed_amount or Decimal(0)) * units, currency)

    def overlaps(self, other: Rule) -> bool:
        """Same role and scope, and validity periods that share a moment."""
        if other.role is not self.role or other.scope != self.scope:
            return False
        starts_before_other_ends = other.valid_to is None or self.valid_from is None or self.valid_from < other.valid_to
        ends_after_other_starts = other.valid_from is None or self.valid_to is None or other.valid_from < self.valid_to
        return starts_before_other_ends and ends_after_other_starts


def choose_rule(
    rules: Iterable[Rule], role: SettlementRole, context: Scope, at: datetime, currency: str | None = None
) -> Rule | None:
    """The most specific rule of `role` valid at `at` that matches `context` (a fixed amount only in its
    currency); ties: the newest (highest id)."""
    candidates = [
        r
        for r in rules
        if r.role is role
        and r.valid_at(at)
        and r.matches(context)
        and (r.fixed_amount is None or currency is None or r.currency == currency)
    ]
    return max(candidates, key=lambda r: (r.scope.specificity, r.id), default=None)


def check_rule(
    role: SettlementRole,
    scope: Scope,
    rate: Decimal | None,
    fixed_amount: Decimal | None,
    valid_from: datetime | None,
    valid_to: datetime | None,
    currency_places: int = 2,
    minimum: Decimal | None = None,
) -> None:
    """A rule is a rate of 0-100 % xor a fixed amount per unit; HOST, PLATFORM and SUPPLIER rules
    name the party they pay, and so does a rule guaranteeing a minimum per period (whose statement
    it tops up); the period does not end before it starts. Every problem at once."""
    errors: list[DomainError] = []
    if minimum is not None:
        if not (minimum.is_finite() and minimum > 0 and minimum == minimum.quantize(quantum_of(currency_places))):
            errors.append(
                DomainError(
                    Code.INVALID,
                    f"A minimum per period is positive, with at most {currency_places} decimal places.",
                    input_field("minimumPerPeriod"),
                )
            )
        if scope.party_id is None:
            errors.append(
                DomainError(
                    Code.REQUIRED, "A minimum per period is guaranteed to a named party.", input_field("partyId")
                )
            )
    if role is SettlementRole.BRAND:
        errors.append(DomainError(Code.INVALID, "The brand takes the remainder; it has no rules.", input_field("role")))
    if (rate is None) == (fixed_amount is None):
        errors.append(DomainError(Code.INVALID, "Give either a rate or a fixed amount.", input_field("rate")))
    if rate is not None and not (rate.is_finite() and 0 <= rate <= MAX_RATE and rate == rate.quantize(RATE_QUANTUM)):
        errors.append(
            DomainError(Code.INVALID, "A rate is a percentage from 0 to 100 (at most 3 decimals).", input_field("rate"))
        )
    if fixed_amount is not None and not (
        fixed_amount.is_finite()
        and fixed_amount >= 0
        and fixed_amount == fixed_amount.quantize(quantum_of(currency_places))
    ):
        errors.append(
            DomainError(
                Code.INVALID,
                f"A fixed amount is not negative, with at most {currency_places} decimal places.",
                input_field("fixedAmount"),
            )
        )
    if role in PAID_TO_RULE_PARTY and scope.party_id is None:
        errors.append(
            DomainError(Code.REQUIRED, f"A {role.value} rule names the party it pays.", input_field("partyId"))
        )
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        errors.append(DomainError(Code.INVALID, "The rule must end after it starts.", input_field("validTo")))
    raise_all(errors)


def quantum_of(places: int) -> Decimal:
    return Decimal(1).scaleb(-places)


# --- the split --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Holder:
    """Someone holding a role on (part of) a line: the party paid, and where (for rule scope)."""

    role: SettlementRole
    party_id: int | None  # None: the brand (its share stays in the remainder)
    location_id: int | None
    units: int  # the units of the line it holds the role for (a fulfiller: the units it ships)
    net: Decimal  # the part of the line's net those units carry


@dataclass(frozen=True, slots=True)
class Share:
    party_id: int
    role: SettlementRole
    amount: Decimal
    rule_id: int | None = None


def spread(total: Decimal, weights: Sequence[Decimal | int], currency: str) -> list[Decimal]:
    """`total` in parts proportional to `weights`, each to the minor unit, adding up exactly: each
    part is rounded down and the cents left go one each to the largest remainders (ties: first)."""
    if len(weights) < 2:  # nothing to share (most lines: one source, no points)
        return [total] if weights else []
    q = quantum(currency)
    weight_sum = sum((Decimal(w) for w in weights), Decimal(0))
    if weight_sum == 0:
        return [total if i == 0 else Decimal(0) for i in range(len(weights))]
    raw = [total * Decimal(w) / weight_sum for w in weights]
    parts = [r.quantize(q, rounding=ROUND_FLOOR) for r in raw]
    left = int((total - sum(parts, Decimal(0))) / q)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += q
    return parts


def line_nets(totals: Sequence[Decimal], points_discount: Decimal, currency: str) -> list[Decimal]:
    """Each line's net: its total after its own discounts, less its share of the points paid (in
    proportion to line totals; points beyond the merchandise paid for shipping)."""
    if not points_discount:
        return list(totals)
    merchandise = sum(totals, Decimal(0))
    points = min(points_discount, merchandise)
    return [t - p for t, p in zip(totals, spread(points, totals, currency), strict=True)]


def split_line(
    net: Decimal,
    units: int,
    holders: Sequence[Holder],
    rules: Sequence[Rule],
    context: Scope,
    at: datetime,
    brand_party_id: int,
    currency: str,
    prior: Sequence[Share] = (),
) -> list[Share]:
    """The entries of one line: each holder's share by its rule, HOST/PLATFORM shares by theirs, the
    brand the remainder; with the `prior` entries of the line (a supplier's, written when it shipped)
    they add up to exactly `net`."""
    shares: list[Share] = []
    for h in holders:
        if h.party_id is None or h.party_id == brand_party_id:
            continue  # the brand's own store: its share is the brand's
        scope = Scope(h.party_id, context.channel_id, h.location_id, context.category_id)
        rule = choose_rule(rules, h.role, scope, at, currency)
        if rule is not None:
            shares.append(Share(h.party_id, h.role, rule.amount(h.net, h.units, currency), rule.id))
    for role in (SettlementRole.HOST, SettlementRole.PLATFORM):
        rule = choose_rule(rules, role, context, at, currency)
        if rule is not None and rule.scope.party_id is not None and rule.scope.party_id != brand_party_id:
            shares.append(Share(rule.scope.party_id, role, rule.amount(net, units, currency), rule.id))
    shares = [s for s in merge(shares) if s.amount != 0]
    remainder = net - sum((s.amount for s in [*shares, *prior]), Decimal(0))
    return [*shares, Share(brand_party_id, SettlementRole.BRAND, remainder)]


def merge(shares: Iterable[Share]) -> list[Share]:
    """One share per party and role (two stores of one franchisee shipping parts of a line), in first-seen order."""
    merged: dict[tuple[int, SettlementRole], Share] = {}
    for s in shares:
        key = (s.party_id, s.role)
        seen = merged.get(key)
        merged[key] = s if seen is None else Share(s.party_id, s.role, seen.amount + s.amount, seen.rule_id)
    return list(merged.values())


def reversal(sale: Sequence[Share], quantity: int, returned_before: int, returning: int, currency: str) -> list[Share]:
    """RETURN entries for `returning` more units of a line whose SALE entries are `sale`: each
    party's running reversal is its sale amount times the units back so far over the line's units
    (rounded half-up), the brand's the remainder of the line's; this return takes the difference.
    When every unit is back each party is reversed by exactly what it was paid."""
    sale = merge(sale)
    net = sum((s.amount for s in sale), Decimal(0))

    def taken(units: int) -> dict[tuple[int, SettlementRole], Decimal]:
        part = {(s.party_id, s.role): round_to_minor(s.amount * units / quantity, currency) for s in sale}
        brand = [k for k in part if k[1] is SettlementRole.BRAND]
        others = sum((v for k, v in part.items() if k[1] is not SettlementRole.BRAND), Decimal(0))
        for k in brand:
            part[k] = round_to_minor(net * units / quantity, currency) - others
        return part

    before, after = taken(returned_before), taken(returned_before + returning)
    result = [Share(party, role, -(after[(party, role)] - before[(party, role)])) for party, role in after]
    return [s for s in result if s.amount != 0]


def status(settleable_at: datetime, now: datetime, settled: bool) -> SettlementEntryStatus:
    """SETTLED once in a confirmed statement; SETTLEABLE once the return window has passed."""
    if settled:
        return SettlementEntryStatus.SETTLED
    return SettlementEntryStatus.SETTLEABLE if settleable_at <= now else SettlementEntryStatus.PENDING


def settleable_from(completed_at: datetime, written_at: datetime, window_days: int) -> datetime:
    """An entry is settleable once the order's return window has passed, or when written, if later
    (a return after the window is settled in the period it happens in)."""
    return max(completed_at + timedelta(days=window_days), written_at)


# --- referral codes ---------------------------------------------------------------------------------

REFERRAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read off a printed QR by eye
REFERRAL_LENGTH = 10


def new_referral_code() -> str:
    """A store's or staff guide's referral code (50 random bits): printed on their QR."""
    return "".join(secrets.choice(REFERRAL_ALPHABET) for _ in range(REFERRAL_LENGTH))


def normalise_referral_code(code: str) -> str:
    return code.strip().upper()


@dataclass(frozen=True, slots=True)
class Referral:
    """Who brought the shopper: a store (its location) or a staff guide (and the store they work at)."""

    location_id: int | None = None
    guide_id: int | None = None
    guide_location_id: int | None = None


NO_REFERRAL = Referral()
