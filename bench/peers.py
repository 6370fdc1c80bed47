"""Loopback peers for the benchmarks: status pages and probe targets on 127.0.0.N, and DNS.

Run as ``python -m bench.peers COUNT`` it serves COUNT hosts in its own process and
prints one JSON line describing them, so a benchmark can measure the monitor's CPU
without counting the servers'.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

SUMMARY = json.dumps(
    {
        "page": {"id": "benchpage0001", "name": "Bench", "url": "https://status.bench.example"},
        "status": {"indicator": "none", "description": "All Systems Operational"},
        "components": [
            {"id": f"c{i}", "name": f"Component {i}", "status": "operational", "group": False}
            for i in range(12)
        ],
        "incidents": [],
        "scheduled_maintenances": [],
    }
).encode()


class Peer:
    """One host: /summary.json is a Statuspage summary, / answers like a platform's front page.

    While ``hang`` is true, every request is read and never answered (until ``stop()``),
    like a host behind a failing CDN; it can be switched at any time.
    """

    def __init__(self, host: str, hang: bool = False) -> None:
        self.status = 200
        self.hang = hang
        self._stopped = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                if owner.hang:
                    owner._stopped.wait(3600)
                    return
                if self.path.startswith("/summary.json"):
                    self._send(200, SUMMARY, "application/json")
                elif owner.status == 200:
                    self._send(302, b"", "text/html", {"Location": "/login"})
                else:
                    self._send(owner.status, b"<html>error</html>", "text/html")

            def _send(self, status: int, body: bytes, kind: str, extra: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                for key, value in (extra or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop serving, and let go of any request held by ``hang``."""
        self._stopped.set()
        self.server.shutdown()


def hosts(count: int) -> list[str]:
    return [f"127.0.{1 + i // 250}.{2 + i % 250}" for i in range(count)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    count = int(sys.argv[1])
    peers = [Peer(host) for host in hosts(count)]
    dns_address = ""
    try:
        sys.path.insert(0, ".")
        from tests.support.dnsserver import LoopbackDns

        dns = LoopbackDns().start()
        for index in range(count):
            dns.answer(f"p{index}.bench.example", "157.240.1.35")
        dns_address = dns.address
    except ImportError:
        pass
    print(json.dumps({"bases": [p.base for p in peers], "dns": dns_address}), flush=True)
    sys.stdin.read()  # serve until the parent closes our stdin


if __name__ == "__main__":
    main()
