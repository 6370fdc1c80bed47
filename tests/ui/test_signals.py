"""Ctrl+C and SIGTERM quit the running app cleanly, with no timer polling for them.

The app runs as a real process on Qt's offscreen platform. The signal wakes Qt's
event loop through signal.set_wakeup_fd; if that path broke, the process would sit
in its event loop and never see the signal.
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.support import installed
from tests.support.controls import ControlServer


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_quits_the_running_app_cleanly(tmp_path: Path, signum: signal.Signals) -> None:
    exe = installed.command()
    env = installed.home_env(tmp_path)
    runtime = Path(env["XDG_RUNTIME_DIR"])
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        log = tmp_path / "app.log"
        with log.open("wb") as out:
            app = subprocess.Popen([exe, "run", "--config", str(config)], env=env, stdout=out, stderr=out)
            try:
                # Ready once it listens for a second start (after the signal handlers
                # are in place): its socket appears in the runtime folder.
                deadline = time.monotonic() + 30
                while not any(p.is_socket() for p in runtime.iterdir()) and time.monotonic() < deadline:
                    assert app.poll() is None, "the app ended by itself"
                    time.sleep(0.1)
                argv = [exe, "run", "--config", str(config)]
                second = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30)
                assert "already running" in second.stderr
                # Let it fall idle, so nothing but the signal can give Python control;
                # then it must end well before the 5 s safety net would end it anyway.
                time.sleep(2.5)
                app.send_signal(signum)
                assert app.wait(4) == 0
            finally:
                if app.poll() is None:
                    app.kill()
                    app.wait(5)
    assert "Traceback" not in log.read_text(errors="replace")
