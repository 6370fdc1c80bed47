"""Make the screenshots in docs/: ``python -m tests.e2e.screenshots docs``.

Runs the real app in the same throw-away X session the end-to-end tests use, with
loopback status pages, and photographs:

- window.png, menu.png: the whole screen with the window (the outage selected) and the
  tray menu, as before;
- now.png, incident.png, checklist.png, history.png, reach.png: the window alone, on each
  cockpit tab, for a bakery with a profile (most of its audience on Meta's platforms,
  a newsletter and a website as its own channels) in the middle of a Discord outage.
  The outage log is seeded with two earlier outages of the day, so History has a
  timeline to show; the Discord outage itself is recorded live by the app;
- welcome.png: the first-run welcome, which opens by itself when there is no settings
  file yet. That run has no loopback pages to read (its settings are the defaults), so
  its web traffic goes to a proxy address on loopback where nothing listens: nothing
  leaves the machine.

Tabs are switched by clicking them; where each tab is comes from the window's pixels
(tests/e2e/test_playbook_desktop.py), not from coordinates written here.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.e2e.desktop import DesktopSession
from tests.e2e.test_desktop import summary, wait_for
from tests.e2e.test_playbook_desktop import PROFILE_TOML, TAB_STRIP, click_in, tab_centres
from tests.support import installed
from tests.support.controls import ControlServer, platform_toml

PAGES: dict[str, bytes] = {
    "/discord.json": json.dumps(
        summary("critical", "major_outage", "Voice and messages fail to load")
    ).encode(),
    "/reddit.json": json.dumps(summary("none", "operational")).encode(),
    "/meta.json": json.dumps(summary("none", "operational")).encode(),
    "/gmail.json": (
        Path(__file__).parents[1] / "fixtures/google_incidents/workspace_gmail_recovered.json"
    ).read_bytes(),
}
#: The cockpit pictures are of the window alone, at this size (pixels).
COCKPIT_SIZE = (860, 620)
#: Where nothing listens: the welcome run's proxy, so its default settings reach no one.
NOWHERE = "http://127.0.0.1:9"


def serve() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = PAGES.get(self.path.split("?")[0], b"{}")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def seed_log(env: Mapping[str, str], now: datetime) -> None:
    """Two outages in the last day in the app's own log, so History has something to show.

    Both were dealt with ("I'm on it"), so the tray menu flags only the live outage.
    """
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Platform, Verdict

    path = subprocess.run(
        [sys.executable, "-c", "from outagetray.core import incident_store as s; print(s.default_path())"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    facebook = Platform("facebook", "Facebook", "Meta")
    instagram = Platform("instagram", "Instagram", "Meta")
    reddit = Platform("reddit", "Reddit", "Reddit")
    ok, down, partial, slow = (
        Verdict.OPERATIONAL,
        Verdict.MAJOR_OUTAGE,
        Verdict.PARTIAL_OUTAGE,
        Verdict.DEGRADED,
    )

    def change(hours: float, platform: Platform, old: Verdict, new: Verdict, number: int, why: str) -> Change:
        at = now - timedelta(hours=hours)
        return Change(at, platform, old, new, why, True, number, (), number, began=at)

    log = IncidentLog.open(Path(path))
    try:
        meta_down = "metastatus.com says: Facebook and Instagram: posts fail to load"
        log.record(
            [
                change(7, facebook, ok, down, 1, meta_down),
                change(7, instagram, ok, partial, 1, meta_down),
            ]
        )
        log.acknowledge(1, now - timedelta(hours=6.95))
        log.record(
            [
                change(6.2, facebook, down, ok, 1, "metastatus.com says: Resolved"),
                change(6.1, instagram, partial, ok, 1, "metastatus.com says: Resolved"),
            ]
        )
        log.record([change(15, reddit, ok, slow, 2, "redditstatus.com says: Comments load slowly")])
        log.record([change(14.6, reddit, slow, ok, 2, "redditstatus.com says: Resolved")])
        log.acknowledge(2, now - timedelta(hours=14.9))
    finally:
        log.close()


def capture(desktop: DesktopSession, window: str, path: Path) -> None:
    """The window alone, with the pointer out of the way (no hover, no tooltip)."""
    desktop.run("xdotool", "mousemove", *(str(n - 1) for n in desktop.screen_size()))
    time.sleep(1.0)
    subprocess.run(["import", "-window", window, str(path)], env=desktop.env, check=True, timeout=30)


def open_tab(desktop: DesktopSession, window: str, centres: Mapping[str, int], name: str) -> None:
    click_in(desktop, window, centres[name], TAB_STRIP * 3 // 4)


def cockpit(out: Path, base: str, folder: Path) -> None:
    with DesktopSession(folder / "desktop") as desktop, ControlServer() as controls:
        config = folder / "config.toml"
        config.write_text(
            '[monitor]\nwatch = ["discord", "facebook", "instagram", "reddit", "gmail"]\n\n'
            f"[connectivity]\ncontrols = {controls.toml()}\n\n"
            + PROFILE_TOML
            + platform_toml("discord", "statuspage", f"{base}/discord.json")
            + platform_toml("facebook", "statuspage", f"{base}/meta.json")
            + platform_toml("instagram", "statuspage", f"{base}/meta.json")
            + platform_toml("reddit", "statuspage", f"{base}/reddit.json")
            + platform_toml("gmail", "google_incidents", f"{base}/gmail.json", product="Gmail")
        )
        env = installed.home_env(folder / "home", desktop.env, qpa=None)
        seed_log(env, datetime.now(UTC))
        exe = installed.command()
        app = subprocess.Popen([exe, "run", "--config", str(config), "--interval", "1"], env=env)
        try:
            icons = wait_for(
                "the tray icon", lambda: [i for i in desktop.tray_icons() if i[0] == "OutageTray"]
            )
            _, x, y, w, h = icons[0]

            def open_outages() -> list[Any]:
                listed = subprocess.run(
                    [exe, "incidents", "--json"], env=env, capture_output=True, text=True, check=True
                ).stdout
                return [i for i in json.loads(listed) if i["ended_at"] is None]

            wait_for("the Discord outage in the log", open_outages)
            time.sleep(3)
            desktop.run("dunstctl", "close-all")
            desktop.click(x + w // 2, y + h // 2)
            window = wait_for("the window", lambda: desktop.app_windows())[0]
            desktop.run("xdotool", "windowmove", window, "20", "40")
            time.sleep(0.5)
            desktop.click(120, 40 + 150)  # the first row: Discord
            time.sleep(1)
            desktop.screenshot(out / "window.png")
            desktop.click(x + w // 2, y + h // 2, button=3)
            time.sleep(1)
            desktop.screenshot(out / "menu.png")
            desktop.run("xdotool", "key", "Escape")
            time.sleep(0.5)

            desktop.run("xdotool", "windowsize", window, *map(str, COCKPIT_SIZE))
            time.sleep(1)
            centres, shown = tab_centres(desktop, window)
            assert shown == "Now", shown
            open_tab(desktop, window, centres, "Now")
            capture(desktop, window, out / "now.png")
            open_tab(desktop, window, centres, "History")
            capture(desktop, window, out / "history.png")
            open_tab(desktop, window, centres, "Reach")
            capture(desktop, window, out / "reach.png")
            open_tab(desktop, window, centres, "Incident")
            capture(desktop, window, out / "incident.png")
            click_in(desktop, window, 189, 156)  # the Incident tab's own "Checklist" tab
            capture(desktop, window, out / "checklist.png")
        finally:
            app.terminate()
            app.wait(5)


def welcome(out: Path, folder: Path) -> None:
    with DesktopSession(folder / "desktop") as desktop:
        env = installed.home_env(folder / "home", desktop.env, qpa=None)
        env.update(HTTP_PROXY=NOWHERE, HTTPS_PROXY=NOWHERE, http_proxy=NOWHERE, https_proxy=NOWHERE)
        env.pop("NO_PROXY", None)
        env.pop("no_proxy", None)
        config = folder / "not-yet" / "config.toml"  # no settings file yet: a first start
        app = subprocess.Popen([installed.command(), "run", "--config", str(config)], env=env)
        try:
            found = wait_for(
                "the welcome",
                lambda: desktop.run(
                    "xdotool", "search", "--onlyvisible", "--name", "^Welcome to OutageTray"
                ).split(),
            )
            time.sleep(1)
            desktop.run("dunstctl", "close-all")
            capture(desktop, found[0], out / "welcome.png")
        finally:
            app.terminate()
            app.wait(5)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server = serve()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            cockpit(out, base, Path(folder))
        with tempfile.TemporaryDirectory() as folder:
            welcome(out, Path(folder))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
