"""The enums of accounts: how a member is recognised, and staff roles.

Their own module so that inputs elsewhere (the member mutations' identities) use them without
importing the account types and everything those reach.
"""

from __future__ import annotations

from domain.access import model as access
from domain.accounts import model as domain
from schema.enums import graphql_enum

IdentityKind = graphql_enum(
    domain.IdentityKind,
    "A way to recognise a member.",
    {
        "EMAIL": "E-mail address, stored lower-case.",
        "PHONE": "Phone number in E.164 form (+8613800138000).",
        "WECHAT_OPENID": "WeChat OpenID from the mini-program or official account.",
        "MEMBER_CARD": "Number of a physical or digital member card.",
        "APP_DEVICE": "An app installation's device id.",
    },
)
StaffRole = graphql_enum(
    access.StaffRole,
    "What a staff user may do.",
    {
        "ADMIN": "Everything, including catalogue, channels and staff.",
        "STORE_MANAGER": "Runs a store: stock, orders, members, promotions.",
        "CASHIER": "Sells at the till and looks members up.",
        "FULFILLMENT": "Picks, packs and ships orders.",
    },
)
