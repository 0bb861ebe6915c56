"""How the account use cases hash and check passwords (the hasher itself is an adapter)."""

from __future__ import annotations

from typing import Protocol


class PasswordHasher(Protocol):
    """A slow, salted password hash; both methods run off the event loop (they are CPU-bound)."""

    async def hash(self, password: str) -> str: ...

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """True when `password` matches; with no hash (no such account) False, after as much work
        as a real check, so that "no such account" and "wrong password" take the same time."""
        ...
