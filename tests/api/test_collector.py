"""A server worker's garbage collector (api/app.py `settle_collector`): the app frozen out of its way,
and its young generation collected every `GC_YOUNG_THRESHOLD` objects rather than Python's 700."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from api import app as app_module
from api.settings import Settings


@pytest.fixture
def collector() -> Iterator[tuple[int, int, int]]:
    before = gc.get_threshold()
    yield before
    gc.unfreeze()
    gc.set_threshold(*before)


def test_a_worker_collects_its_young_generation_less_often(collector: tuple[int, int, int]) -> None:
    assert Settings(_env_file=None).gc_young_threshold == 10_000  # type: ignore[call-arg]
    app_module.settle_collector(Settings(gc_young_threshold=12_345, _env_file=None))  # type: ignore[call-arg]
    assert gc.get_threshold() == (12_345, *collector[1:])
    assert gc.get_freeze_count() > 0


def test_the_worker_factory_settles_the_collector(
    collector: tuple[int, int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GC_YOUNG_THRESHOLD", "23456")
    monkeypatch.setenv("OMNISHOP_DEMO", "1")  # a generated secret key
    app_module.app_from_env()
    assert gc.get_threshold()[0] == 23_456
