"""`ByteLRU`: bounded by the bytes its entries hold, whatever their number."""

from __future__ import annotations

from schema.byte_cache import ENTRY_OVERHEAD, ByteLRU


def test_the_least_recently_used_go_once_the_bytes_are_over_the_bound() -> None:
    cache: ByteLRU[str, str] = ByteLRU(max_bytes=4 * (1_000 + ENTRY_OVERHEAD))
    for key in "abcd":
        cache.put(key, key, 1_000)
    assert cache.get("a") == "a"  # b is now the least recently used
    cache.put("e", "e", 1_000)
    assert [k for k in "abcde" if cache.get(k) is not None] == ["a", "c", "d", "e"]
    assert cache.bytes == 4 * (1_000 + ENTRY_OVERHEAD)


def test_an_entry_of_over_a_quarter_of_the_bound_is_not_kept() -> None:
    cache: ByteLRU[str, str] = ByteLRU(max_bytes=10_000)
    cache.put("small", "s", 100)
    cache.put("big", "b", 3_000)
    assert cache.get("big") is None and cache.get("small") == "s"


def test_replacing_or_removing_an_entry_gives_its_bytes_back() -> None:
    cache: ByteLRU[str, str] = ByteLRU(max_bytes=10_000)
    cache.put("k", "v", 1_000)
    cache.put("k", "w", 500)
    assert cache.bytes == 500 + ENTRY_OVERHEAD and cache.get("k") == "w"
    cache.pop("k")
    assert cache.bytes == 0 and len(cache) == 0
