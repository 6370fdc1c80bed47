"""A slow network link in front of a loopback server: answers arrive ``delay`` seconds late.

On loopback a post and its answer are a millisecond apart, so a process killed at a random
moment almost never dies between "the server made the post" and "we heard it did", the one
moment that matters for sending exactly once. A real network has that gap on every request;
this proxy puts it back: what the client sends goes through at once, and each piece of the
server's answer is held ``delay`` seconds before it is passed on.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class SlowLink:
    """``with SlowLink(port, 0.3) as link:`` then talk to ``link.port`` instead of ``port``."""

    def __init__(self, target_port: int, delay: float, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.delay = delay
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self.port = int(self._listener.getsockname()[1])
        self._stopped = threading.Event()
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def url(self, base_url: str) -> str:
        """``base_url`` with its port swapped for this link's."""
        scheme, _, rest = base_url.partition("://")
        host_port, slash, path = rest.partition("/")
        host = host_port.rsplit(":", 1)[0]
        return f"{scheme}://{host}:{self.port}{slash}{path}"

    def __enter__(self) -> SlowLink:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stopped.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.close()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self._lock:
                self._sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, 0.0), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, self.delay), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, delay: float) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                sink.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                sink.shutdown(socket.SHUT_WR)
