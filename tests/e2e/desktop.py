"""A real X desktop for end-to-end tests: Xvfb, a D-Bus session, a notification daemon
(dunst), an XEmbed tray host (trayer), and dbus-monitor writing every notification
that reaches the daemon to a log. Everything is torn down by PID.
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

TOOLS = (
    "Xvfb",
    "dbus-launch",
    "dbus-monitor",
    "dunst",
    "trayer",
    "xdotool",
    "xwininfo",
    "xdpyinfo",
    "import",
)


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


class DesktopSession:
    def __init__(self, logdir: Path, width: int = 1024, height: int = 768) -> None:
        self.logdir = logdir
        self.size = f"{width}x{height}x24"
        self.display = ""
        self.env: dict[str, str] = {}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._dbus_pid: int | None = None

    def __enter__(self) -> DesktopSession:
        self.logdir.mkdir(parents=True, exist_ok=True)
        for _ in range(20):
            number = random.randint(100, 400)
            if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
                break
        self.display = f":{number}"
        self._spawn(
            "xvfb", ["Xvfb", self.display, "-screen", "0", self.size, "-nolisten", "tcp"], env=os.environ
        )
        base = {**os.environ, "DISPLAY": self.display}
        base.pop("QT_QPA_PLATFORM", None)
        deadline = time.monotonic() + 10
        while subprocess.run(["xdpyinfo"], env=base, capture_output=True).returncode != 0:
            if time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.1)
        out = subprocess.run(
            ["dbus-launch", "--sh-syntax"], env=base, capture_output=True, text=True, check=True
        )
        address = re.search(r"DBUS_SESSION_BUS_ADDRESS='([^']+)'", out.stdout)
        pid = re.search(r"DBUS_SESSION_BUS_PID=(\d+)", out.stdout)
        assert address and pid, out.stdout
        self._dbus_pid = int(pid.group(1))
        self.env = {**base, "DBUS_SESSION_BUS_ADDRESS": address.group(1)}
        self._spawn(
            "notify",
            ["dbus-monitor", "--session", "interface='org.freedesktop.Notifications',member='Notify'"],
        )
        self._spawn("dunst", ["dunst"])
        self._spawn(
            "trayer",
            [
                "trayer",
                "--edge",
                "top",
                "--align",
                "right",
                "--widthtype",
                "request",
                "--height",
                "24",
                "--transparent",
                "false",
                "--tint",
                "0x333333",
            ],
        )
        time.sleep(1.0)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        for proc in reversed(self._procs):
            proc.terminate()
        for proc in reversed(self._procs):
            try:
                proc.wait(3)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._dbus_pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._dbus_pid, 15)

    def _spawn(
        self, name: str, argv: list[str], env: dict[str, str] | os._Environ[str] | None = None
    ) -> None:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 - closed when the process ends
        self._procs.append(subprocess.Popen(argv, env=env or self.env, stdout=log, stderr=subprocess.STDOUT))

    # -- reading the desktop ------------------------------------------------------------------

    def run(self, *argv: str) -> str:
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=20).stdout

    def notifications(self) -> list[tuple[str, str]]:
        """(title, body) of every Notify call that reached the daemon, in order."""
        text = (self.logdir / "notify.log").read_text(errors="replace")
        calls = []
        for block in text.split("method call")[1:]:
            strings = re.findall(r'^\s+string "(.*)"$', block, flags=re.MULTILINE)
            # Notify(app_name, replaces_id, app_icon, summary, body, actions, hints, timeout)
            if len(strings) >= 4:
                calls.append((strings[2], strings[3]))
        return calls

    def tray_icons(self) -> list[tuple[str, int, int, int, int]]:
        """Windows embedded in the tray host: (name, x, y, width, height) in screen coordinates."""
        tree = self.run("xwininfo", "-root", "-tree")
        icons = []
        inside_panel = False
        panel_indent = 0
        for line in tree.splitlines():
            indent = len(line) - len(line.lstrip())
            if '"panel": ("panel" "trayer")' in line:
                inside_panel, panel_indent = True, indent
                continue
            if inside_panel:
                if indent <= panel_indent:
                    inside_panel = False
                    continue
                match = re.search(r'"([^"]*)": \(.*\)\s+(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)', line)
                if match:
                    name, w, h, x, y = match.groups()
                    icons.append((name, int(x), int(y), int(w), int(h)))
        return icons

    def visible_windows(self, name: str) -> list[str]:
        return self.run("xdotool", "search", "--onlyvisible", "--name", f"^{re.escape(name)}$").split()

    def app_windows(self) -> list[str]:
        """OutageTray's main window if shown: titled "OutageTray", or "OutageTray — <the tab's subject>"."""
        return self.run("xdotool", "search", "--onlyvisible", "--name", "^OutageTray( — .*)?$").split()

    def screen_size(self) -> tuple[int, int]:
        """(width, height) of the screen: its far corner is where the pointer hovers nothing."""
        width, height, _depth = self.size.split("x")
        return int(width), int(height)

    def click(self, x: int, y: int, button: int = 1) -> None:
        self.run("xdotool", "mousemove", str(x), str(y), "click", str(button))

    def screenshot(self, path: Path) -> None:
        subprocess.run(["import", "-window", "root", str(path)], env=self.env, check=True, timeout=30)
