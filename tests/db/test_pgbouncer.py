"""PgBouncer in transaction mode (`?pgbouncer=true` in DATABASE_URL): every statement runs inside a
transaction as an unnamed prepared statement, so that a server connection lent to another client
between two transactions holds nothing of this client's, neither a name to collide with nor a statement
left behind.

The last test runs a real PgBouncer (transaction mode, one server connection) in front of the test
server when the `pgbouncer` program is installed: without the option two clients collide on asyncpg's
numbered statement names; with it, concurrent reads and writes go through."""

from __future__ import annotations

import asyncio
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from api.preflight import OperatorError, describe_database_error, open_database
from db.engine import PGBOUNCER_OPTION, create_engine, create_session_factory, split_pgbouncer
from db.models import Base, Channel
from db.uow import SqlUnitOfWork
from tests import postgres
from tools.examples import free_port


def test_the_option_is_taken_out_of_the_url_and_read() -> None:
    url, on = split_pgbouncer("postgresql://shop@db:6432/shop?pgbouncer=true&ssl=require")
    assert on and url.query == {"ssl": "require"} and url.port == 6432
    assert split_pgbouncer("postgresql://shop@db/shop?pgbouncer=0")[1] is False
    assert split_pgbouncer("postgresql://shop@db/shop")[1] is False
    with pytest.raises(ValueError, match="pgbouncer='maybe' must be true or false"):
        split_pgbouncer("postgresql://shop@db/shop?pgbouncer=maybe")


async def test_a_bad_value_is_one_line_for_the_operator() -> None:
    with pytest.raises(OperatorError, match="must be true or false"):
        async with open_database("postgresql://shop@db/shop?pgbouncer=maybe"):
            pass


def test_a_statement_name_collision_points_at_the_option() -> None:
    error = DBAPIError("SELECT 1", None, Exception('prepared statement "__asyncpg_stmt_1__" already exists'))
    line = describe_database_error("postgresql://shop@db:6432/shop", error)
    assert line is not None and "Add `?pgbouncer=true` to DATABASE_URL" in line


async def test_reads_run_in_a_transaction_and_leave_no_prepared_statement() -> None:
    async with postgres.throwaway_database("omnishop_pgb", await postgres.require_server()) as url:
        engine = create_engine(f"{url}?pgbouncer=true", pool_size=2)
        try:
            assert engine.get_execution_options()[PGBOUNCER_OPTION]
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            async with create_session_factory(engine, autocommit_reads=True)() as session:
                for _ in range(3):
                    assert await session.scalar(sa.select(sa.func.count()).select_from(Channel)) == 0
                raw = await (await session.connection()).get_raw_connection()
                assert raw.driver_connection.is_in_transaction()  # not autocommit: one server connection
                names = (await session.scalars(sa.text("SELECT name FROM pg_prepared_statements"))).all()
            assert names == []  # named ones would pile up on PgBouncer's server connections
        finally:
            await engine.dispose()


@contextmanager
def _pgbouncer(server_url: str) -> Iterator[int]:
    """PgBouncer in transaction mode with one server connection to `server_url`'s server; its port."""
    program = shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/bin/pgbouncer") if os.path.exists(p)), None
    )
    if program is None:
        pytest.skip("pgbouncer is not installed")
    server = make_url(server_url)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="omnishop-pgbouncer-") as tmp:
        target = f"host={server.host or '127.0.0.1'} port={server.port or 5432} user={server.username or 'postgres'}"
        if server.password:
            target += f" password={server.password}"
        (Path(tmp) / "pgbouncer.ini").write_text(
            f"[databases]\n* = {target}\n[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n"
            "auth_type = any\npool_mode = transaction\ndefault_pool_size = 1\nmax_client_conn = 50\n"
            "query_wait_timeout = 10\nunix_socket_dir =\n"
        )
        command = [program, f"{tmp}/pgbouncer.ini"]
        if os.geteuid() == 0:  # PgBouncer refuses to run as root
            user = "postgres" if any(p.pw_name == "postgres" for p in pwd.getpwall()) else "nobody"
            os.chmod(tmp, 0o755)
            command[1:1] = ["-u", user]
        bouncer = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield port
        finally:
            bouncer.terminate()
            bouncer.wait(10)


_CLIENT = """
import asyncio, sys
import sqlalchemy as sa
from db.engine import create_engine

async def main():
    engine = create_engine(sys.argv[1], pool_size=2)
    try:
        async with engine.connect() as conn:
            for _ in range(2):
                await conn.execute(sa.text("SELECT count(*) FROM channels"))
                await conn.commit()
    finally:
        await engine.dispose()

try:
    asyncio.run(main())
    print("ok")
except sa.exc.DBAPIError as e:
    print("already exists" if "already exists" in str(e) else e)
"""


def _one_process(url: str) -> str:
    """Run a client in a process of its own; "ok", or what went wrong."""
    done = subprocess.run([sys.executable, "-c", _CLIENT, url], capture_output=True, text=True, timeout=60)
    return done.stdout.strip() or done.stderr[-400:]


async def _wait_for(url: str) -> None:
    for _ in range(50):
        if await postgres.reachable(url):
            return
        await asyncio.sleep(0.1)
    pytest.fail("PgBouncer did not start")


async def test_behind_a_real_pgbouncer_in_transaction_mode() -> None:
    admin = await postgres.require_server()
    async with postgres.throwaway_database("omnishop_pgb", admin) as url:
        setup = create_engine(url, pool_size=2)
        async with setup.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        await setup.dispose()
        with _pgbouncer(admin) as port:
            bounced = make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
            await _wait_for(bounced)

            # asyncpg numbers its statements per process: a second process, given the server connection
            # the first left its statements on, prepares the same names
            assert [_one_process(bounced) for _ in range(2)][1] == "already exists"
            assert [_one_process(f"{bounced}?pgbouncer=true") for _ in range(2)] == ["ok", "ok"]

            engine = create_engine(f"{bounced}?pgbouncer=true", pool_size=8)
            sessions = create_session_factory(engine, autocommit_reads=True)

            async def shop(n: int) -> int:
                async with sessions() as session:
                    await session.scalar(sa.select(sa.func.count()).select_from(Channel))
                    async with SqlUnitOfWork(session).transaction():
                        session.add(Channel(slug=f"c{n}", name=f"C{n}", currency="CNY", kind="PC", ownership="DIRECT"))
                    return int(await session.scalar(sa.select(sa.func.count()).select_from(Channel)) or 0)

            async def left_on_the_server() -> int:  # the one server connection's prepared statements
                async with sessions() as session:
                    return int(await session.scalar(sa.text("SELECT count(*) FROM pg_prepared_statements")) or 0)

            try:
                before = await left_on_the_server()
                counts = await asyncio.gather(*(shop(n) for n in range(16)))
                after = await left_on_the_server()
            finally:
                await engine.dispose()
            assert max(counts) == 16
            assert after == before  # 16 sessions' statements, none of them left behind
