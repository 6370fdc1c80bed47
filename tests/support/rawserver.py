"""A tiny TCP server on loopback that misbehaves on purpose.

pytest-httpserver answers politely; some faults (a reset mid-body, a body
shorter than its Content-Length, a server that never answers) need a socket we
control byte by byte.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

Behaviour = Callable[[socket.socket], None]


@contextmanager
def raw_server(behaviour: Behaviour) -> Iterator[str]:
    """Serve ``behaviour`` for every connection; yields the base URL ``http://127.0.0.1:PORT``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()
    conns: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=_run, args=(behaviour, conn), daemon=True).start()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join(2)
        listener.close()
        for conn in conns:
            with suppress(OSError):
                conn.close()


def _run(behaviour: Behaviour, conn: socket.socket) -> None:
    try:
        _read_request(conn)
        behaviour(conn)
    except OSError:
        pass


def _read_request(conn: socket.socket) -> bytes:
    conn.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


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
