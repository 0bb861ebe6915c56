"""The demo's members: names, identities (every member an e-mail, some a phone and a member card),
marketing tags, and welcome-bonus points, built as rows for `db.demo` to insert.

Members are numbered from 1 and reachable by what the README documents: `member<id>@example.com`
(`member1@example.com`, ...), phone `+86 138 <id, 8 digits>` for about a third of them and member card
`MC<id, 8 digits>` for about a fifth; every one signs in with `DEMO_PASSWORD`. The points ledger
starts here (an ADJUST "welcome bonus" for some members); `db.demo_orders` appends the EARN entries of
their completed orders, and the members' `points_balance` is the sum of both.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from domain.accounts.model import IdentityKind
from domain.members.points import PointsKind

Row = dict[str, Any]

DEMO_PASSWORD = "omnishop-demo"
# argon2id of DEMO_PASSWORD with the default costs (m=64 MiB, t=3), computed once and reused for every
# demo member: hashing 200,000 passwords would take hours, and the hash is as good as a fresh one.
PASSWORD_HASH = "$argon2id$v=19$m=65536,t=3,p=1$2CBvMNN5FeSDtgjLMPiN1Q$UgatqDcXeKg5WZPwZE0A8Qt0KO5sSfn8xRiQ5ycsJ1w"
WELCOME_BONUS = 100
JOIN_WINDOW = timedelta(days=730)  # members joined in the two years before their first possible order

_SURNAMES = (
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Lin",
    "Gao",
    "Luo",
)
_GIVEN = (
    "Wei",
    "Fang",
    "Na",
    "Min",
    "Jing",
    "Lei",
    "Yan",
    "Jie",
    "Tao",
    "Xin",
    "Hui",
    "Ying",
    "Chao",
    "Ling",
    "Qiang",
    "Mei",
    "Hao",
    "Yu",
    "Jun",
    "Xiu",
)
_TAGS = ("vip", "newsletter", "wechat-follower", "birthday-club", "student", "staff-family")


def email(member_id: int) -> str:
    return f"member{member_id}@example.com"


def phone(member_id: int) -> str:
    """A valid mainland mobile number in E.164 form, unique per member."""
    return f"+86138{member_id:08d}"


def card(member_id: int) -> str:
    return f"MC{member_id:08d}"


def members(
    rng: random.Random, count: int, start: datetime, pos_channel: int, online_channel: int, store_ids: Sequence[int]
) -> dict[str, list[Row]]:
    """Members (balances still 0: `db.demo` sets them once orders are planned), their identities, tags
    and welcome bonuses, keyed `members`, `identities`, `tags`, `points`; joined before `start`."""
    member_rows: list[Row] = []
    identities: list[Row] = []
    tags: list[Row] = []
    points: list[Row] = []
    step = JOIN_WINDOW / max(count, 1)
    for index in range(count):
        member_id = index + 1
        joined = start - JOIN_WINDOW + step * index + timedelta(seconds=rng.randrange(60))
        at_till = rng.random() < 0.3
        member_rows.append(
            {
                "id": member_id,
                "name": f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}",
                "password_hash": PASSWORD_HASH,
                "joined_channel_id": pos_channel if at_till else online_channel,
                "joined_location_id": rng.choice(store_ids) if at_till and store_ids else None,
                "points_balance": 0,
                "erased_at": None,
                "created_at": joined,
            }
        )
        mine = [(IdentityKind.EMAIL, email(member_id))]
        if at_till or rng.random() < 0.2:
            mine.append((IdentityKind.PHONE, phone(member_id)))
        if at_till and rng.random() < 0.6:
            mine.append((IdentityKind.MEMBER_CARD, card(member_id)))
        first = len(identities)
        identities.extend(
            {
                "id": first + n,
                "member_id": member_id,
                "kind": kind,
                "value": value,
                "linked_by_staff_id": None,
                "created_at": joined,
            }
            for n, (kind, value) in enumerate(mine, 1)
        )
        chosen = rng.sample(_TAGS, rng.choice((0, 0, 1, 1, 2, 3)))
        if at_till and member_rows[-1]["joined_location_id"] is not None:
            chosen.append(f"store:sh{member_rows[-1]['joined_location_id'] - 1:02d}")  # location 2 is SH01
        tags.extend({"member_id": member_id, "tag": tag, "created_at": joined} for tag in chosen)
        if rng.random() < 0.25:
            points.append(
                {
                    "id": len(points) + 1,
                    "member_id": member_id,
                    "kind": PointsKind.ADJUST,
                    "delta": WELCOME_BONUS,
                    "balance_after": WELCOME_BONUS,
                    "reason": "welcome bonus",
                    "reference": None,
                    "channel_id": None,
                    "staff_id": None,
                    "expires_at": None,
                    "created_at": joined,
                }
            )
    return {"members": member_rows, "identities": identities, "tags": tags, "points": points}
