"""`outagetray check` with one status host dripping its headers: the command still ends on time.

Before one deadline covered the whole exchange, such a host held `check` for 245 s
and every other platform's news with it. The command runs for real, in its own
process, against loopback servers only.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core.http import DEFAULT_TOTAL_TIMEOUT
from tests.support import slowserver

ROOT = Path(__file__).resolve().parents[1]
MARGIN = 5.0
SLOW_HOST = "127.0.0.2"

DISCORD_DOWN = {
    "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
    "status": {"indicator": "major", "description": "Partial System Outage"},
    "components": [
        {"id": "voice", "name": "Voice", "status": "major_outage", "group": False, "group_id": None},
    ],
    "incidents": [],
    "scheduled_maintenances": [],
}


def test_check_reports_the_other_platform_on_time_while_one_status_host_drips(
    web: HTTPServer, tmp_path: Path
) -> None:
    web.expect_request("/generate_204").respond_with_data("", status=204)
    web.expect_request("/discord/summary.json").respond_with_json(DISCORD_DOWN)
    base = f"http://127.0.0.1:{web.port}"
    # The monitor asks each host one thing at a time, so the slow host needs its own address.
    try:
        with socket.socket() as probe:
            probe.bind((SLOW_HOST, 0))
    except OSError:
        pytest.skip(f"this machine cannot listen on {SLOW_HOST} (Linux routes all of 127/8 to loopback)")
    with slowserver.serve(slowserver.drip_headers(0.5), host=SLOW_HOST) as slow_port:
        config = tmp_path / "config.toml"
        config.write_text(
            f"""
[monitor]
watch = ["reddit", "discord"]

[connectivity]
controls = [{{ url = "{base}/generate_204", expect_status = 204 }}]

[[platforms]]
id = "reddit"
sources = [{{ type = "statuspage", url = "http://{SLOW_HOST}:{slow_port}/api/v2/summary.json" }}]
probes = []

[[platforms]]
id = "discord"
sources = [{{ type = "statuspage", url = "{base}/discord/summary.json" }}]
probes = []
"""
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "outagetray", "--config", str(config), "check", "--json"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEFAULT_TOTAL_TIMEOUT + 30,
        )
        elapsed = time.monotonic() - started
    assert elapsed < DEFAULT_TOTAL_TIMEOUT + MARGIN, elapsed
    assert "Traceback" not in done.stderr
    report = json.loads(done.stdout)
    verdicts = {p["id"]: p for p in report["platforms"]}
    assert verdicts["discord"]["verdict"] == "major_outage"
    assert verdicts["reddit"]["verdict"] == "unknown"
    # Said by the fetch's own deadline, or by the round's when that comes first: same moment.
    assert verdicts["reddit"]["sources"][0]["detail"].startswith(SLOW_HOST)
    assert done.returncode == 1
