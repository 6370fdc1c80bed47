"""A loopback host that takes a request and then hangs, on an address of its own.

The monitor asks one host one thing at a time, and a host is its name or address (not
its port): a stuck server on 127.0.0.1 would hold up every other test server there.
So the stuck host listens on another loopback address (127.0.0.2 by default; Linux
answers on all of 127/8), and the rest of a test stays on 127.0.0.1.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.support.slowserver import serve

#: What the host does with a connection once it has read the request; ``stop`` is set at the end.
Behaviour = Callable[[socket.socket, threading.Event], None]


def silent(conn: socket.socket, stop: threading.Event) -> None:
    """Say nothing at all until the test ends."""
    stop.wait(60)


def header_drip(conn: socket.socket, stop: threading.Event) -> None:
    """The status line, then header after header, one byte a second, for as long as it is read.

    Every read gets a byte well within any read timeout, so only a deadline on the whole
    exchange (or on the whole round) ends it: Python's header limits allow hours.
    """
    head = b"HTTP/1.1 200 OK\r\n"
    n = 0
    while not stop.is_set():
        for byte in head:
            conn.sendall(bytes([byte]))
            if stop.wait(1.0):
                return
        n += 1
        head = f"X-Drip-{n}: {'x' * 20}\r\n".encode()


@contextmanager
def stuck_host(behaviour: Behaviour, address: str = "127.0.0.2") -> Iterator[str]:
    """Serve ``behaviour`` on ``address``; yields the base URL ``http://ADDRESS:PORT``."""
    with serve(behaviour, host=address) as port:
        yield f"http://{address}:{port}"
