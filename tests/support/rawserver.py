"""A tiny TCP server on loopback that misbehaves on purpose.

pytest-httpserver answers politely; some faults (a reset mid-body, a body
shorter than its Content-Length, a server that never answers) need a socket we
control byte by byte.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from tests.support.slowserver import serve

Behaviour = Callable[[socket.socket], None]


@contextmanager
def raw_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` for every connection; yields the base URL ``http://127.0.0.1:PORT``.

    The behaviours here may sleep on their own (never_answers), so nothing waits for
    them at the end: their connections are closed, and their daemon threads are left.
    """
    with serve(lambda conn, stop: behaviour(conn), join=0) as port:
        yield f"http://127.0.0.1:{port}"


def reset_after_headers(conn: socket.socket) -> None:
    """Send headers and part of the body, then reset the connection (RST, not FIN)."""
    conn.sendall(
        b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"status":'
    )
    time.sleep(0.05)
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


def reset_immediately(conn: socket.socket) -> None:
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    conn.close()


def truncated_body(conn: socket.socket) -> None:
    """Promise 1000 bytes, send 20, close cleanly."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n")
    conn.sendall(b'{"page": {"id": "ab"')
    conn.shutdown(socket.SHUT_WR)
    time.sleep(0.1)
    conn.close()


def never_answers(conn: socket.socket) -> None:
    """Accept the request and say nothing, until the client gives up."""
    time.sleep(10)
    conn.close()


def drip(conn: socket.socket) -> None:
    """Headers at once, then one byte every 0.2 s: each read is quick, the whole is endless."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(200):
        conn.sendall(b" ")
        time.sleep(0.2)
    conn.close()
