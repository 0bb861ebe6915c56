"""How `omnishop serve` runs the metrics: the workers' shared directory, and `METRICS_PORT`.

With `METRICS=true`, `serve` gives its workers a private temporary directory as
`PROMETHEUS_MULTIPROC_DIR` (unless the operator set one), set before any worker starts, so that each
worker writes its values there and a scrape adds up all of them; the directory goes when `serve`
stops. With `METRICS_PORT` the metrics are not at `/metrics` of the API's port but on a port of their
own, served by `serve`'s own process (not a worker, so the port is bound once however many workers
there are) from a small thread, behind `METRICS_TOKEN` too when it is set.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from api.settings import Settings

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_directory(settings: Settings) -> Iterator[str | None]:
    """The workers' metrics directory while `serve` runs (None with metrics off)."""
    if not settings.metrics:
        yield None
        return
    given = os.environ.get(MULTIPROC_ENV)
    if given:
        yield given
        return
    path = tempfile.mkdtemp(prefix="omnishop-metrics-")
    os.environ[MULTIPROC_ENV] = path
    try:
        yield path
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(path, ignore_errors=True)


def metrics_app(token: str | None) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    """A WSGI app answering every GET with the workers' metrics (401 without the token when one is set)."""
    from prometheus_client import generate_latest

    from api.metrics import CONTENT_TYPE, authorized, scrape_registry

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not authorized(environ.get("HTTP_AUTHORIZATION"), token):
            start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
            return [b"A bearer token is needed to read the metrics.\n"]
        body = generate_latest(scrape_registry())
        start_response("200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(body)))])
        return [body]

    return app


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds are not news
        pass


@contextmanager
def metrics_port(settings: Settings, host: str) -> Iterator[None]:
    """Serve the metrics on `METRICS_PORT` of `host` while `serve` runs (nothing when it is unset)."""
    if not settings.metrics or settings.metrics_port is None:
        yield
        return
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    server = make_server(host, settings.metrics_port, metrics_app(token), _Server, _Quiet)
    thread = threading.Thread(target=server.serve_forever, name="metrics-port", daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
