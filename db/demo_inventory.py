"""The demo's locations and stock: a central warehouse and stores at real Shanghai addresses,
all selling into both channels, stocked unevenly.

`locations(products)` and `stock(rng, variant_ids, ...)` only build rows (ids assigned up front,
timestamps at the demo epoch); `db.demo` inserts them with everything else. Stock is uneven on
purpose, so that pickup, ship-from-store and endless-aisle have something to show: the warehouse
holds most variants, some are only in the warehouse, some only in one store, the rest spread
over a few stores. Every stock level gets one RECEIVE movement for its `on_hand`, so the ledger
sums to the stock from the first moment.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from domain.inventory.locations import DAYS
from domain.inventory.model import LocationType, MovementKind

Row = dict[str, Any]

WAREHOUSE_ID = 1
MIN_STORES, MAX_STORES, PRODUCTS_PER_STORE = 4, 25, 400
OPENING_HOURS = [{"day": day, "opens": "10:00", "closes": "22:00"} for day in DAYS]

# (name, address, postal code, latitude, longitude): real places, WGS84.
_STORES = (
    ("Nanjing Road", "299 Nanjing East Road, Huangpu", "200001", 31.2355, 121.4793),
    ("Xintiandi", "123 Xingye Road, Huangpu", "200021", 31.2197, 121.4752),
    ("Lujiazui", "8 Century Avenue, Pudong", "200120", 31.2366, 121.5025),
    ("Jing'an Temple", "1618 Nanjing West Road, Jing'an", "200040", 31.2235, 121.4455),
    ("Xujiahui", "1 Hongqiao Road, Xuhui", "200030", 31.1953, 121.4378),
    ("Wujiaochang", "1 Songhu Road, Yangpu", "200433", 31.3006, 121.5148),
    ("People's Square", "168 Xizang Middle Road, Huangpu", "200001", 31.2317, 121.4737),
    ("Zhongshan Park", "1018 Changning Road, Changning", "200042", 31.2212, 121.4186),
    ("Tianzifang", "210 Taikang Road, Huangpu", "200025", 31.2086, 121.4695),
    ("The Bund", "18 Zhongshan East 1st Road, Huangpu", "200002", 31.2397, 121.4905),
    ("Hongqiao Tiandi", "688 Shenchang Road, Minhang", "201107", 31.1967, 121.3192),
    ("Century Park", "1001 Jinxiu Road, Pudong", "200135", 31.2159, 121.5515),
    ("Zhangjiang", "2727 Zuchongzhi Road, Pudong", "201203", 31.2042, 121.5902),
    ("Daning", "1898 Gonghexin Road, Jing'an", "200072", 31.2804, 121.4580),
    ("Qibao", "2 Qingnian Road, Minhang", "201101", 31.1548, 121.3518),
    ("Songjiang", "658 Guangfulin Road, Songjiang", "201600", 31.0290, 121.2272),
    ("Xinzhuang", "1 Dushi Road, Minhang", "201100", 31.1117, 121.3858),
    ("Jiading New Town", "1188 Baiyin Road, Jiading", "201800", 31.3839, 121.2652),
    ("Baoshan", "1 Youyi Road, Baoshan", "201900", 31.4051, 121.4891),
    ("Hongkou Stadium", "444 Dongjiangwan Road, Hongkou", "200081", 31.2713, 121.4797),
    ("Disneytown", "753 Shendi West Road, Pudong", "201205", 31.1441, 121.6571),
    ("Jinqiao", "1 Biyun Road, Pudong", "201206", 31.2661, 121.5891),
    ("Qiantan", "500 Dongyu Road, Pudong", "200126", 31.1521, 121.5091),
    ("Longhua", "2853 Longhua Road, Xuhui", "200232", 31.1751, 121.4471),
    ("Global Harbor", "3300 Zhongshan North Road, Putuo", "200063", 31.2326, 121.4133),
)


def store_count(products: int) -> int:
    """4 stores for the default demo, one more per 400 products, at most 25."""
    return max(MIN_STORES, min(MAX_STORES, products // PRODUCTS_PER_STORE))


def locations(products: int, created: datetime) -> list[Row]:
    """The location rows: the warehouse first, then the stores (SH01, SH02, ...)."""
    common = {"city": "Shanghai", "country": "CN", "ships_to_home": True, "is_active": True, "created_at": created}
    rows: list[Row] = [
        {
            "id": WAREHOUSE_ID,
            "code": "WH01",
            "name": "Central warehouse",
            "type": LocationType.WAREHOUSE,
            "address_line1": "4888 Huyi Highway, Jiading",
            "postal_code": "201812",
            "latitude": 31.3504,
            "longitude": 121.2398,
            "opening_hours": None,
            "is_pickup_point": False,
            "priority": 10,
            **common,
        }
    ]
    for n, (name, line1, postal_code, latitude, longitude) in enumerate(_STORES[: store_count(products)], 1):
        rows.append(
            {
                "id": WAREHOUSE_ID + n,
                "code": f"SH{n:02d}",
                "name": name,
                "type": LocationType.STORE,
                "address_line1": line1,
                "postal_code": postal_code,
                "latitude": latitude,
                "longitude": longitude,
                "opening_hours": OPENING_HOURS,
                "is_pickup_point": True,
                "priority": 100,
                **common,
            }
        )
    return rows


def channel_links(location_rows: Sequence[Row], channel_ids: Sequence[int]) -> list[Row]:
    """Every location sells into every one of `channel_ids`."""
    return [{"channel_id": c, "location_id": row["id"]} for row in location_rows for c in channel_ids]


def stock(
    rng: random.Random, variant_ids: Sequence[int], store_ids: Sequence[int], created: datetime
) -> tuple[list[Row], list[Row]]:
    """Stock levels and their RECEIVE movements.

    Per variant: 10% only in the warehouse, 10% only in one store, 5% nowhere (sold out), the
    rest in the warehouse and in up to four stores. Quantities 1..50 in the warehouse, 1..20 in
    a store; nothing is reserved.
    """
    levels: list[Row] = []
    movements: list[Row] = []

    def put(variant_id: int, location_id: int, on_hand: int) -> None:
        levels.append(
            {
                "id": len(levels) + 1,
                "variant_id": variant_id,
                "location_id": location_id,
                "on_hand": on_hand,
                "reserved": 0,
                "updated_at": created,
            }
        )
        movements.append(
            {
                "id": len(movements) + 1,
                "variant_id": variant_id,
                "location_id": location_id,
                "kind": MovementKind.RECEIVE,
                "on_hand_delta": on_hand,
                "reserved_delta": 0,
                "reason": "Opening stock",
                "reference": "demo:opening-stock",
                "staff_id": None,
                "created_at": created,
            }
        )

    for variant_id in variant_ids:
        pick = rng.random()
        if pick < 0.05:
            continue
        if pick < 0.15:
            put(variant_id, rng.choice(store_ids), rng.randint(1, 20))
            continue
        put(variant_id, WAREHOUSE_ID, rng.randint(1, 50))
        if pick < 0.25:
            continue
        for store_id in sorted(rng.sample(store_ids, rng.randint(1, min(4, len(store_ids))))):
            put(variant_id, store_id, rng.randint(1, 20))
    return levels, movements
