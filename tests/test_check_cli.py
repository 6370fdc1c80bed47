"""`outagetray check` end to end: real status and control servers on loopback, real exit codes."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from outagetray.cli import build_parser, main

OPERATIONAL = {
    "page": {"id": "2kbc0d48tv3j", "name": "Reddit", "url": "https://www.redditstatus.com"},
    "status": {"indicator": "none", "description": "All Systems Operational"},
    "components": [
        {"id": "c1", "name": "Desktop Web", "status": "operational", "group": False, "group_id": None},
        {"id": "c2", "name": "Native Mobile Apps", "status": "operational", "group": False, "group_id": None},
    ],
    "incidents": [],
    "scheduled_maintenances": [],
}

DISCORD_DOWN = {
    "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
    "status": {"indicator": "major", "description": "Partial System Outage"},
    "components": [
        {"id": "api", "name": "API", "status": "operational", "group": False, "group_id": None},
        {"id": "voice", "name": "Voice", "status": "major_outage", "group": True, "components": ["use"]},
        {"id": "use", "name": "US East", "status": "major_outage", "group": False, "group_id": "voice"},
    ],
    "incidents": [
        {
            "id": "inc1",
            "name": "Voice connection failures in US East",
            "status": "investigating",
            "impact": "major",
            "created_at": "2026-11-25T16:02:00.000Z",
            "started_at": "2026-11-25T16:02:00.000Z",
            "resolved_at": None,
            "shortlink": "https://stspg.io/abc",
            "components": [],
            "incident_updates": [],
        }
    ],
    "scheduled_maintenances": [],
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def peers(httpserver: HTTPServer) -> HTTPServer:
    httpserver.expect_request("/generate_204").respond_with_data("", status=204)
    httpserver.expect_request("/connecttest.txt").respond_with_data("Microsoft Connect Test")
    httpserver.expect_request("/reddit/summary.json").respond_with_json(OPERATIONAL)
    httpserver.expect_request("/discord/summary.json").respond_with_json(DISCORD_DOWN)
    httpserver.expect_request("/junk/summary.json").respond_with_data(
        "<html><body>Sign in</body></html>", content_type="application/json"
    )
    return httpserver


def config(tmp_path: Path, base: str, *, watch: list[str], controls: str | None = None) -> Path:
    controls = controls or (
        f'[{{ url = "{base}/generate_204", expect_status = 204 }}, '
        f'{{ url = "{base}/connecttest.txt", expect_body = "Microsoft Connect Test" }}]'
    )
    text = f"""
[monitor]
watch = {json.dumps(watch)}

[connectivity]
controls = {controls}

[[platforms]]
id = "reddit"
sources = [{{ type = "statuspage", url = "{base}/reddit/summary.json" }}]
probes = []

[[platforms]]
id = "discord"
sources = [{{ type = "statuspage", url = "{base}/discord/summary.json" }}]
probes = []

[[platforms]]
id = "x"
sources = []
probes = [{{ type = "http_probe", url = "{base}/x/" }}]

[[platforms]]
id = "junk"
name = "Junk Co"
owner = "Junk Inc"
sources = [{{ type = "statuspage", url = "{base}/junk/summary.json" }}]
"""
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def run_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(list(args))
    return code, json.loads(capsys.readouterr().out)


def test_json_report_shape_and_exit_code_for_an_outage(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit", "discord"])
    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    assert code == 1
    connection = report["connectivity"]
    assert (connection["state"], connection["detail"]) == ("online", "2 of 2 connection checks passed")  # type: ignore[index]
    assert [c["outcome"] for c in connection["controls"]] == ["online", "online"]  # type: ignore[index]
    assert str(report["checked_at"]).endswith("Z")
    platforms = report["platforms"]
    assert isinstance(platforms, list)
    reddit, discord = platforms
    assert set(discord) == {"id", "name", "owner", "verdict", "summary", "affected", "sources"}
    assert (reddit["id"], reddit["verdict"]) == ("reddit", "operational")
    assert (discord["id"], discord["name"], discord["owner"]) == ("discord", "Discord", "Discord")
    assert discord["verdict"] == "major_outage"
    assert "Voice › US East" in discord["affected"]
    assert discord["sources"][0]["type"] == "statuspage"
    assert discord["sources"][0]["url"].endswith("/discord/summary.json")
    assert discord["sources"][0]["verdict"] == "major_outage"
    assert discord["sources"][0]["role"] == "official"


def test_all_operational_exits_zero(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit"])
    code, report = run_json(capsys, "check", "--json", "--config", str(path))
    assert code == 0
    assert report["platforms"][0]["verdict"] == "operational"  # type: ignore[index]


def test_unreadable_source_is_unknown_and_exits_three(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit"])
    code, report = run_json(capsys, "--config", str(path), "check", "--json", "--platform", "junk")
    assert code == 3
    junk = report["platforms"][0]  # type: ignore[index]
    assert junk["verdict"] == "unknown"
    assert "web page" in junk["sources"][0]["detail"]


def test_offline_user_sees_no_platform_down(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dead = free_port()
    controls = f'[{{ url = "http://127.0.0.1:{dead}/a" }}, {{ url = "http://127.0.0.1:{dead}/b" }}]'
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["discord", "reddit"], controls=controls)
    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    assert report["connectivity"]["state"] == "offline"  # type: ignore[index]
    assert [p["verdict"] for p in report["platforms"]] == ["unknown", "unknown"]  # type: ignore[union-attr]
    # Discord's page answered though both connection checks failed: said, not believed.
    summary = report["platforms"][0]["summary"]  # type: ignore[index]
    assert summary.startswith(
        "Not checked: OutageTray's connection checks failed, though its status page answered"
    )
    assert code == 3


def test_captive_portal_is_named_and_nothing_is_down(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers.expect_request("/portal_204").respond_with_data(
        "", status=302, headers={"Location": "http://login.hotel.example/"}
    )
    base = peers.url_for("").rstrip("/")
    path = config(
        tmp_path, base, watch=["discord"], controls=f'[{{ url = "{base}/portal_204", expect_status = 204 }}]'
    )
    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    assert report["connectivity"]["state"] == "captive_portal"  # type: ignore[index]
    assert "login.hotel.example" in report["connectivity"]["detail"]  # type: ignore[index]
    assert report["platforms"][0]["verdict"] == "unknown"  # type: ignore[index]
    assert code == 3


def test_unknown_platform_is_a_usage_error(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit"])
    assert main(["--config", str(path), "check", "--platform", "redit"]) == 2
    assert 'Did you mean "reddit"?' in capsys.readouterr().err


def test_probe_only_platform_is_operational_when_its_checks_pass(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers.expect_request("/x/").respond_with_data("", status=302, headers={"Location": "/login"})
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["x"])
    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    x = report["platforms"][0]  # type: ignore[index]
    assert (code, x["verdict"]) == (0, "operational")
    assert x["summary"] == "OutageTray's own checks pass (1 of 1)"
    assert x["sources"][0]["type"] == "http_probe"
    assert x["sources"][0]["outcome"] == "healthy"


def test_one_failed_probe_is_unknown_never_down(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers.expect_request("/x/").respond_with_data("bad gateway", status=502)
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["x"])
    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    x = report["platforms"][0]  # type: ignore[index]
    assert (code, x["verdict"]) == (3, "unknown")
    assert x["summary"].startswith("1 of OutageTray's 1 own checks failed just now: ")
    assert "One look cannot confirm an outage" in x["summary"]
    assert "502" in x["summary"]
    assert x["sources"][0] == {
        "type": "http_probe",
        "url": x["sources"][0]["url"],
        "verdict": "unknown",
        "outcome": "unhealthy",
        "detail": x["sources"][0]["detail"],
    }


def test_broken_settings_are_a_config_error_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[monitor]\ninterval_seconds = "often"\n')
    assert main(["check", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Line 2, monitor.interval_seconds" in err
    assert path.exists()  # the command line never moves the user's file


def test_missing_explicit_config_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--config", str(tmp_path / "nope.toml"), "check"]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_config_is_accepted_by_every_command_including_the_default() -> None:
    parser = build_parser()
    assert parser.parse_args(["--config", "a.toml"]).config == Path("a.toml")
    assert parser.parse_args(["--config", "a.toml"]).command is None
    assert parser.parse_args(["check", "--config", "b.toml"]).config == Path("b.toml")
    assert parser.parse_args(["--config", "a.toml", "check"]).config == Path("a.toml")
    assert parser.parse_args(["run", "--config", "c.toml"]).config == Path("c.toml")


def test_installed_command_prints_a_readable_table_from_any_folder(peers: HTTPServer, tmp_path: Path) -> None:
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit", "discord"])
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    assert exe, "the outagetray console script is not installed in this environment"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    done = subprocess.run(
        [exe, "check", "--config", str(path)], cwd=elsewhere, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("OutageTray check, ")
    assert lines[1] == "Your connection is fine: 2 of 2 connection checks passed."
    assert any(line.split()[:2] == ["Reddit", "operational"] for line in lines)
    assert any(line.split()[:3] == ["Discord", "major", "outage"] for line in lines)
    assert any("Affected:" in line and "Voice › US East" in line for line in lines)
    assert "Traceback" not in done.stderr


def test_the_tray_app_without_a_desktop_says_so_instead_of_crashing(tmp_path: Path) -> None:
    exe = shutil.which("outagetray", path=os.path.dirname(sys.executable))
    assert exe
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    done = subprocess.run([exe], env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert done.returncode == 2
    assert "needs a desktop session" in done.stderr and "outagetray watch" in done.stderr
    assert "Traceback" not in done.stderr


def test_platform_names_people_use_are_understood(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    peers.expect_request("/x/").respond_with_data("", status=302, headers={"Location": "/login"})
    path = config(tmp_path, peers.url_for("").rstrip("/"), watch=["reddit"])
    code, report = run_json(
        capsys, "--config", str(path), "check", "--json", "--platform", "Twitter", "--platform", "X"
    )
    assert [p["id"] for p in report["platforms"]] == ["x"]  # type: ignore[union-attr]
    assert code == 0
    assert main(["--config", str(path), "check", "--platform", "tweeter"]) == 2
    err = capsys.readouterr().err
    assert '"tweeter" is not a platform OutageTray knows' in err
    assert "known platforms: bluesky, discord, facebook" in err


def offline_config(tmp_path: Path, base: str) -> Path:
    """The usual Google and Microsoft checks, which the test guard fails as a failed name look-up
    (what an unplugged cable looks like); Reddit's page answers on loopback, Discord's does not."""
    dead = free_port()
    path = tmp_path / "offline.toml"
    path.write_text(
        f"""
[monitor]
watch = ["reddit", "discord"]

[connectivity]
controls = [
  {{ url = "http://connectivitycheck.gstatic.com/generate_204", expect_status = 204 }},
  {{ url = "http://www.msftconnecttest.com/connecttest.txt", expect_body = "Microsoft Connect Test" }},
]

[[platforms]]
id = "reddit"
sources = [{{ type = "statuspage", url = "{base}/reddit/summary.json" }}]
probes = []

[[platforms]]
id = "discord"
sources = [{{ type = "statuspage", url = "http://127.0.0.1:{dead}/discord/summary.json" }}]
probes = []
"""
    )
    return path


def test_offline_table_says_it_in_a_users_words_and_agrees_with_the_json(
    peers: HTTPServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = offline_config(tmp_path, peers.url_for("").rstrip("/"))
    assert main(["--config", str(path), "check"]) == 3
    lines = capsys.readouterr().out.splitlines()
    assert (
        lines[1]
        == "Your internet connection seems to be down: neither Google's nor Microsoft's check answered."
    )
    table = "\n".join(lines)
    assert "DNS" not in table and "could not be found" not in table and "))" not in table
    # Every source was asked in the same round, so the table says what was seen, as the JSON does,
    # in plain words: why the platform is not judged, and what a page that answered suggests.
    assert "judged" not in table and "anyway" not in table
    reddit = next(line for line in lines if line.split()[:1] == ["Reddit"])
    discord = next(line for line in lines if line.split()[:1] == ["Discord"])
    assert reddit.split(None, 2)[2].strip() == (
        "Not checked: OutageTray's connection checks failed, though its status page answered "
        '"All systems operational" (a firewall may be blocking the checks)'
    )
    assert discord.split(None, 2)[2].strip() == (
        "Not checked: your internet connection seems to be down (its status page did not answer either)"
    )

    code, report = run_json(capsys, "--config", str(path), "check", "--json")
    assert code == 3
    connection = report["connectivity"]
    assert connection["detail"] == "neither Google's nor Microsoft's check answered"  # type: ignore[index]
    # The technical reasons stay in the details, one per control.
    controls = connection["controls"]  # type: ignore[index]
    assert [c["outcome"] for c in controls] == ["offline", "offline"]
    assert "connectivitycheck.gstatic.com" in controls[0]["detail"]
    by_id = {p["id"]: p for p in report["platforms"]}  # type: ignore[union-attr]
    assert by_id["reddit"]["sources"][0]["verdict"] == "operational"
    assert by_id["discord"]["sources"][0]["verdict"] == "unknown"
    assert {p["verdict"] for p in by_id.values()} == {"unknown"}
