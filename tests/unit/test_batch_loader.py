"""The dataloader base: one fetch per batch of keys, a declared value for the keys it did not find,
an error (not a null) when a key that must find something finds nothing, and primes that cost no
future until they are loaded."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest

from schema.batch_loader import BatchLoader, OptionalLoader

SEEN: list[list[int]] = []


async def _squares_of_evens(_session: Any, keys: Sequence[int]) -> dict[int, int]:
    SEEN.append(list(keys))
    return {k: k * k for k in keys if k % 2 == 0}


class SquareByNumberLoader(OptionalLoader[int, int]):
    fetch = staticmethod(_squares_of_evens)


class SquareOrZeroByNumberLoader(BatchLoader[int, int]):
    fetch = staticmethod(_squares_of_evens)
    missing = 0


@pytest.fixture(autouse=True)
def _forget() -> None:
    SEEN.clear()


async def test_keys_asked_for_together_are_fetched_in_one_call() -> None:
    loader = SquareByNumberLoader(None)
    assert await asyncio.gather(*(loader.load(k) for k in (2, 3, 4))) == [4, None, 16]
    assert SEEN == [[2, 3, 4]]


async def test_a_key_not_found_loads_the_declared_missing_value() -> None:
    assert await SquareOrZeroByNumberLoader(None).load_many([3, 4]) == [0, 16]


async def test_a_key_that_must_find_something_fails_loudly_when_it_does_not() -> None:
    loader = SquareByNumberLoader(None)
    assert await loader.load_existing(2) == 4
    with pytest.raises(LookupError, match="SquareByNumberLoader found nothing for 3"):
        await loader.load_existing(3)


async def test_a_primed_key_loads_its_value_without_a_fetch_and_keeps_the_first_value() -> None:
    loader = SquareOrZeroByNumberLoader(None)
    loader.prime(2, 40).prime(2, 41)
    assert await loader.load(4) == 16  # loaded: a later prime does not change it
    loader.prime(4, 99)
    assert await loader.load_many([2, 4]) == [40, 16]
    assert SEEN == [[4]]
    assert not loader._cache.keys() - {2, 4}


async def test_primes_are_dropped_by_clear() -> None:
    loader = SquareOrZeroByNumberLoader(None)
    loader.prime(2, 40).prime(6, 60)
    loader.clear(2)
    assert await loader.load(2) == 4
    loader.clear_all()
    assert await loader.load(6) == 36
    assert SEEN == [[2], [6]]


async def test_fetch_now_reads_in_one_call_and_primes_what_it_read() -> None:
    loader = SquareOrZeroByNumberLoader(None)
    assert await loader.fetch_now([2, 3, 4]) == [4, 0, 16]
    assert await loader.load_many([3, 4]) == [0, 16]
    assert SEEN == [[2, 3, 4]]
    # a key loaded or primed before: as `load_many`, from what the loader has
    loader.prime(8, 80)
    assert await loader.fetch_now([4, 6, 8]) == [16, 36, 80]
    assert SEEN == [[2, 3, 4], [6]]
    # every key primed: the primed values, nothing read
    loader.prime(10, 100).prime(12, 120)
    assert await loader.fetch_now([12, 10]) == [120, 100]
    assert SEEN == [[2, 3, 4], [6]]
