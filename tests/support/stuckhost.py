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
from contextlib import contextmanager, suppress

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
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((address, 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def run(conn: socket.socket) -> None:
        with suppress(OSError):
            conn.settimeout(5)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            behaviour(conn, stop)

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=run, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://{address}:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in conns:
            with suppress(OSError):
                conn.close()
