"""Pickup codes: what a customer shows at the store to collect a PICKUP order.

A code is 6 random digits. Only a salted SHA-256 of it is stored (salted with the order's random
token), so the code is shown to the buyer once, when the order is placed, and a leaked database
does not hand out codes. Guessing is bounded by the attempt limit: after MAX_ATTEMPTS wrong codes
the order is only handed over by customer service.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

CODE_DIGITS = 6
MAX_ATTEMPTS = 5


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def hash_pickup_code(order_token: str, code: str) -> str:
    return hashlib.sha256(f"{order_token}:{code}".encode()).hexdigest()


def pickup_code_matches(order_token: str, stored_hash: str | None, given: str) -> bool:
    code = given.strip()
    if stored_hash is None or not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        return False
    return hmac.compare_digest(hash_pickup_code(order_token, code), stored_hash)
