"""Make the screenshots in docs/: ``python -m tests.e2e.screenshots docs``.

Runs the real app in the same throw-away X session the end-to-end test uses, with a
loopback status page for Discord in the middle of an outage, and photographs the
window (with the outage selected) and the tray menu.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.e2e.desktop import DesktopSession
from tests.e2e.test_desktop import summary, wait_for
from tests.support import installed
from tests.support.controls import ControlServer, platform_toml

PAGES: dict[str, bytes] = {
    "/discord.json": json.dumps(
        summary("critical", "major_outage", "Voice and messages fail to load")
    ).encode(),
    "/reddit.json": json.dumps(summary("none", "operational")).encode(),
    "/gmail.json": (
        Path(__file__).parents[1] / "fixtures/google_incidents/workspace_gmail_recovered.json"
    ).read_bytes(),
}


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


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    server = serve()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    with (
        tempfile.TemporaryDirectory() as folder,
        DesktopSession(Path(folder) / "desktop") as desktop,
        ControlServer() as controls,
    ):
        tmp = Path(folder)
        config = tmp / "config.toml"
        config.write_text(
            '[monitor]\nwatch = ["discord", "reddit", "gmail"]\n\n'
            f"[connectivity]\ncontrols = {controls.toml()}\n\n"
            + platform_toml("discord", "statuspage", f"{base}/discord.json")
            + platform_toml("reddit", "statuspage", f"{base}/reddit.json")
            + platform_toml("gmail", "google_incidents", f"{base}/gmail.json", product="Gmail")
        )
        env = installed.home_env(tmp, desktop.env, qpa=None)
        exe = installed.command()
        app = subprocess.Popen([exe, "run", "--config", str(config), "--interval", "1"], env=env)
        try:
            icons = wait_for(
                "the tray icon", lambda: [i for i in desktop.tray_icons() if i[0] == "OutageTray"]
            )
            _, x, y, w, h = icons[0]
            time.sleep(4)
            desktop.click(x + w // 2, y + h // 2)
            window = wait_for("the window", lambda: desktop.visible_windows("OutageTray"))[0]
            desktop.run("xdotool", "windowmove", window, "20", "40")
            time.sleep(0.5)
            desktop.click(120, 40 + 125)  # the first row: Discord
            time.sleep(1)
            desktop.screenshot(out / "window.png")
            desktop.click(x + w // 2, y + h // 2, button=3)
            time.sleep(1)
            desktop.screenshot(out / "menu.png")
        finally:
            app.terminate()
            app.wait(5)
            server.shutdown()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs"))
