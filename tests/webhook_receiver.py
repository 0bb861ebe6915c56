"""A real HTTP receiver on 127.0.0.1 for the webhook tests: records each request and answers with
the status the test sets per path (or never answers, for a dead endpoint)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field

WAIT = 30.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    server: asyncio.Server | None = None
    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)  # path: answers in turn
    hanging: set[str] = field(default_factory=set)  # paths that never answer
    endless: set[str] = field(default_factory=set)  # paths that answer 200 with a body that never ends
    bodies: dict[str, bytes] = field(default_factory=dict)  # path: the body of its answers (default "ok")
    _arrived: asyncio.Condition = field(default_factory=asyncio.Condition)
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]

    async def wait_for(self, path: str, count: int) -> list[Received]:
        """Until `count` requests reached `path` (`WAIT` seconds at most: a bound for a failing run, never
        a guess at how long delivery takes, so a loaded machine makes it slower but never wrong)."""
        try:
            async with asyncio.timeout(WAIT), self._arrived:
                await self._arrived.wait_for(lambda: len(self.at(path)) >= count)
        except TimeoutError:
            arrived = [r.path for r in self.received]
            raise AssertionError(f"{count} requests to {path} not in {WAIT} s; arrived: {arrived}") from None
        return self.at(path)

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._closing.set()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await reader.readline()).decode()
            if not request_line:  # closed before asking anything (a sender stopped mid-attempt)
                return
            path = request_line.split(" ")[1]
            headers = {}
            while (line := (await reader.readline()).decode().strip()) != "":
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            async with self._arrived:
                self.received.append(Received(path, headers, body))
                self._arrived.notify_all()
            if path in self.hanging:
                await self._closing.wait()
                return
            if path in self.endless:
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 1000000000000\r\n\r\n")
                while not self._closing.is_set():  # until the sender hangs up (a write then fails)
                    writer.write(b"x" * 65536)
                    await writer.drain()
                return
            queue = self.answers.get(path, [])
            status, extra = queue.pop(0) if len(queue) > 1 else (queue[0] if queue else (204, {}))
            answer = self.bodies.get(path, b"ok")
            lines = [
                f"HTTP/1.1 {status} X",
                f"content-length: {len(answer)}",
                "connection: close",
                *(f"{k}: {v}" for k, v in extra.items()),
            ]
            writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + answer)
            await writer.drain()
        finally:
            with contextlib.suppress(Exception):
                writer.close()
