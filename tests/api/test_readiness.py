"""/health/ready follows the database, and an outage is logged once when it starts and once when it ends."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from api.app import Readiness
from db.engine import create_engine


async def test_outage_is_said_once_and_its_end_too(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gone' / 'shop.db'}"
    (tmp_path / "gone").mkdir()
    engine = create_engine(url)
    readiness = Readiness(url)
    try:
        assert await readiness.check(engine)
        await engine.dispose()
        (tmp_path / "gone").rename(tmp_path / "away")  # the database's folder is gone: unreachable
        with caplog.at_level(logging.INFO, logger="omnishop"):
            assert [await readiness.check(engine) for _ in range(3)] == [False, False, False]
            (tmp_path / "away").rename(tmp_path / "gone")
            assert await readiness.check(engine) and await readiness.check(engine)
    finally:
        await engine.dispose()
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name == "omnishop"]
    assert len(said) == 2 and all(r.exc_info is None for r in caplog.records), said
    assert said[0][0] == "ERROR" and said[0][1].startswith("Database unreachable, /health/ready answers 503")
    assert said[1] == ("WARNING", "Database reachable again; /health/ready is green.")
