"""Pickup codes: what a customer shows at the store to collect a PICKUP order.

A code is 6 digits derived from the server's secret, the order's random token and the checkout's
idempotency key (an HMAC), so a retried `checkoutComplete` (same cart, same key: the same caller)
gets the same code back when the first answer was lost, and nobody without the secret can work
it out. Only a salted SHA-256 of it is stored (salted with the order's token), so a leaked database
does not hand out codes. Guessing is bounded by the attempt limit: after MAX_ATTEMPTS wrong codes
the order is only handed over by customer service.
"""

from __future__ import annotations

import hashlib
import hmac

CODE_DIGITS = 6
MAX_ATTEMPTS = 5


def pickup_code(secret: str, order_token: str, idempotency_key: str) -> str:
    """The order's code; the same for every retry of its checkout."""
    digest = hmac.new(secret.encode(), f"pickup-code:{order_token}:{idempotency_key}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def hash_pickup_code(order_token: str, code: str) -> str:
    return hashlib.sha256(f"{order_token}:{code}".encode()).hexdigest()


def pickup_code_matches(order_token: str, stored_hash: str | None, given: str) -> bool:
    code = given.strip()
    if stored_hash is None or not (code.isascii() and code.isdigit() and len(code) == CODE_DIGITS):
        return False
    return hmac.compare_digest(hash_pickup_code(order_token, code), stored_hash)
