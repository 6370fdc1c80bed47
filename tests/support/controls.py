"""Connection-check endpoints on loopback that can go away or turn into a hotel sign-in page."""

from __future__ import annotations

import socket
import struct
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Literal

from outagetray.core.settings import ControlCheck

Mode = Literal["ok", "down", "portal"]


class ControlServer:
    """Serves both default-style controls (a 204 and a fixed text) on one loopback port.

    ``mode`` can be switched at any time: "ok" answers like the real endpoints, "down"
    resets every connection (as when the user's link is gone), "portal" redirects to a
    sign-in page (as on hotel Wi-Fi).
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.mode: Mode = "ok"
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if owner.mode == "down":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                    self.close_connection = True
                    return
                if owner.mode == "portal":
                    self.send_response(302)
                    self.send_header("Location", "http://login.hotel.example/portal")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/generate_204":
                    self.send_response(204)
                    self.end_headers()
                    return
                body = b"Microsoft Connect Test"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self._server = ThreadingHTTPServer((host, 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.base = f"http://{host}:{self._server.server_address[1]}"

    @property
    def controls(self) -> tuple[ControlCheck, ...]:
        return (
            ControlCheck(f"{self.base}/generate_204", expect_status=204),
            ControlCheck(f"{self.base}/connecttest.txt", expect_body="Microsoft Connect Test"),
        )

    def toml(self) -> str:
        """The controls as the TOML array a test config file needs."""
        return (
            "["
            + ", ".join(
                f'{{ url = "{c.url}", expect_status = {c.expect_status} }}'
                if c.expect_status
                else f'{{ url = "{c.url}", expect_body = "{c.expect_body}" }}'
                for c in self.controls
            )
            + "]"
        )

    def __enter__(self) -> ControlServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._server.shutdown()
        self._server.server_close()


def platform_toml(pid: str, source_type: str, url: str, **options: str) -> str:
    """A [[platforms]] override that reads one loopback status source and probes nothing."""
    extra = "".join(f', {key} = "{value}"' for key, value in options.items())
    source = f'{{ type = "{source_type}", url = "{url}"{extra} }}'
    return f'[[platforms]]\nid = "{pid}"\nprobes = []\nsources = [{source}]\n\n'
