"""Coupons through the graph, the way the closed loop uses them: a member claims a campaign code from a
QR code, applies the coupon to a cart online or has it written off at a till, and gets it back when
an unpaid order is cancelled. A coupon is used once, and every refusal says why."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.access.model import StaffRole
from domain.clock import system_clock
from domain.promotions import AmountOff, Conditions, PercentOff
from domain.promotions.records import RedeemWhere
from tests.api.test_carts import CART_FIELDS, Shop, address, errors, open_shop
from tests.api.test_checkout import checkout, placed
from tests.api.test_members import SignedIn, new_member, top_code
from tests.api.test_order_flow import CANCEL
from tests.inventory_fixtures import location_gid
from tests.promotion_fixtures import add_template

pytestmark = pytest.mark.usefixtures("demo")

ERRORS = "userErrors { field code message }"
COUPON_FIELDS = "id code status template { name } validFrom validUntil redeemedAt member { id } redeemedLocation { id }"
CLAIM = f"mutation($code: String!) {{ couponClaim(code: $code) {{ coupon {{ {COUPON_FIELDS} }} {ERRORS} }} }}"
APPLY = f"""mutation($id: ID!, $code: String!) {{
  cartCouponApply(cartId: $id, code: $code) {{ cart {{ {CART_FIELDS} couponProblem }} {ERRORS} }} }}"""
REMOVE = f"""mutation($id: ID!) {{ cartCouponRemove(cartId: $id) {{ cart {{ appliedCoupon }} {ERRORS} }} }}"""
REDEEM = f"""mutation($code: String!, $input: CouponRedeemInput) {{
  couponRedeem(code: $code, input: $input) {{ coupon {{ {COUPON_FIELDS} }} {ERRORS} }} }}"""
COUPON = f"query($code: String!) {{ coupon(code: $code) {{ {COUPON_FIELDS} }} }}"
MY_COUPONS = (
    "query($first: Int, $after: String) { me { coupons(first: $first, after: $after) { totalCount "
    "edges { node { code status } } pageInfo { hasNextPage endCursor } } } }"
)
CART = f"query($id: ID!) {{ cart(id: $id) {{ {CART_FIELDS} couponProblem }} }}"


@pytest.fixture
async def shop(client: Any, demo: AsyncEngine) -> Shop:
    return await open_shop(client, demo)


async def claim(shop: Shop, member: SignedIn, code: str) -> dict[str, Any]:
    result: dict[str, Any] = (await shop.client.data(CLAIM, {"code": code}, token=member.token))["couponClaim"]
    return result


async def claimed(shop: Shop, member: SignedIn, code: str) -> str:
    result = await claim(shop, member, code)
    assert result["userErrors"] == [], result["userErrors"]
    return str(result["coupon"]["code"])


async def apply(shop: Shop, cart_id: str, code: str, token: str | None) -> dict[str, Any]:
    result: dict[str, Any] = (await shop.client.data(APPLY, {"id": cart_id, "code": code}, token=token))[
        "cartCouponApply"
    ]
    return result


async def redeem(shop: Shop, code: str, token: str, **given: Any) -> dict[str, Any]:
    result: dict[str, Any] = (await shop.client.data(REDEEM, {"code": code, "input": given or None}, token=token))[
        "couponRedeem"
    ]
    return result


async def campaign(shop: Shop, code: str = "SPRING10", **options: Any) -> int:
    return await add_template(
        shop.engine, options.pop("action", PercentOff(Decimal(10))), name="Spring", campaign_code=code, **options
    )


# --- claiming ------------------------------------------------------------------------------------


async def test_a_member_claims_a_campaign_code_and_gets_a_personal_coupon(shop: Shop) -> None:
    await campaign(shop, valid_days=30)
    ann = await new_member(shop.client)
    coupon = (await claim(shop, ann, " spring10 "))["coupon"]
    assert coupon["status"] == "ACTIVE" and coupon["member"] == {"id": ann.id} and coupon["redeemedAt"] is None
    assert coupon["template"] == {"name": "Spring"}
    assert len(coupon["code"]) == 12 and coupon["code"] != "SPRING10"
    assert coupon["validUntil"] is not None and coupon["validFrom"] is not None
    mine = (await shop.client.data(MY_COUPONS, token=ann.token))["me"]["coupons"]
    assert mine["totalCount"] == 1 and mine["edges"] == [{"node": {"code": coupon["code"], "status": "ACTIVE"}}]
    seen = (await shop.client.data(COUPON, {"code": coupon["code"].lower()}, token=ann.token))["coupon"]
    assert seen["id"] == coupon["id"]


async def test_a_coupon_is_private_to_its_member_and_the_tills(shop: Shop) -> None:
    await campaign(shop)
    ann, bob = await new_member(shop.client), await new_member(shop.client, "bob@example.com")
    code = await claimed(shop, ann, "SPRING10")
    assert (await shop.client.data(COUPON, {"code": code}, token=bob.token))["coupon"] is None
    assert (await shop.client.data(COUPON, {"code": code}))["coupon"] is None
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    assert (await shop.client.data(COUPON, {"code": code}, token=cashier))["coupon"]["code"] == code


async def test_claims_are_refused_with_the_reason(shop: Shop) -> None:
    await campaign(shop, total_quantity=2)
    now = system_clock()
    await campaign(shop, "OVER", valid_until=now - timedelta(days=1), valid_from=now - timedelta(days=9))
    ann, bob = await new_member(shop.client), await new_member(shop.client, "bob@example.com")
    await claimed(shop, ann, "SPRING10")
    assert errors(await claim(shop, ann, "SPRING10")) == [("COUPON_LIMIT_REACHED", ["code"])]
    await claimed(shop, await new_member(shop.client, "cy@example.com"), "SPRING10")
    assert errors(await claim(shop, bob, "SPRING10")) == [("COUPON_EXHAUSTED", ["code"])]
    assert errors(await claim(shop, bob, "NOPE")) == [("COUPON_INVALID", ["code"])]
    assert errors(await claim(shop, bob, "OVER")) == [("COUPON_EXPIRED", ["code"])]
    mine = (await shop.client.data(MY_COUPONS, token=bob.token))["me"]["coupons"]
    assert mine["totalCount"] == 0
    assert top_code(await shop.client.post(CLAIM, {"code": "SPRING10"})) == "UNAUTHENTICATED"


# --- online: apply, checkout, cancel -------------------------------------------------------------


async def test_an_applied_coupon_shows_on_the_lines_and_is_redeemed_at_checkout(shop: Shop) -> None:
    await campaign(shop)
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "SPRING10")
    cart = await shop.cart([(0, 2), (2, 1)], token=ann.token)  # 100.00 + 9.99
    applied = await apply(shop, cart["id"], "spring10", ann.token)  # the campaign code finds her coupon
    assert applied["userErrors"] == []
    cart = applied["cart"]
    assert cart["appliedCoupon"] == code and cart["couponProblem"] is None
    assert [ln["discounts"] for ln in cart["lines"]] == [[{"label": f"Coupon {code}"}]] * 2
    assert [ln["total"]["amount"] for ln in cart["lines"]] == ["90.00", "8.99"]
    assert (cart["subtotal"]["amount"], cart["discountTotal"]["amount"]) == ("109.99", "11.00")
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    assert order["discountTotal"]["amount"] == "11.00" and order["total"]["amount"] == "108.99"  # + 10.00 shipping
    read = await shop.client.data(
        "query($id: ID!) { order(id: $id) { coupon { code status } pointsMultiplier } }",
        {"id": order["id"]},
        token=ann.token,
    )
    assert read["order"] == {"coupon": {"code": code, "status": "REDEEMED"}, "pointsMultiplier": "1"}
    assert [ln["discounts"] for ln in order["lines"]] == [[{"label": f"Coupon {code}"}]] * 2
    used = (await shop.client.data(COUPON, {"code": code}, token=ann.token))["coupon"]
    assert used["status"] == "REDEEMED" and used["redeemedAt"] is not None and used["redeemedLocation"] is None

    again = await shop.cart([(0, 1)], token=ann.token)
    assert errors(await apply(shop, again["id"], code, ann.token)) == [("COUPON_ALREADY_REDEEMED", ["code"])]


async def test_cancelling_an_unpaid_order_gives_the_coupon_back(shop: Shop) -> None:
    await campaign(shop)
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "SPRING10")
    cart = await shop.cart([(0, 1)], token=ann.token)
    assert (await apply(shop, cart["id"], code, ann.token))["userErrors"] == []
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token)
    order = await placed(shop, cart["id"], token=ann.token)
    cancelled = (await shop.client.data(CANCEL, {"id": order["id"]}, token=ann.token))["orderCancel"]
    assert cancelled["userErrors"] == []
    assert [e["type"] for e in cancelled["order"]["events"]][-1] == "COUPON_RETURNED"
    assert (await shop.client.data(COUPON, {"code": code}, token=ann.token))["coupon"]["status"] == "ACTIVE"
    second = await shop.cart([(1, 1)], token=ann.token)
    assert (await apply(shop, second["id"], code, ann.token))["userErrors"] == []


async def test_apply_explains_why_a_coupon_does_not_apply(shop: Shop) -> None:
    now = system_clock()
    await campaign(shop, "MIN200", action=AmountOff(Decimal(30)), conditions=Conditions(min_subtotal=Decimal(200)))
    await campaign(shop, "TILLONLY", redeemable_at=RedeemWhere.IN_STORE)
    await campaign(shop, "SHORT", valid_from=now - timedelta(days=2), valid_until=now + timedelta(seconds=2))
    ann, bob = await new_member(shop.client), await new_member(shop.client, "bob@example.com")
    codes = {c: await claimed(shop, ann, c) for c in ("MIN200", "TILLONLY", "SHORT")}
    bobs = await claimed(shop, bob, "MIN200")
    cart = await shop.cart([(0, 1)], token=ann.token)  # 50.00

    refused = await apply(shop, cart["id"], codes["MIN200"], ann.token)
    assert errors(refused) == [("COUPON_NOT_APPLICABLE", ["code"])]
    assert "200" in refused["userErrors"][0]["message"]
    assert errors(await apply(shop, cart["id"], codes["TILLONLY"], ann.token)) == [("COUPON_NOT_APPLICABLE", ["code"])]
    assert errors(await apply(shop, cart["id"], bobs, ann.token)) == [("COUPON_INVALID", ["code"])]
    assert errors(await apply(shop, cart["id"], "", ann.token)) == [("REQUIRED", ["code"])]
    guest = await shop.cart([(0, 1)])
    assert errors(await apply(shop, guest["id"], codes["SHORT"], None)) == [("COUPON_INVALID", ["code"])]
    read = (await shop.client.data(CART, {"id": cart["id"]}, token=ann.token))["cart"]
    assert read["appliedCoupon"] is None and read["discountTotal"]["amount"] == "0.00"  # nothing was written


async def test_a_cart_keeps_its_coupon_and_says_when_it_stops_applying(shop: Shop) -> None:
    await campaign(shop, "MIN100", action=AmountOff(Decimal(30)), conditions=Conditions(min_subtotal=Decimal(100)))
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "MIN100")
    cart = await shop.cart([(0, 2)], token=ann.token)  # 100.00
    assert (await apply(shop, cart["id"], code, ann.token))["cart"]["discountTotal"]["amount"] == "30.00"
    line = cart["lines"][0]["id"]
    lowered = (
        await shop.client.data(
            "mutation($id: ID!, $l: [CartLineUpdateInput!]!) { cartLinesUpdate(cartId: $id, lines: $l) "
            "{ cart { appliedCoupon couponProblem discountTotal { amount } } } }",
            {"id": cart["id"], "l": [{"lineId": line, "quantity": 1}]},
            token=ann.token,
        )
    )["cartLinesUpdate"]["cart"]
    assert lowered["appliedCoupon"] == code and lowered["discountTotal"] == {"amount": "0.00"}
    assert "100" in lowered["couponProblem"]
    await shop.fulfil(cart["id"], {"method": "DELIVERY", "address": address()}, ann.token)
    assert errors(await checkout(shop, cart["id"], token=ann.token)) == [("COUPON_NOT_APPLICABLE", ["cartId"])]
    removed = (await shop.client.data(REMOVE, {"id": cart["id"]}, token=ann.token))["cartCouponRemove"]
    assert removed == {"cart": {"appliedCoupon": None}, "userErrors": []}
    assert (await checkout(shop, cart["id"], token=ann.token))["userErrors"] == []


# --- at the till ----------------------------------------------------------------------------------


async def test_the_till_writes_a_coupon_off_once(shop: Shop) -> None:
    await campaign(shop)
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "SPRING10")
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    done = await redeem(shop, code.lower(), cashier)
    assert done["userErrors"] == []
    assert done["coupon"]["status"] == "REDEEMED"
    assert done["coupon"]["redeemedLocation"] == {"id": location_gid(shop.store_a)}
    assert errors(await redeem(shop, code, cashier)) == [("COUPON_ALREADY_REDEEMED", ["code"])]
    cart = await shop.cart([(0, 1)], token=ann.token)
    assert errors(await apply(shop, cart["id"], code, ann.token)) == [("COUPON_ALREADY_REDEEMED", ["code"])]


async def test_till_write_offs_are_refused_with_the_reason(shop: Shop) -> None:
    await campaign(shop, "WEBONLY", redeemable_at=RedeemWhere.ONLINE)
    await campaign(shop)
    ann = await new_member(shop.client)
    web, spring = await claimed(shop, ann, "WEBONLY"), await claimed(shop, ann, "SPRING10")
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    admin = await shop.client.staff_token(shop.engine, StaffRole.ADMIN)
    assert errors(await redeem(shop, web, cashier)) == [("COUPON_NOT_APPLICABLE", ["code"])]
    assert errors(await redeem(shop, "NOSUCHCODE12", cashier)) == [("COUPON_INVALID", ["code"])]
    assert errors(await redeem(shop, spring, cashier, locationId=location_gid(shop.store_b))) == [
        ("NOT_FOUND", ["input", "locationId"])
    ]
    assert errors(await redeem(shop, spring, admin)) == [("REQUIRED", ["input", "locationId"])]
    assert errors(await redeem(shop, spring, cashier, orderId="T3JkZXI6bm9wZQ==")) == [
        ("NOT_FOUND", ["input", "orderId"])
    ]
    assert top_code(await shop.client.post(REDEEM, {"code": spring}, token=ann.token)) == "FORBIDDEN"
    assert top_code(await shop.client.post(REDEEM, {"code": spring})) == "UNAUTHENTICATED"
    assert (await shop.client.data(COUPON, {"code": spring}, token=ann.token))["coupon"]["status"] == "ACTIVE"
    by_admin = await redeem(shop, spring, admin, locationId=location_gid(shop.store_b))
    assert by_admin["coupon"]["redeemedLocation"] == {"id": location_gid(shop.store_b)}


async def test_a_pos_cart_uses_the_members_coupon_at_the_till(shop: Shop) -> None:
    await campaign(shop, "TILL5", action=AmountOff(Decimal(5)), redeemable_at=RedeemWhere.IN_STORE)
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "TILL5")
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier, member_id=ann.id)
    assert (await apply(shop, cart["id"], code, cashier))["cart"]["total"]["amount"] == "115.00"
    order = await placed(shop, cart["id"], token=cashier)
    assert order["total"]["amount"] == "115.00"
    used = (await shop.client.data(COUPON, {"code": code}, token=cashier))["coupon"]
    assert used["status"] == "REDEEMED" and used["redeemedLocation"] == {"id": location_gid(shop.store_a)}


async def test_the_till_never_writes_a_coupon_off_against_an_order_placed_without_it(shop: Shop) -> None:
    """Linking a coupon to a placed order used to mark it REDEEMED while the order kept its full price."""
    await campaign(shop, "TILL5", action=AmountOff(Decimal(5)), redeemable_at=RedeemWhere.IN_STORE)
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "TILL5")
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    other = await shop.client.staff_token(
        shop.engine, StaffRole.CASHIER, email="b@example.com", location_id=shop.store_b
    )
    cart = await shop.cart([(1, 1)], channel="pos", token=cashier, member_id=ann.id)
    order = await placed(shop, cart["id"], token=cashier)
    assert errors(await redeem(shop, code, cashier, orderId=order["id"])) == [
        ("COUPON_NOT_APPLICABLE", ["input", "orderId"])
    ]
    assert errors(await redeem(shop, code, other, orderId=order["id"])) == [("NOT_FOUND", ["input", "orderId"])]
    assert (await shop.client.data(COUPON, {"code": code}, token=ann.token))["coupon"]["status"] == "ACTIVE"
    assert order["total"]["amount"] == "120.00"


async def test_a_spent_campaign_coupon_is_said_to_be_used(shop: Shop) -> None:
    """Not "claim it first" (cartCouponApply) nor "limit reached" (couponClaim): the member used theirs."""
    await campaign(shop, "WELCOME10")
    ann = await new_member(shop.client)
    code = await claimed(shop, ann, "WELCOME10")
    cashier = await shop.client.staff_token(shop.engine, StaffRole.CASHIER, location_id=shop.store_a)
    assert (await redeem(shop, code, cashier))["userErrors"] == []
    cart = await shop.cart([(0, 1)], token=ann.token)
    applied = await apply(shop, cart["id"], "welcome10", ann.token)
    claimed_again = await claim(shop, ann, "WELCOME10")
    for payload in (applied, claimed_again):
        assert errors(payload) == [("COUPON_ALREADY_REDEEMED", ["code"])]
        assert payload["userErrors"][0]["message"] == "You have already used your WELCOME10 coupon."
