"""`omnishop serve --workers N`: worker processes that each listen on a socket of their own.

uvicorn's supervisor hands every worker the one listening socket. The worker that wakes first then
accepts every connection waiting (uvloop accepts in a loop), so connections opened together land
unevenly: a flash sale's 64 connections fell 61 / 3 between two workers, and the busy worker's queue
set the checkout's p95 (900 ms, against 247 ms when they fell 31 / 33: docs/performance.md). Here
each worker listens on a socket of its own, all bound to the one address with SO_REUSEPORT, and the
kernel spreads new connections between them by their addresses.

SO_REUSEPORT spreads connections on Linux only; elsewhere `serve` keeps uvicorn's supervisor.
"""

from __future__ import annotations

import logging
import signal
import socket
import sys
import threading

from uvicorn.config import STARTUP_FAILURE, Config
from uvicorn.supervisors.multiprocess import Process

from api.preflight import OperatorError

logger = logging.getLogger("uvicorn.error")


def spreads_connections() -> bool:
    """Whether the kernel spreads connections between sockets bound with SO_REUSEPORT."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(host: str, port: int, count: int) -> list[socket.socket]:
    """`count` sockets listening on one address (port 0: one free port for all).

    The address is first bound once without SO_REUSEPORT, so that a port another server holds is
    refused as in use rather than silently shared with it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sockets: list[socket.socket] = []
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
            port = probe.getsockname()[1]
        for _ in range(count):
            sock = socket.socket(family, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            sock.bind((host, port))
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in sockets:
            sock.close()
        raise OperatorError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from exc
    return sockets


class Workers:
    """A worker per socket, each replaced when it dies or stops answering its health check.

    SIGINT and SIGTERM stop them all. SIGHUP replaces them one at a time, each new worker serving
    before the one it replaces leaves. The number of workers is fixed: SIGTTIN and SIGTTOU, which
    uvicorn's supervisor takes to add or remove one, are ignored."""

    def __init__(self, config: Config, sockets: list[socket.socket]) -> None:
        self.config = config
        self.sockets = sockets
        self.processes: list[Process] = []
        self.should_exit = threading.Event()
        self.failed = False
        self.pending: list[int] = []

    def run(self) -> int:
        """Serve until told to stop; the exit status (STARTUP_FAILURE when a worker could not start)."""
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGTTIN, signal.SIGTTOU):
            signal.signal(sig, lambda sig, frame: self.pending.append(sig))
        host, port = self.sockets[0].getsockname()[:2]
        logger.info(
            "Uvicorn running on http://%s:%d with %d workers (Press CTRL+C to quit)", host, port, len(self.sockets)
        )
        self.processes = [self._start(slot) for slot in range(len(self.sockets))]
        while not self.should_exit.wait(0.5):
            self._handle_signals()
            self._replace_dead()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.join()
        for sock in self.sockets:
            sock.close()
        return STARTUP_FAILURE if self.failed else 0

    def _handle_signals(self) -> None:
        while self.pending:
            sig = self.pending.pop(0)
            if sig in (signal.SIGINT, signal.SIGTERM):
                logger.info("Received %s, exiting.", signal.Signals(sig).name)
                self.should_exit.set()
            elif sig == signal.SIGHUP:
                logger.info("Received SIGHUP, restarting the workers.")
                self._restart_all()
            else:
                logger.info("Received %s: the number of workers is fixed by --workers.", signal.Signals(sig).name)

    def _replace_dead(self) -> None:
        for slot, process in enumerate(self.processes):
            if self.should_exit.is_set():
                return
            if process.is_alive(timeout=self.config.timeout_worker_healthcheck):
                continue
            process.kill()  # dead, or alive but not answering
            process.join()
            if process.exitcode == STARTUP_FAILURE:  # the app itself cannot start: another try fails alike
                logger.error("Worker [%s] failed to start; stopping.", process.pid)
                self.failed = True
                self.should_exit.set()
                return
            logger.info("Worker [%s] died; starting another.", process.pid)
            self.processes[slot] = self._start(slot)

    def _restart_all(self) -> None:
        for slot, old in enumerate(self.processes):
            new = self._start(slot)
            if not new.wait_until_ready(self.config.timeout_worker_healthcheck, self.should_exit):
                new.kill()
                new.join()
                logger.error("Worker [%s] was not ready in time; keeping [%s].", new.pid, old.pid)
                return
            old.terminate()
            old.join()
            self.processes[slot] = new

    def _start(self, slot: int) -> Process:
        process = Process(self.config, [self.sockets[slot]])
        process.start()
        return process


def serve_workers(config: Config) -> None:
    """Run `config.workers` workers on `config.host:config.port` until SIGINT or SIGTERM."""
    workers = Workers(config, listening_sockets(config.host, config.port, config.workers))
    status = workers.run()
    if status:
        sys.exit(status)
