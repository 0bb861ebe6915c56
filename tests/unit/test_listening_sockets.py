"""`serve --workers N`'s sockets: one per worker on one address, and never a port another server holds."""

from __future__ import annotations

import socket
import sys

import pytest

from api.preflight import OperatorError
from api.workers import listening_sockets

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="SO_REUSEPORT spreads on Linux")


def test_each_worker_gets_a_socket_of_its_own_on_one_port() -> None:
    sockets = listening_sockets("127.0.0.1", 0, 3)
    try:
        assert len({s.fileno() for s in sockets}) == 3
        assert len({s.getsockname() for s in sockets}) == 1
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in sockets)
        assert all(s.get_inheritable() for s in sockets)
    finally:
        for s in sockets:
            s.close()


def test_a_port_already_held_is_refused_not_shared() -> None:
    for holder_shares in (False, True):  # even a holder that would let SO_REUSEPORT sockets join
        with socket.socket() as holder:
            if holder_shares:
                holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            holder.bind(("127.0.0.1", 0))
            holder.listen()
            port = holder.getsockname()[1]
            with pytest.raises(OperatorError, match=f"Cannot listen on 127.0.0.1:{port}: Address already in use"):
                listening_sockets("127.0.0.1", port, 2)
