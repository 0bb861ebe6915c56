"""`omnishop serve --workers 2` on Linux: each worker listens on a socket of its own, so connections opened
together are spread between the workers (with one shared socket the worker that woke first took them
all), a worker that dies is replaced on its socket, and a port another server holds is refused."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 40
LISTEN, ESTABLISHED = "0A", "01"  # socket states in /proc/net/tcp

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads on Linux")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def workers_of(parent: int) -> list[int]:
    """The worker processes `serve` started (not multiprocessing's resource tracker)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in command:
            found.append(int(pid))
    return sorted(found)


def sockets_of(pid: int, port: int, state: str) -> set[str]:
    """The inodes of `pid`'s TCP sockets on local `port` in `state`."""
    on_port = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            on_port.add(fields[9])
    held = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            held.add(target[8:-1])
    return held & on_port


@contextmanager
def serving(tmp_path: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'shop.db'}",
        "SECRET_KEY": "k" * 48,
        "RATE_LIMIT": "false",
        "LOG_LEVEL": "INFO",
    }
    command = [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port), "--workers", "2"]
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(30)


def wait_for(condition: Callable[[], bool], what: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while not condition():
        assert server.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{what}: {log.read_text()[-3000:]}"
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        return httpx.get(url + "/health/live", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def test_workers_listen_apart_share_the_connections_and_are_replaced(tmp_path: Path) -> None:
    port = free_port()
    url, log = f"http://127.0.0.1:{port}", tmp_path / "serve.log"
    with serving(tmp_path, port) as server:
        wait_for(lambda: len(workers_of(server.pid)) == 2 and answers(url), "serve did not answer", server, log)
        first, second = workers_of(server.pid)
        wait_for(
            lambda: all(sockets_of(w, port, LISTEN) for w in (first, second)), "a worker not listening", server, log
        )
        assert sockets_of(first, port, LISTEN).isdisjoint(sockets_of(second, port, LISTEN))

        clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)]
        try:
            for client in clients:  # opened together, then each answered on its own connection
                client.sendall(b"GET /health/live HTTP/1.1\r\nHost: shop\r\n\r\n")
            for client in clients:
                assert client.recv(64).startswith(b"HTTP/1.1 200")
            held = [len(sockets_of(w, port, ESTABLISHED)) for w in (first, second)]
            assert sum(held) == CONNECTIONS and min(held) > 0, held
        finally:
            for client in clients:
                client.close()

        os.kill(first, signal.SIGKILL)
        wait_for(
            lambda: first not in workers_of(server.pid) and len(workers_of(server.pid)) == 2,
            "no new worker",
            server,
            log,
        )
        for _ in range(20):  # whichever socket a connection lands on, someone accepts it
            response = httpx.get(url + "/health/live", headers={"Connection": "close"}, timeout=30)
            assert response.status_code == 200

        taken = subprocess.run(
            [sys.executable, "-c", "from api.cli import app; app()", "serve", "--port", str(port), "--workers", "2"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'other.db'}", "SECRET_KEY": "k" * 48},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert taken.returncode != 0 and "Address already in use" in taken.stdout + taken.stderr

        server.send_signal(signal.SIGTERM)
        assert server.wait(30) == 0
    assert "died; starting another" in log.read_text()
