"""Loopback servers that answer, but far too slowly: one byte at a time, with or without TLS.

Each read the client makes is quick, so no per-read timeout ever fires; only a deadline
over the whole exchange ends it. Every server stops dripping when its context exits,
so a client that never gives up (the old code) fails on time instead of hanging the run.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

#: A status line and headers that never end: long enough to outlast any test (1 byte per step).
ENDLESS_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" + b"X-Padding: " + b"a" * 100_000

Behaviour = Callable[[socket.socket, threading.Event], None]


@contextmanager
def serve(
    behaviour: Behaviour,
    tls: ssl.SSLContext | None = None,
    host: str = "127.0.0.1",
    *,
    read_first: bool = True,
    join: float = 2.0,
) -> Iterator[int]:
    """Run ``behaviour`` for every connection on ``host`` (a loopback address); yields the port.

    With ``tls``, the connection is wrapped (handshake at full speed) before ``behaviour``.
    ``read_first`` reads the request before ``behaviour`` runs (a relay wants the raw
    bytes instead). At the end, each connection's thread gets ``join`` seconds to notice
    ``stop`` and finish. This is the one loopback TCP server of the test suite:
    rawserver and stuckhost are thin wrappers around it.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, 0))
    listener.listen(16)
    listener.settimeout(0.1)
    stop = threading.Event()
    conns: list[socket.socket] = []
    threads: list[threading.Thread] = []

    def run(conn: socket.socket) -> None:
        try:
            conn.settimeout(5)
            if tls is not None:
                conn = tls.wrap_socket(conn, server_side=True)
                conns.append(conn)
            if read_first:
                read_request(conn)
            behaviour(conn, stop)
        except (OSError, ssl.SSLError):
            pass
        finally:
            with suppress(OSError):
                conn.close()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conns.append(conn)
            thread = threading.Thread(target=run, args=(conn,), daemon=True)
            threads.append(thread)
            thread.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1]
    finally:
        stop.set()
        acceptor.join(2)
        listener.close()
        for conn in conns:
            with suppress(OSError):
                conn.close()
        for thread in threads:
            thread.join(join)


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(data: bytes, step: float = 0.25) -> Behaviour:
    """Send ``data`` one byte every ``step`` seconds until done, stopped or hung up on."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        for i in range(len(data)):
            if stop.wait(step):
                return
            conn.sendall(data[i : i + 1])

    return behaviour


def drip_headers(step: float = 0.25) -> Behaviour:
    """A status line and headers that arrive one byte at a time and never end."""
    return drip(ENDLESS_HEADERS, step)


def stall_in_body(gap: float = 3.0) -> Behaviour:
    """Headers at once, then the body a byte at a time with long gaps (each shorter than a read timeout)."""
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head + b"{")
        for byte in b'"status": {"indicator": "none"}}':
            if stop.wait(gap):
                return
            conn.sendall(bytes([byte]))

    return behaviour


@contextmanager
def slow_proxy(upstream_port: int, step: float = 0.05) -> Iterator[int]:
    """Relay to ``upstream_port``; what comes back reaches the client one byte per ``step``.

    Placed in front of a TLS server, it drips the handshake itself (the certificate alone
    is over a kilobyte), which no per-read timeout can see.
    """

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        upstream = socket.create_connection(("127.0.0.1", upstream_port), timeout=5)
        try:
            conn.settimeout(0.05)
            upstream.settimeout(0.05)
            pending = b""
            while not stop.is_set():
                with suppress(TimeoutError):
                    data = conn.recv(65536)
                    if not data:
                        return
                    upstream.sendall(data)
                if not pending:
                    with suppress(TimeoutError):
                        pending = upstream.recv(65536)
                        if not pending:
                            return
                if pending:
                    conn.sendall(pending[:1])
                    pending = pending[1:]
                    stop.wait(step)
        finally:
            upstream.close()

    with serve_raw(behaviour) as port:
        yield port


@contextmanager
def serve_raw(behaviour: Behaviour) -> Iterator[int]:
    """Like :func:`serve`, without reading a request first (for relays)."""
    with serve(behaviour, read_first=False) as port:
        yield port


def elapsed_since(started: float) -> float:
    return time.monotonic() - started
