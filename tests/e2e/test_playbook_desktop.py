"""The playbook in a real X session: an outage is recorded in the incident log, and a click
on its "down" notification opens the window on that outage's Incident tab.

Runs the installed ``outagetray`` command (with a profile and two channels, so the drafts
are real) against loopback status pages, and checks from outside the process only: the
notifications that reached dunst, the window X shows, its pixels, and what
``outagetray incidents --json`` says about the log.

Which tab is showing is read from the window's pixels: the selected tab of a QTabWidget
is drawn lighter than the others. Clicking just beside it, left until the first tab and
then right until the last, finds every tab and so the index of the one the window opened
on, with no coordinates written into the test.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from outagetray.ui.cockpit.tabs import TABS
from tests.e2e.desktop import DesktopSession, missing_tools
from tests.e2e.test_desktop import summary, wait_for
from tests.support import installed
from tests.support.controls import ControlServer, platform_toml

MISSING = missing_tools()
pytestmark: pytest.MarkDecorator | list[pytest.MarkDecorator] = pytest.mark.e2e
if MISSING and os.geteuid() != 0:
    # As root (CI) `make test` installs these, so a missing tool there is a failure, not a skip.
    pytestmark = [pytest.mark.e2e, pytest.mark.skip(reason=f"desktop tools missing: {', '.join(MISSING)}")]

#: Who the user is and where they can still reach people: the drafts are written from this.
PROFILE_TOML = """\
[profile]
brand = "Acme Bakery"
signature = "Jo at Acme"
tone = "friendly"
blog_url = "https://blog.acme.example/"
audience = [{ platform = "facebook", followers = 5200 }, { platform = "instagram", followers = 3100 }, \
{ platform = "discord", followers = 800 }]

[[channels]]
id = "newsletter"
type = "email"
name = "Acme news"

[[channels]]
id = "site"
type = "website"
name = "Acme"
url = "https://acme.example/"

"""

#: Rows of the window, from its top, that hold the tab bar (it starts about 11 pixels down).
TAB_STRIP = 30
#: A pixel this light (0-255, all three channels) is the inside of the selected tab.
LIGHT = 246


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[DesktopSession]:
    with DesktopSession(tmp_path / "desktop") as session:
        yield session


def window_pixels(desktop: DesktopSession, window: str) -> tuple[int, int, bytes]:
    """(width, height, RGB bytes) of a window, read through ImageMagick's ``import``."""
    raw = subprocess.run(
        ["import", "-window", window, "-depth", "8", "ppm:-"],
        env=desktop.env,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout
    fields: list[bytes] = []
    at = 0
    while len(fields) < 4:  # P6, width, height, maximum value: separated by whitespace
        while raw[at : at + 1].isspace():
            at += 1
        end = at
        while not raw[end : end + 1].isspace():
            end += 1
        fields.append(raw[at:end])
        at = end
    assert fields[0] == b"P6" and fields[3] == b"255", fields
    width, height = int(fields[1]), int(fields[2])
    pixels = raw[at + 1 : at + 1 + width * height * 3]
    assert len(pixels) == width * height * 3
    return width, height, pixels


def selected_tab(desktop: DesktopSession, window: str) -> tuple[int, int]:
    """The first and last x, in the window, of the light (selected) tab in the tab bar."""
    desktop.run("xdotool", "mousemove", *(str(n - 1) for n in desktop.screen_size()))  # no hover
    time.sleep(0.3)
    width, height, pixels = window_pixels(desktop, window)
    light_columns = []
    for x in range(width):
        light = 0
        for y in range(min(TAB_STRIP, height)):
            at = (y * width + x) * 3
            if min(pixels[at : at + 3]) >= LIGHT:
                light += 1
        if light >= TAB_STRIP // 3:
            light_columns.append(x)
    assert light_columns, "no selected tab found in the window's top rows"
    # The longest run of light columns is the selected tab (its label's dark pixels
    # lower a few columns' counts, so small gaps inside it are bridged).
    runs: list[list[int]] = [[light_columns[0]]]
    for x in light_columns[1:]:
        if x - runs[-1][-1] <= 4:
            runs[-1].append(x)
        else:
            runs.append([x])
    best = max(runs, key=lambda run: run[-1] - run[0])
    assert best[-1] - best[0] >= 20, f"the light area is too narrow for a tab: {best[0]}..{best[-1]}"
    return best[0], best[-1]


def click_in(desktop: DesktopSession, window: str, x: int, y: int) -> None:
    """A click at (x, y) inside the window."""
    info = desktop.run("xdotool", "getwindowgeometry", "--shell", window)
    corner = dict(line.split("=", 1) for line in info.split() if "=" in line)
    desktop.click(int(corner["X"]) + x, int(corner["Y"]) + y)
    time.sleep(0.4)


def tab_centres(desktop: DesktopSession, window: str) -> tuple[dict[str, int], str]:
    """Where the middle of each tab is (x in the window) by name, and which tab was showing.

    Found by clicking: just left of the selected tab until nothing changes (the first
    tab), then just right of it until nothing changes (the last). No keyboard: a table
    that has the focus keeps Ctrl+Tab to itself. Leaves the last tab showing.
    """
    step = 12  # pixels past the selected tab's edge: inside its neighbour, if it has one
    y = TAB_STRIP * 3 // 4
    shown = selected_tab(desktop, window)
    current = shown
    while current[0] - step > 0:
        click_in(desktop, window, current[0] - step, y)
        left = selected_tab(desktop, window)
        if left == current:
            break
        current = left
    seen = [current]
    while True:
        click_in(desktop, window, current[1] + step, y)
        right = selected_tab(desktop, window)
        if right == current:
            break
        current = right
        seen.append(current)
    assert len(seen) == len(TABS), f"{len(seen)} tabs found, not {len(TABS)}: {seen}"
    assert shown in seen, (shown, seen)
    centres = {name: (first + last) // 2 for name, (first, last) in zip(TABS, seen, strict=True)}
    return centres, TABS[seen.index(shown)]


def showing_tab(desktop: DesktopSession, window: str) -> str:
    """The name of the tab the window shows (then it shows the last tab)."""
    return tab_centres(desktop, window)[1]


def incidents(env: dict[str, str]) -> list[dict[str, Any]]:
    out = subprocess.run(
        [installed.command(), "incidents", "--json"], env=env, capture_output=True, text=True, timeout=30
    )
    assert out.returncode == 0, out.stderr
    listed: list[dict[str, Any]] = json.loads(out.stdout)
    return listed


def test_the_down_notification_opens_its_incident(
    desktop: DesktopSession, httpserver: HTTPServer, tmp_path: Path
) -> None:
    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/discord.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    httpserver.expect_request("/reddit.json").respond_with_json(summary("none", "operational"))
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            '[monitor]\nwatch = ["discord", "reddit"]\n\n'
            f"[connectivity]\ncontrols = {controls.toml()}\n\n"
            + PROFILE_TOML
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
            + platform_toml("reddit", "statuspage", httpserver.url_for("/reddit.json"))
        )
        env = installed.home_env(tmp_path / "home", desktop.env, qpa=None)
        log = open(tmp_path / "app.log", "wb")  # noqa: SIM115
        app = subprocess.Popen(
            [installed.command(), "run", "--config", str(config), "--interval", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(
                "the tray icon to be embedded",
                lambda: [i for i in desktop.tray_icons() if i[0] == "OutageTray"],
            )
            wait_for(
                "a few rounds", lambda: len([r for r, _ in httpserver.log if r.path == "/discord.json"]) >= 3
            )
            assert desktop.notifications() == []
            assert incidents(env) == []  # all fine so far: nothing recorded
            # A profile is set and the settings file exists: no welcome, no window yet.
            assert desktop.app_windows() == []
            assert desktop.visible_windows("Welcome to OutageTray") == []

            state["body"] = summary("critical", "major_outage", "Voice and messages fail to load")
            (down,) = wait_for("the down notification", desktop.notifications)
            assert "Discord" in down[0] and "down" in down[0].lower()
            (incident,) = wait_for("the outage in the log", lambda: incidents(env))
            assert incident["platforms"] == ["discord"]
            assert incident["worst"] == "major_outage"
            assert incident["started_at"] and incident["confirmed_at"]
            assert incident["started_at"] <= incident["confirmed_at"]
            assert incident["ended_at"] is None
            assert "Voice and messages fail to load" in incident["evidence"]

            # The click on the notification (its default action, which `dunstctl action`
            # invokes) opens the window on this outage's Incident tab.
            desktop.run("dunstctl", "action", "0")
            (window,) = wait_for("the window to open from the notification", lambda: desktop.app_windows())
            time.sleep(1)  # drawn to the end
            title = desktop.run("xdotool", "getwindowname", window).strip()
            assert title == "OutageTray — Discord: major outage", title  # the title names the open outage
            assert showing_tab(desktop, window) == "Incident"
            shots = os.environ.get("OUTAGETRAY_SCREENSHOTS")
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                desktop.screenshot(Path(shots) / "incident-from-notification.png")

            state["body"] = summary("none", "operational")
            wait_for("the recovered notification", lambda: len(desktop.notifications()) >= 2)
            assert "back" in desktop.notifications()[1][0].lower()
            (ended,) = wait_for(
                "the outage to end in the log",
                lambda: [i for i in incidents(env) if i["ended_at"] is not None],
            )
            assert len(incidents(env)) == 1
            assert ended["id"] == incident["id"]
            assert ended["started_at"] == incident["started_at"]
            assert ended["confirmed_at"] == incident["confirmed_at"]
            assert ended["ended_at"] is not None and ended["ended_at"] >= ended["confirmed_at"]
        finally:
            app.terminate()
            try:
                app.wait(5)
            except subprocess.TimeoutExpired:
                app.kill()
            log.close()
        assert app.returncode == 0
        assert "Traceback" not in (tmp_path / "app.log").read_text(errors="replace")
