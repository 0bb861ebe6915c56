"""Settlement's enums: kinds of party, roles that earn a share, ledger events and entry statuses."""

from __future__ import annotations

from domain.settlement import model, statements
from schema.enums import graphql_enum

PartyKind = graphql_enum(
    model.PartyKind,
    "Who a party is.",
    {
        "BRAND": "The brand itself: one, created with the database; it takes the remainder of every sale.",
        "FRANCHISEE": "A franchisee (加盟) running stores of the brand.",
        "CONCESSION": "A concession tenant (联营): a counter in a mall that takes a share.",
        "PLATFORM": "A platform or marketplace selling for the brand.",
        "SUPPLIER": "A manufacturer whose own warehouse ships endless-aisle orders.",
    },
)
SettlementRole = graphql_enum(
    model.SettlementRole,
    "What a party did for a sale, and is paid for.",
    {
        "BRAND": "The remainder, after every other role's share.",
        "SELLER": "The store whose till sold it.",
        "FULFILLER": "A location that shipped or handed over its units.",
        "REFERRER": "The store whose referral code the shopper used.",
        "GUIDE": "The store of the staff guide whose referral code the shopper used.",
        "HOST": "The mall hosting a concession (paid to the rule's party).",
        "PLATFORM": "The platform it sold on (paid to the rule's party).",
        "SUPPLIER": "The supplier whose warehouse ships it: written when it ships, usually a cost per unit.",
    },
)
SettlementEvent = graphql_enum(
    model.SettlementEvent,
    "Why an entry was written.",
    {
        "SALE": "The order completed.",
        "RETURN": "Goods came back: the sale's entries reversed in proportion to the units.",
        "ADJUSTMENT": "A correction or a guaranteed-minimum top-up.",
    },
)
SettlementEntryStatus = graphql_enum(
    model.SettlementEntryStatus,
    "Where an entry stands.",
    {
        "PENDING": "Within the return window (`SETTLEMENT_RETURN_WINDOW_DAYS` after completion).",
        "SETTLEABLE": "The return window has passed: a statement may collect it.",
        "SETTLED": "In a confirmed statement.",
    },
)
SettlementStatementStatus = graphql_enum(
    statements.SettlementStatementStatus,
    "Where a statement stands.",
    {
        "DRAFT": "Generated; generating the period again rebuilds it.",
        "CONFIRMED": "Frozen: its entries are SETTLED.",
        "PAID": "Paid, with the payment's reference.",
    },
)
