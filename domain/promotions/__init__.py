"""Promotions and coupons: the rules (`model`), the pure pricing engine (`engine`) and the checks an
administrator's input goes through (`validation`)."""

from domain.promotions.engine import price_cart, spread
from domain.promotions.model import (
    Action,
    AmountOff,
    AppliedPromotion,
    BuyXGetY,
    CartContext,
    CartItem,
    Conditions,
    FixedPrice,
    FreeShipping,
    PercentOff,
    PointsMultiplier,
    PricingResult,
    Promotion,
    PromotionSource,
    coupon_promotion,
    normalize_code,
)
from domain.promotions.validation import validate_promotion

__all__ = [
    "Action",
    "AmountOff",
    "AppliedPromotion",
    "BuyXGetY",
    "CartContext",
    "CartItem",
    "Conditions",
    "FixedPrice",
    "FreeShipping",
    "PercentOff",
    "PointsMultiplier",
    "PricingResult",
    "Promotion",
    "PromotionSource",
    "coupon_promotion",
    "normalize_code",
    "price_cart",
    "spread",
    "validate_promotion",
]
