"""Detection latency: from an outage's onset on a loopback server to the change line of ``watch``.

Runs the real ``outagetray watch`` command. Goal for a probe-only outage: the
confirmation rounds times the interval, plus under a second; an official status page
speaks at once, so within one interval plus under a second.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.peers import Peer

INTERVAL = 2.0
CONFIRM = 3


class Controls:
    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/generate_204"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def measure(platform_toml: str, flip: Any, pid: str) -> float:
    controls = Controls()
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["{pid}"]\n[connectivity]\n'
            f'controls = [{{ url = "{controls.url}", expect_status = 204 }}]\n\n{platform_toml}'
        )
        exe = Path(sys.executable).with_name("outagetray")
        process = subprocess.Popen(
            [str(exe), "watch", "--config", str(config), "--interval", str(INTERVAL)],
            stdout=subprocess.PIPE,
            text=True,
            # Its own data and state folders: watch records outages and numbers events there.
            env={**os.environ, "PYTHONUNBUFFERED": "1", **_own_folders(Path(folder))},
        )
        lines: queue.Queue[tuple[float, dict[str, Any]]] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put((time.monotonic(), json.loads(line)))

        threading.Thread(target=pump, daemon=True).start()
        try:
            while True:  # wait until the platform is known to be fine
                _, line = lines.get(timeout=30)
                if line.get("platform") == pid and line["to"] == "operational":
                    break
            time.sleep(INTERVAL * 0.37)  # an onset somewhere inside an interval, not on a round
            onset = time.monotonic()
            flip()
            while True:
                seen, line = lines.get(timeout=60)
                if line.get("platform") == pid and line["to"] != "operational":
                    return seen - onset
        finally:
            process.terminate()
            process.wait(5)
            controls.server.shutdown()


def run() -> dict[str, float]:
    probe_peer = Peer("127.0.0.1")
    probe_toml = (
        f'[[platforms]]\nid = "x"\nsources = []\n'
        f'probes = [{{ type = "http_probe", url = "{probe_peer.base}/" }}]\n'
    )

    def outage() -> None:
        probe_peer.status = 502

    probe_latency = measure(probe_toml, outage, "x")

    state = {"body": b'{"status": {"indicator": "none", "description": "ok"}, "components": []}'}

    class Status(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = state["body"]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    status = ThreadingHTTPServer(("127.0.0.1", 0), Status)
    status.daemon_threads = True
    threading.Thread(target=status.serve_forever, daemon=True).start()
    official_toml = (
        f'[[platforms]]\nid = "discord"\nprobes = []\n'
        f'sources = [{{ type = "statuspage", url = "http://127.0.0.1:{status.server_address[1]}/s.json" }}]\n'
    )

    def incident() -> None:
        state["body"] = (
            b'{"status": {"indicator": "critical", "description": "Major outage"}, "components": []}'
        )

    official_latency = measure(official_toml, incident, "discord")
    status.shutdown()
    return {"interval_s": INTERVAL, "probe_s": probe_latency, "official_s": official_latency}


def _margin(spare: float) -> str:
    return f"{spare:.2f} s to spare" if spare >= 0 else f"{-spare:.2f} s over the goal"


def report() -> str:
    r = run()
    goal = CONFIRM * r["interval_s"]
    return (
        f"detection latency at a {r['interval_s']:.0f} s interval: probe-only outage {r['probe_s']:.2f} s "
        f"(goal: at most {goal:.0f} s + 1 s; {_margin(goal + 1 - r['probe_s'])}), "
        f"official status page "
        f"{r['official_s']:.2f} s (goal under {r['interval_s'] + 1:.0f} s)"
    )


def _own_folders(folder: Path) -> dict[str, str]:
    """Per-user folders inside ``folder``, so a benchmark never writes the developer's own."""
    return {
        name: str(folder / name.lower()) for name in ("XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    }


if __name__ == "__main__":
    print(report())
