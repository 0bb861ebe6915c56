"""Promotions and coupons in the graph: administration, and coupons as members and tills use them."""
