"""Settlement use cases: parties, rules, a cart's referral, and the ledger entries of completed
orders and returns (the rules themselves are in domain/settlement/model.py).

Parties and rules are managed by admins and apps with SETTLEMENT_WRITE. A cart's referral is set
by whoever holds the cart, until checkout. The ledger is written in the transaction that completes
an order (or takes a return), so an order is never completed without its entries, nor twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from domain.access.model import AccessDenied, Permission, Principal, SignInRequired
from domain.errors import Code, DomainError, input_field, raise_all
from domain.orders.carts import CartUnitOfWork, open_cart
from domain.settlement.model import (
    Holder,
    PartyKind,
    Referral,
    Rule,
    Scope,
    SettlementEvent,
    SettlementRole,
    Share,
    check_rule,
    choose_rule,
    line_nets,
    normalise_referral_code,
    reversal,
    split_line,
    spread,
)

MAX_NAME = 200
MAX_ASSIGNED = 500  # locations or channels assigned in one partyCreate


@dataclass(frozen=True, slots=True)
class SaleLine:
    id: int
    quantity: int
    total: Decimal  # after the line's own discounts (promotions, coupons)
    category_id: int | None
    sources: Sequence[tuple[int, int]] = ()  # (location id, units) it ships or is handed over from


@dataclass(frozen=True, slots=True)
class Sale:
    """An order as settlement sees it: the attribution frozen at checkout, and its lines."""

    currency: str
    channel_id: int
    selling_location_id: int | None
    referral: Referral
    points_discount: Decimal
    lines: Sequence[SaleLine]
    party_of: Mapping[int, int | None] = field(default_factory=dict)  # location id -> its party (None: brand)
    suppliers: frozenset[int] = frozenset()  # the parties among them that are suppliers


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    line_id: int | None
    share: Share


class SettlementRepository(Protocol):
    async def brand_party(self) -> int:
        """The brand's party id (created if it is missing)."""
        ...

    async def add_party(self, name: str, kind: PartyKind) -> int: ...
    async def party_exists(self, party_id: int) -> bool: ...
    async def missing_locations(self, ids: Sequence[int]) -> list[int]: ...
    async def missing_channels(self, ids: Sequence[int]) -> list[int]: ...
    async def missing_category(self, category_id: int) -> bool: ...
    async def currency(self, channel_id: int | None) -> str:
        """The channel's currency (None: the default channel's): what a fixed amount is in."""
        ...

    async def assign_party(self, party_id: int, location_ids: Sequence[int], channel_ids: Sequence[int]) -> None: ...
    async def rules(self, role: SettlementRole | None = None) -> list[Rule]:
        """Every rule (of `role`), locked against a concurrent overlapping rule when `role` is given."""
        ...

    async def add_rule(self, rule: Rule) -> int: ...
    async def referral(self, code: str) -> Referral | None:
        """The store or active staff guide whose referral code is `code`."""
        ...

    async def set_cart_referral(self, cart_id: int, referral: Referral) -> None: ...
    async def sale(self, order_id: int) -> Sale | None: ...
    async def supplier_locations(self, location_ids: Sequence[int]) -> list[int]:
        """Those of the locations that belong to a supplier."""
        ...

    async def sale_entries(self, order_id: int) -> tuple[datetime | None, list[LedgerEntry]]:
        """The order's SALE entries and the latest completion time they were written with."""
        ...

    async def add_entries(
        self,
        order_id: int,
        currency: str,
        event: SettlementEvent,
        completed_at: datetime,
        entries: Sequence[LedgerEntry],
    ) -> None: ...


class SettlementUnitOfWork(Protocol):
    @property
    def settlement(self) -> SettlementRepository: ...


class AttributionUnitOfWork(CartUnitOfWork, SettlementUnitOfWork, Protocol):
    """A cart's referral: the cart and the referral codes."""


def require_settlement(principal: Principal) -> None:
    """Admins and apps with SETTLEMENT_WRITE manage and read settlement; nobody else (this increment)."""
    if principal.can_everywhere(Permission.MANAGE_SETTLEMENT):
        return
    if principal.is_anonymous:
        raise SignInRequired("Authentication is required.")
    raise AccessDenied("Settlement is managed by admins and apps with SETTLEMENT_WRITE.")


async def create_party(
    uow: SettlementUnitOfWork,
    principal: Principal,
    *,
    name: str,
    kind: PartyKind,
    location_ids: Sequence[int | None],
    channel_ids: Sequence[int | None],
) -> int:
    """A franchisee, concession tenant, platform or supplier; the locations and channels given are its."""
    require_settlement(principal)
    errors: list[DomainError] = []
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        errors.append(DomainError(Code.INVALID, f"A name has 1 to {MAX_NAME} characters.", input_field("name")))
    if kind is PartyKind.BRAND:
        errors.append(DomainError(Code.INVALID, "There is one brand; it exists already.", input_field("kind")))
    if len(location_ids) > MAX_ASSIGNED or len(channel_ids) > MAX_ASSIGNED:
        errors.append(DomainError(Code.INVALID, f"At most {MAX_ASSIGNED} locations and channels at once."))
    raise_all(errors)
    locations = [i for i in location_ids if i is not None]
    channels = [i for i in channel_ids if i is not None]
    if len(locations) < len(location_ids) or await uow.settlement.missing_locations(locations):
        errors.append(DomainError(Code.NOT_FOUND, "No such location.", input_field("locationIds")))
    if len(channels) < len(channel_ids) or await uow.settlement.missing_channels(channels):
        errors.append(DomainError(Code.NOT_FOUND, "No such channel.", input_field("channelIds")))
    raise_all(errors)
    party_id = await uow.settlement.add_party(name, kind)
    await uow.settlement.assign_party(party_id, sorted(set(locations)), sorted(set(channels)))
    return party_id


async def create_rule(
    uow: SettlementUnitOfWork,
    principal: Principal,
    *,
    role: SettlementRole,
    scope: Scope,
    rate: Decimal | None,
    fixed_amount: Decimal | None,
    valid_from: datetime | None,
    valid_to: datetime | None,
    minimum: Decimal | None = None,
) -> int:
    """A rule; refused (RULE_OVERLAP) when a rule of the same role and scope is valid at some moment it is.
    With `minimum`, its party's statement of any period it is valid in is topped up to that total."""
    require_settlement(principal)
    check_rule(role, scope, rate, fixed_amount, valid_from, valid_to, minimum=minimum)
    errors: list[DomainError] = []
    if scope.party_id is not None and not await uow.settlement.party_exists(scope.party_id):
        errors.append(DomainError(Code.NOT_FOUND, "No such party.", input_field("partyId")))
    if scope.location_id is not None and await uow.settlement.missing_locations([scope.location_id]):
        errors.append(DomainError(Code.NOT_FOUND, "No such location.", input_field("locationId")))
    if scope.channel_id is not None and await uow.settlement.missing_channels([scope.channel_id]):
        errors.append(DomainError(Code.NOT_FOUND, "No such channel.", input_field("channelId")))
    if scope.category_id is not None and await uow.settlement.missing_category(scope.category_id):
        errors.append(DomainError(Code.NOT_FOUND, "No such category.", input_field("categoryId")))
    raise_all(errors)
    has_amount = fixed_amount is not None or minimum is not None
    currency = await uow.settlement.currency(scope.channel_id) if has_amount else None
    rule = Rule(0, role, scope, rate, fixed_amount, valid_from, valid_to, currency, minimum)
    clash = next((r for r in await uow.settlement.rules(role) if rule.overlaps(r)), None)
    if clash is not None:
        raise DomainError(
            Code.RULE_OVERLAP,
            f"A {role.value} rule with the same scope is valid at the same time (rule {clash.id}).",
            input_field("validFrom"),
        )
    return await uow.settlement.add_rule(rule)


async def set_referral(uow: AttributionUnitOfWork, principal: Principal, token: str | None, code: str) -> str:
    """Record who brought the shopper on the cart (whoever holds it, until checkout); an unknown code
    is REFERRAL_CODE_INVALID. Checkout copies it onto the order, where it never changes."""
    cart = await open_cart(uow, principal, token)
    referral = await uow.settlement.referral(normalise_referral_code(code)) if code.strip() else None
    if referral is None:
        raise DomainError(
            Code.REFERRAL_CODE_INVALID, "No store or staff guide has this referral code.", input_field("referralCode")
        )
    await uow.settlement.set_cart_referral(cart.id, referral)
    return cart.token


def holders(sale: Sale, line: SaleLine, net: Decimal) -> list[Holder]:
    """Who holds which role on a line: the selling store's party, each fulfilling location's party
    (for the units it ships, carrying their share of the net), the referring store's or the guide's."""
    party = sale.party_of.get
    result: list[Holder] = []
    if sale.selling_location_id is not None:
        result.append(
            Holder(SettlementRole.SELLER, party(sale.selling_location_id), sale.selling_location_id, line.quantity, net)
        )
    sources = [s for s in line.sources if s[1] > 0]
    for (location_id, units), part in zip(sources, spread(net, [u for _, u in sources], sale.currency), strict=True):
        if party(location_id) not in sale.suppliers:  # a supplier is paid when it ships (record_shipment)
            result.append(Holder(SettlementRole.FULFILLER, party(location_id), location_id, units, part))
    ref = sale.referral
    if ref.location_id is not None:
        result.append(Holder(SettlementRole.REFERRER, party(ref.location_id), ref.location_id, line.quantity, net))
    if ref.guide_id is not None and ref.guide_location_id is not None:
        result.append(
            Holder(SettlementRole.GUIDE, party(ref.guide_location_id), ref.guide_location_id, line.quantity, net)
        )
    return result


def sale_entries(
    sale: Sale, rules: Sequence[Rule], brand_party_id: int, at: datetime, prior: Sequence[LedgerEntry] = ()
) -> list[LedgerEntry]:
    """Every line's split: with the `prior` entries (a supplier's), each line's add up to exactly its net."""
    nets = line_nets([ln.total for ln in sale.lines], sale.points_discount, sale.currency)
    entries: list[LedgerEntry] = []
    for line, net in zip(sale.lines, nets, strict=True):
        context = Scope(None, sale.channel_id, sale.selling_location_id, line.category_id)
        before = [e.share for e in prior if e.line_id == line.id]
        shares = split_line(
            net, line.quantity, holders(sale, line, net), rules, context, at, brand_party_id, sale.currency, before
        )
        entries.extend(LedgerEntry(line.id, s) for s in shares)
    return entries


def supplier_entries(sale: Sale, rules: Sequence[Rule], location_ids: Sequence[int], at: datetime) -> list[LedgerEntry]:
    """A supplier's SUPPLIER entries for the units it ships from `location_ids` (by its rule: usually a
    fixed cost per unit), written when they ship: suppliers are settled by node, not at completion."""
    nets = line_nets([ln.total for ln in sale.lines], sale.points_discount, sale.currency)
    entries: list[LedgerEntry] = []
    for line, net in zip(sale.lines, nets, strict=True):
        sources = [s for s in line.sources if s[1] > 0]
        parts = spread(net, [u for _, u in sources], sale.currency)
        for (location_id, units), part in zip(sources, parts, strict=True):
            party = sale.party_of.get(location_id)
            if location_id not in location_ids or party is None or party not in sale.suppliers:
                continue
            scope = Scope(party, sale.channel_id, location_id, line.category_id)
            rule = choose_rule(rules, SettlementRole.SUPPLIER, scope, at, sale.currency)
            if rule is not None and (amount := rule.amount(part, units, sale.currency)) != 0:
                entries.append(LedgerEntry(line.id, Share(party, SettlementRole.SUPPLIER, amount, rule.id)))
    return entries


async def record_shipment(uow: SettlementUnitOfWork, order_id: int, location_ids: Sequence[int], at: datetime) -> None:
    """Units left `location_ids`: a supplier among them is owed its entries now."""
    if not await uow.settlement.supplier_locations(location_ids):
        return
    sale = await uow.settlement.sale(order_id)
    if sale is None:
        return
    entries = supplier_entries(sale, await uow.settlement.rules(), location_ids, at)
    if entries:
        await uow.settlement.add_entries(order_id, sale.currency, SettlementEvent.SALE, at, entries)


async def record_sale(uow: SettlementUnitOfWork, order_id: int, completed_at: datetime) -> None:
    """The order completed: write each line's SALE entries (beside a supplier's, written when it shipped)."""
    sale = await uow.settlement.sale(order_id)
    if sale is None or not sale.lines:
        return
    brand = await uow.settlement.brand_party()
    prior = (await uow.settlement.sale_entries(order_id))[1] if sale.suppliers else []
    entries = sale_entries(sale, await uow.settlement.rules(), brand, completed_at, prior)
    await uow.settlement.add_entries(order_id, sale.currency, SettlementEvent.SALE, completed_at, entries)


@dataclass(frozen=True, slots=True)
class LineReturn:
    line_id: int
    quantity: int  # the line's units
    returned_before: int
    returning: int


async def record_return(uow: SettlementUnitOfWork, order_id: int, currency: str, returns: Sequence[LineReturn]) -> None:
    """Goods came back: RETURN entries reverse the lines' SALE entries in proportion to the units."""
    completed_at, sold = await uow.settlement.sale_entries(order_id)
    if completed_at is None:
        return  # completed before settlement existed: nothing to reverse
    entries: list[LedgerEntry] = []
    for r in returns:
        shares = [e.share for e in sold if e.line_id == r.line_id]
        if shares:
            entries.extend(
                LedgerEntry(r.line_id, s)
                for s in reversal(shares, r.quantity, r.returned_before, r.returning, currency)
            )
    if entries:
        await uow.settlement.add_entries(order_id, currency, SettlementEvent.RETURN, completed_at, entries)
