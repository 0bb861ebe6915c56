"""Password hashing with argon2id: the domain's `PasswordHasher`.

The cost parameters come from settings so that tests can use cheap hashes while production
keeps argon2-cffi's recommended defaults. Hashing is CPU-bound, so it runs in a thread
(argon2-cffi releases the GIL) and the event loop keeps serving other requests.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError


class Argon2Hasher:
    def __init__(self, time_cost: int = 3, memory_cost: int = 65536, parallelism: int = 1) -> None:
        self._argon2 = _Argon2(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
        # A hash of nothing, verified against when the account does not exist, so that
        # "no such account" and "wrong password" take the same time.
        self._decoy = self._argon2.hash("omnishop-decoy-password")

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._argon2.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        return await asyncio.to_thread(self._verify, password_hash or self._decoy, password, password_hash is not None)

    def _verify(self, password_hash: str, password: str, real: bool) -> bool:
        try:
            return self._argon2.verify(password_hash, password) and real
        except (VerificationError, InvalidHashError):
            return False
