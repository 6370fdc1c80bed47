"""OutageTray in a real X session: the tray icon is embedded, exactly one "down" and one
"recovered" notification reach the notification daemon, and a click on the notification
or on the icon opens the window. Runs the installed ``outagetray`` command against
loopback peers.

Set OUTAGETRAY_SCREENSHOTS=<folder> to also save the screenshots used in docs/.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from tests.e2e.desktop import DesktopSession, missing_tools
from tests.support import installed
from tests.support.controls import ControlServer, platform_toml

MISSING = missing_tools()
pytestmark = pytest.mark.e2e
if MISSING and os.geteuid() != 0:
    # As root (CI) `make test` installs these, so a missing tool there is a failure, not a skip.
    pytestmark = [pytest.mark.e2e, pytest.mark.skip(reason=f"desktop tools missing: {', '.join(MISSING)}")]


def summary(indicator: str, status: str, incident: str | None = None) -> dict[str, Any]:
    incidents = []
    if incident:
        incidents.append(
            {
                "id": "e2e1",
                "name": incident,
                "status": "investigating",
                "impact": "critical",
                "created_at": "2026-11-25T16:02:00Z",
                "started_at": "2026-11-25T16:02:00Z",
                "resolved_at": None,
                "shortlink": "https://stspg.io/e2e1",
                "components": [],
                "incident_updates": [],
            }
        )
    return {
        "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
        "status": {"indicator": indicator, "description": indicator},
        "components": [
            {"id": "api", "name": "API", "status": status, "group": False},
            {"id": "gw", "name": "Gateway", "status": status, "group": False},
        ],
        "incidents": incidents,
        "scheduled_maintenances": [],
    }


def wait_for(what: str, check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[DesktopSession]:
    with DesktopSession(tmp_path / "desktop") as session:
        yield session


def test_tray_icon_notifications_and_click(
    desktop: DesktopSession, httpserver: HTTPServer, tmp_path: Path
) -> None:
    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/discord.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            '[monitor]\nwatch = ["discord", "reddit"]\n\n'
            f"[connectivity]\ncontrols = {controls.toml()}\n\n"
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
            + platform_toml("reddit", "statuspage", httpserver.url_for("/reddit.json"))
        )
        httpserver.expect_request("/reddit.json").respond_with_json(summary("none", "operational"))
        env = installed.home_env(tmp_path / "home", desktop.env, qpa=None)
        exe = installed.command()
        log = open(tmp_path / "app.log", "wb")  # noqa: SIM115
        app = subprocess.Popen(
            [exe, "run", "--config", str(config), "--interval", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            icons = wait_for(
                "the tray icon to be embedded",
                lambda: [i for i in desktop.tray_icons() if i[0] == "OutageTray"],
            )
            _name, x, y, width, height = icons[0]
            assert width >= 16 and height >= 16
            wait_for(
                "a few rounds", lambda: len([r for r, _ in httpserver.log if r.path == "/discord.json"]) >= 3
            )
            assert desktop.notifications() == []  # starting with everything fine is not news

            state["body"] = summary("critical", "major_outage", "Discord is down for everyone")
            down = wait_for("the down notification", lambda: desktop.notifications())
            assert len(down) == 1
            title, body = down[0]
            assert "Discord" in title and "down" in title.lower()
            assert body
            time.sleep(3)  # more rounds of the same outage: no second notification
            assert len(desktop.notifications()) == 1

            # Clicking the notification (its default action, which is what `dunstctl
            # action` invokes) opens the window; Ctrl+W sends it back to the tray.
            assert desktop.app_windows() == []
            desktop.run("dunstctl", "action", "0")
            (window,) = wait_for("the window to open from the notification", lambda: desktop.app_windows())
            desktop.run("xdotool", "windowfocus", "--sync", window, "key", "ctrl+w")
            wait_for("the window to close on Ctrl+W", lambda: not desktop.app_windows())

            state["body"] = summary("none", "operational")
            both = wait_for(
                "the recovered notification",
                lambda: len(desktop.notifications()) >= 2 and desktop.notifications(),
            )
            time.sleep(3)
            final = desktop.notifications()
            assert len(final) == 2, final
            assert "Discord" in final[1][0] and "back" in final[1][0].lower()
            del both

            assert desktop.app_windows() == []
            desktop.click(x + width // 2, y + height // 2)
            wait_for("the window to open", lambda: desktop.app_windows())

            shots = os.environ.get("OUTAGETRAY_SCREENSHOTS")
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                time.sleep(1)
                desktop.screenshot(Path(shots) / "window.png")
                desktop.click(x + width // 2, y + height // 2, button=3)
                time.sleep(1)
                desktop.screenshot(Path(shots) / "menu.png")
        finally:
            app.terminate()
            try:
                app.wait(5)
            except subprocess.TimeoutExpired:
                app.kill()
            log.close()
        assert app.returncode == 0  # SIGTERM quits cleanly, as the menu's Quit does
        assert "Traceback" not in (tmp_path / "app.log").read_text(errors="replace")
