"""`outagetray watch` as a script would run it: a real process, real peers, JSON lines out."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.support.controls import ControlServer


def summary(indicator: str, status: str) -> dict[str, Any]:
    return {
        "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
        "status": {"indicator": indicator, "description": indicator},
        "components": [{"id": "api", "name": "API", "status": status, "group": False}],
        "incidents": [],
        "scheduled_maintenances": [],
    }


class Lines:
    """Reads a process's stdout on a thread so tests can wait for the next JSON line."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.queue: queue.Queue[dict[str, Any]] = queue.Queue()
        assert process.stdout is not None
        stream = process.stdout

        def pump() -> None:
            for line in stream:
                self.queue.put(json.loads(line))

        threading.Thread(target=pump, daemon=True).start()

    def next(self, timeout: float = 10) -> dict[str, Any]:
        return self.queue.get(timeout=timeout)

    def until(self, predicate: Any, timeout: float = 15) -> tuple[dict[str, Any], float]:
        deadline = time.monotonic() + timeout
        while True:
            line = self.next(max(0.01, deadline - time.monotonic()))
            if predicate(line):
                return line, time.monotonic()


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def start_watch(config: Path, *args: str) -> subprocess.Popen[str]:
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    assert exe
    return subprocess.Popen(
        [exe, "watch", "--config", str(config), "--interval", "1", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def write_config(tmp_path: Path, controls: ControlServer, platforms: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n\n{platforms}")
    return path


def test_watch_prints_connectivity_then_each_change_and_stops_cleanly(
    httpserver: HTTPServer, controls: ControlServer, tmp_path: Path
) -> None:
    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/s.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    config = write_config(
        tmp_path,
        controls,
        f'[[platforms]]\nid = "discord"\nprobes = []\n'
        f'sources = [{{ type = "statuspage", url = "{httpserver.url_for("/s.json")}" }}]\n',
    )
    process = start_watch(config, "--platform", "discord")
    try:
        lines = Lines(process)
        link = lines.next()
        assert (link["connectivity"], link["detail"]) == ("online", "2 of 2 connection checks passed")
        assert link["at"].endswith("Z")
        first = lines.until(lambda line: line.get("platform") == "discord")[0]
        assert (first["from"], first["to"], first["alert"]) == ("unknown", "operational", False)
        assert set(first) >= {"at", "platform", "from", "to", "evidence"}
        assert first["at"].endswith("Z")

        state["body"] = summary("critical", "major_outage")
        down = lines.until(lambda line: line.get("platform") == "discord")[0]
        assert (down["from"], down["to"], down["alert"]) == ("operational", "major_outage", True)
        assert "API" in down["evidence"]
        assert "incident" not in first  # nothing was wrong before
        assert down["incident"] == down["event"]  # the change that opens an outage names its incident
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=3) == 0
    assert "Traceback" not in (process.stderr.read() if process.stderr else "")


def test_watch_confirms_a_probe_only_outage_after_three_rounds(
    httpserver: HTTPServer, controls: ControlServer, tmp_path: Path
) -> None:
    state = {"status": 200}
    httpserver.expect_request("/").respond_with_handler(
        lambda request: Response("hi", status=state["status"])
    )
    url = f"http://127.0.0.1:{httpserver.port}/"
    config = write_config(
        tmp_path,
        controls,
        f'[[platforms]]\nid = "x"\nsources = []\nprobes = [{{ type = "http_probe", url = "{url}" }}]\n',
    )
    process = start_watch(config, "--platform", "x")
    try:
        lines = Lines(process)
        lines.until(lambda line: line.get("platform") == "x" and line["to"] == "operational")
        requests_before = len(httpserver.log)
        onset = time.monotonic()
        state["status"] = 502
        down, seen_at = lines.until(lambda line: line.get("platform") == "x")
        assert (down["from"], down["to"], down["alert"]) == ("operational", "major_outage", True)
        assert "HTTP 502" in down["evidence"]
        failed_rounds = len(httpserver.log) - requests_before
        assert failed_rounds == 3
        assert 1.5 < seen_at - onset < 5.0  # about 3 rounds of 1 s
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=3) == 0


def test_watch_refuses_a_bad_interval(tmp_path: Path) -> None:
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    assert exe
    done = subprocess.run([exe, "watch", "--interval", "0.1"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert "from 1 to 86400 seconds" in done.stderr


def test_watch_records_the_outage_in_the_incident_log_and_a_second_watch_only_watches(
    httpserver: HTTPServer, controls: ControlServer, tmp_path: Path
) -> None:
    """Issue 15: `outagetray watch` records like the tray app, and only one process records."""
    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/s.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    config = write_config(
        tmp_path,
        controls,
        f'[[platforms]]\nid = "discord"\nprobes = []\n'
        f'sources = [{{ type = "statuspage", url = "{httpserver.url_for("/s.json")}" }}]\n',
    )
    first = start_watch(config, "--platform", "discord")
    second: subprocess.Popen[str] | None = None
    try:
        lines = Lines(first)
        lines.until(lambda line: line.get("platform") == "discord")
        second = start_watch(config, "--platform", "discord")
        Lines(second).until(lambda line: line.get("platform") == "discord")
        state["body"] = summary("critical", "major_outage")
        down = lines.until(lambda line: line.get("platform") == "discord")[0]
        assert down["to"] == "major_outage"
        exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
        assert exe

        def listed() -> list[dict[str, Any]]:
            out = subprocess.run([exe, "incidents", "--json"], capture_output=True, text=True, timeout=20)
            assert out.returncode == 0, out.stderr
            return list(json.loads(out.stdout))

        deadline = time.monotonic() + 10
        while not (incidents := listed()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert [(i["platforms"], i["worst"], i["ended_at"]) for i in incidents] == [
            (["discord"], "major_outage", None)
        ]
    finally:
        for process in (first, second):
            if process is not None:
                process.send_signal(signal.SIGINT)
                assert process.wait(timeout=5) == 0
    errors = second.stderr.read() if second is not None and second.stderr else ""
    assert "already recording outages" in errors and "outagetray watch" in errors
    assert "Traceback" not in errors
