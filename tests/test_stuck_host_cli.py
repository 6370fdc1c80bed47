"""One stuck host must not silence the rest: `outagetray check` and `watch` as a user runs them.

The stuck host (127.0.0.2) sends its status line and headers one byte a second, for
ever: each read is quick, so a read timeout never fires. It serves one platform's status
page and one of the three connection checks. Meanwhile Discord's status page (on
127.0.0.1, like the other two connection checks) reports a major outage. Before rounds
had a deadline, `check` never ended and `watch` never printed the outage. Now both
report it within the round's deadline (15 s) and a few seconds of start-up.
"""

from __future__ import annotations

import json
import queue
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from tests.support import installed
from tests.support.controls import ControlServer
from tests.support.stuckhost import header_drip, stuck_host

#: A round's deadline (MonitorConfig's default, 15 s) plus room for starting and printing.
WITHIN = 15 + 5

DISCORD_DOWN = {
    "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
    "status": {"indicator": "critical", "description": "Major System Outage"},
    "components": [{"id": "api", "name": "API", "status": "major_outage", "group": False}],
    "incidents": [],
    "scheduled_maintenances": [],
}


@pytest.fixture
def dripping() -> Iterator[str]:
    with stuck_host(header_drip) as base:
        yield base


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def write_config(tmp_path: Path, httpserver: HTTPServer, controls: ControlServer, stuck: str) -> Path:
    httpserver.expect_request("/discord.json").respond_with_json(DISCORD_DOWN)
    checks = controls.toml().rstrip().removesuffix("]")
    path = tmp_path / "config.toml"
    path.write_text(
        f"""[monitor]
watch = ["discord", "stuck"]

[connectivity]
controls = {checks}, {{ url = "{stuck}/generate_204", expect_status = 204 }}]

[[platforms]]
id = "discord"
sources = [{{ type = "statuspage", url = "{httpserver.url_for("/discord.json")}" }}]
probes = []

[[platforms]]
id = "stuck"
name = "Stuck"
owner = "Stuck Inc"
sources = [{{ type = "statuspage", url = "{stuck}/summary.json" }}]
probes = []
"""
    )
    return path


def test_check_reports_the_outage_on_time_despite_a_stuck_host(
    httpserver: HTTPServer, controls: ControlServer, dripping: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, httpserver, controls, dripping)
    started = time.monotonic()
    done = subprocess.run(
        [installed.command(), "--config", str(config), "check", "--json"],
        capture_output=True,
        text=True,
        timeout=WITHIN,
        env=installed.home_env(tmp_path),
    )
    took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert took < WITHIN
    report = json.loads(done.stdout)
    link = report["connectivity"]
    assert (link["state"], link["detail"]) == ("online", "2 of 3 connection checks passed")
    verdicts = {p["id"]: p["verdict"] for p in report["platforms"]}
    assert verdicts == {"discord": "major_outage", "stuck": "unknown"}
    assert "Traceback" not in done.stderr


def test_watch_prints_the_outage_on_time_despite_a_stuck_host(
    httpserver: HTTPServer, controls: ControlServer, dripping: str, tmp_path: Path
) -> None:
    config = write_config(tmp_path, httpserver, controls, dripping)
    lines: queue.Queue[dict[str, Any]] = queue.Queue()
    started = time.monotonic()
    process = subprocess.Popen(
        [installed.command(), "watch", "--config", str(config), "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=installed.home_env(tmp_path),
    )

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(json.loads(line))

    threading.Thread(target=pump, daemon=True).start()
    try:
        seen: dict[str, Any] | None = None
        while seen is None:
            line = lines.get(timeout=max(0.01, WITHIN - (time.monotonic() - started)))
            if line.get("platform") == "discord" and line.get("to") == "major_outage":
                seen = line
        assert time.monotonic() - started < WITHIN
        assert "API" in seen["evidence"]
    finally:
        process.terminate()
        code = process.wait(timeout=5)
    assert code == 0
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")
