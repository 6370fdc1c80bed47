"""What `check` and `watch` print can carry no password and no terminal escape sequence.

A source address with credentials and a platform name full of escape sequences come
from a real settings file; the real commands run against loopback servers.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from outagetray.cli import main

SECRET = "hunter2-SECRET"
TOKEN = "tok-9f8e7d"
#: Colours, a window title, a bidi override, a C1 CSI and DEL: each would act on a terminal.
HOSTILE_NAME = r"Evil\u001b[31mRed\u001b]0;title\u0007 Shop\u202eexe.\u009b2J\u007f"
BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

OPERATIONAL = {
    "page": {"id": "p", "name": "Acme", "url": "https://status.acme.example"},
    "status": {"indicator": "none", "description": "All Systems Operational"},
    "components": [],
    "incidents": [],
    "scheduled_maintenances": [],
}


def write_config(tmp_path: Path, web: HTTPServer) -> Path:
    base = web.url_for("").rstrip("/")
    host = base.split("://", 1)[1]
    web.expect_request("/generate_204").respond_with_data("", status=204)
    web.expect_request("/acme/summary.json").respond_with_json(OPERATIONAL)
    web.expect_request("/shop/").respond_with_data("<html><body>Shop</body></html>", content_type="text/html")
    path = tmp_path / "config.toml"
    path.write_text(
        f"""
[monitor]
watch = ["acme"]

[connectivity]
controls = [{{ url = "{base}/generate_204", expect_status = 204 }}]

[[platforms]]
id = "acme"
name = "{HOSTILE_NAME}"
owner = "Acme\\u001b[2J Inc"
sources = [
  {{ type = "statuspage", url = "http://ops:{SECRET}@{host}/acme/summary.json?access_token={TOKEN}" }},
  {{ type = "http_probe", url = "http://{host}/shop/?api_key={TOKEN}" }},
]
"""
    )
    return path


def assert_safe(text: str) -> None:
    assert SECRET not in text
    assert TOKEN not in text
    assert "\x1b" not in text and "\x07" not in text
    assert not BAD.search(text.replace("\n", "").replace("\t", "")), repr(text)


def test_check_json_masks_credentials_and_strips_control_characters(
    web: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, web)
    code = main(["--config", str(path), "check", "--json"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert_safe(out)
    # json.dumps would escape C0 controls as \u001b; those are gone from the data too.
    assert "\\u001b" not in out and "\\u0007" not in out
    report = json.loads(out)
    acme = report["platforms"][0]
    assert acme["name"] == "EvilRed Shopexe."
    assert acme["owner"] == "Acme Inc"
    urls = [s["url"] for s in acme["sources"]]
    assert urls[0].startswith("http://ops:***@127.0.0.1:")
    assert urls[0].endswith("/acme/summary.json?access_token=***")
    assert urls[1].endswith("/shop/?api_key=***")


def test_check_table_masks_credentials_and_strips_control_characters(
    web: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, web)
    code = main(["--config", str(path), "check"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert_safe(out)
    assert "  EvilRed Shopexe.  operational" in out


def test_watch_lines_are_safe(web: HTTPServer, tmp_path: Path) -> None:
    """A watch line carries evidence from the network; a hostile one reaches the pipe cleaned."""
    path = write_config(tmp_path, web)
    hostile = f"Read http://ops:{SECRET}@status.example/x?token={TOKEN} \x1b]0;owned\x07\u202eok"
    body = {
        **OPERATIONAL,
        "status": {"indicator": "minor", "description": hostile},
        "components": [{"id": "c", "name": hostile, "status": "degraded_performance", "group": False}],
    }
    web.clear()
    web.expect_request("/generate_204").respond_with_data("", status=204)
    web.expect_request("/acme/summary.json").respond_with_json(body)
    web.expect_request("/shop/").respond_with_data("<html><body>Shop</body></html>", content_type="text/html")
    process = subprocess.Popen(
        [sys.executable, "-m", "outagetray", "watch", "--config", str(path), "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        for raw in process.stdout:
            line = json.loads(raw)
            if line.get("platform") == "acme":
                break
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=5)
    assert line["to"] == "degraded", line
    assert_safe(raw)
    assert "Read http://ops:***@status.example/x?token=*** " in line["evidence"]


def test_settings_messages_on_stderr_are_cleaned(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A problem quotes a key from the settings file; its escape sequence stays out of the terminal."""
    path = tmp_path / "config.toml"
    path.write_text('[monitor]\nwatch = ["acme"]\n\n[[platforms]]\nid = "acme"\n"bo\\u001b[2Jgus" = 1\n')
    assert main(["--config", str(path), "check"]) == 2
    err = capsys.readouterr().err
    assert "platforms[1].bogus" in err
    assert "\x1b" not in err
