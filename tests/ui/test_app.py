"""The composition root with real parts: settings problems, pause, quit (offscreen Qt)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot

from outagetray.app import App
from outagetray.ui.settings.dialog import SettingsDialog
from tests.support.controls import ControlServer


def test_a_broken_settings_file_is_left_in_place_and_explained(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[monitor]\ninterval_seconds = "often"\n')
    app = App(config, state_path=tmp_path / "state.json")
    assert app.window.notice.text().startswith("Your settings file has a mistake")
    assert "Line 2, monitor.interval_seconds" in app.window.notice.text()
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]
    assert config.read_text() == '[monitor]\ninterval_seconds = "often"\n'
    assert app.settings.interval_seconds == 60
    app.quit()


def test_rounds_reach_tray_and_window_and_quit_saves_state(qtbot: QtBot, tmp_path: Path) -> None:
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        state = tmp_path / "state.json"
        app = App(config, state_path=state, interval=1)
        app.window.show()
        app.start_monitor()
        qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)
        assert app.last_report is not None and app.last_report.connectivity.state == "online"
        assert app.tray.icon.toolTip() == "OutageTray: no platforms are watched"
        app.pause("1h")
        assert "Alerts paused until" in app.tray.icon.toolTip()
        app.quit()
        assert app.monitor is not None and app.monitor.rounds >= 1
        saved = json.loads(state.read_text())
        assert saved["paused_until"] and saved["window_geometry"]


def test_pause_is_restored_after_a_restart(qtbot: QtBot, tmp_path: Path) -> None:
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        first = App(config, state_path=tmp_path / "state.json", interval=1)
        first.start_monitor()
        first.pause("4h")
        first.quit()
        second = App(config, state_path=tmp_path / "state.json", interval=1)
        second.start_monitor()
        assert second.policy is not None and second.policy.paused_until is not None
        assert "Alerts are paused until" in second.window.paused.text()
        second.pause("")
        assert second.policy.paused_until is None
        second.quit()


def test_garbage_is_collected_on_the_ui_thread_when_a_round_arrives(qtbot: QtBot, tmp_path: Path) -> None:
    """No collector timer: collections happen when the app has done something (a round)."""
    import gc
    import threading

    from outagetray.ui.gc_guard import MainThreadCollector

    collected: list[str] = []

    class Cycle:
        def __init__(self) -> None:
            self.me = self

        def __del__(self) -> None:
            collected.append(threading.current_thread().name)

    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        app.collector = MainThreadCollector()
        try:
            app.start_monitor()
            qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)  # the first round settles
            rounds = app.monitor.rounds if app.monitor else 0
            worker = threading.Thread(target=lambda: [Cycle() for _ in range(5000)], name="worker")
            worker.start()
            worker.join()
            assert collected == []
            qtbot.waitUntil(
                lambda: app.monitor is not None and app.monitor.rounds > rounds + 1, timeout=10_000
            )
            qtbot.waitUntil(lambda: len(collected) >= 5000, timeout=5000)
            assert set(collected) == {threading.main_thread().name}
        finally:
            app.quit()
            app.collector.stop()
            gc.unfreeze()
            gc.disable()  # the autouse fixture collects and re-enables it


# -- the log file: the real app, started as a desktop would start it ----------------------------

SECRET = "pa55-SECRET-word"


def start_app(tmp_path: Path, config: Path, state_home: Path) -> subprocess.Popen[str]:
    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_STATE_HOME": str(state_home),
        "HOME": str(tmp_path),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "outagetray", "run", "--config", str(config), "--interval", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=10)
    assert process.returncode == 0, err
    return err


def wait_for(predicate: Callable[[], bool], timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_app_logs_verdict_changes_to_its_log_file_without_secrets(
    tmp_path: Path, web: HTTPServer
) -> None:
    body = {
        "page": {"id": "p", "name": "Acme", "url": "https://status.acme.example"},
        "status": {"indicator": "minor", "description": "Degraded"},
        "components": [
            {
                "id": "c",
                "name": f"Checkout (see https://ops:{SECRET}@admin.acme.example/)",
                "status": "degraded_performance",
                "group": False,
            }
        ],
        "incidents": [],
        "scheduled_maintenances": [],
    }
    web.expect_request("/acme/summary.json").respond_with_json(body)
    host = web.url_for("").rstrip("/").split("://", 1)[1]
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["acme"]\n\n[connectivity]\ncontrols = {controls.toml()}\n\n'
            f'[[platforms]]\nid = "acme"\nname = "Acme"\nprobes = []\nsources = [{{ type = "statuspage", '
            f'url = "http://ops:{SECRET}@{host}/acme/summary.json?token={SECRET}" }}]\n'
        )
        state_home = tmp_path / "state"
        log_file = state_home / "OutageTray" / "log" / "outagetray.log"
        process = start_app(tmp_path, config, state_home)
        try:
            wait_for(lambda: log_file.is_file() and "verdict change: acme" in log_file.read_text())
        finally:
            err = stop(process)
    text = log_file.read_text(encoding="utf-8")
    assert "verdict change: acme unknown → degraded; evidence: " in text
    assert "https://ops:***@admin.acme.example/" in text  # the evidence, its secret masked
    assert "alert sent (degraded, normal urgency): Acme is having problems" in text
    assert "started; log file: " in text
    assert SECRET not in text and SECRET not in err


def test_an_unwritable_log_folder_is_said_once_and_the_app_runs_on(tmp_path: Path) -> None:
    blocked = tmp_path / "state"
    blocked.write_text("a file where the state folder should be: nothing can be created in it")
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        process = start_app(tmp_path, config, blocked)
        time.sleep(2)
        assert process.poll() is None  # still running
        err = stop(process)
    assert err.count("cannot keep its log file") == 1, err
    assert "Traceback" not in err
    assert "your connection: " in err  # logging goes on, to the terminal


# -- issue 14, item 18: the started app says where it is --------------------------------------


def run_until_it_speaks(tmp_path: Path, *, tray: bool) -> tuple[int | None, list[str]]:
    """The real app, offscreen, until its first line on stdout; then its exit code and every line.

    ``tray`` makes Qt report a system tray (the offscreen platform has none).
    """
    with ControlServer() as controls:  # the connection checks stay on this machine
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        return _run_until_it_speaks(tmp_path, config, tray=tray)


def _run_until_it_speaks(tmp_path: Path, config: Path, *, tray: bool) -> tuple[int | None, list[str]]:
    import threading

    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "XDG_RUNTIME_DIR": str(runtime),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path),
    }
    code = (
        "import sys\n"
        + (
            "from PySide6.QtWidgets import QSystemTrayIcon\n"
            "QSystemTrayIcon.isSystemTrayAvailable = staticmethod(lambda: True)\n"
            if tray
            else ""
        )
        + "from outagetray.cli import main\n"
        f"sys.exit(main(['run', '--config', {str(config)!r}, '--interval', '1']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    lines: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_for(lambda: bool(lines) or process.poll() is not None)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        reader.join(timeout=5)
    return process.returncode, lines


def test_the_started_app_says_it_opened_its_window_when_there_is_no_tray(tmp_path: Path) -> None:
    code, lines = run_until_it_speaks(tmp_path, tray=False)
    assert code == 0
    assert lines == [
        "OutageTray opened its window instead of a tray icon: your desktop shows no system tray "
        "(on GNOME, the AppIndicator extension adds one)."
    ]


def test_the_started_app_says_it_is_in_the_tray(tmp_path: Path) -> None:
    code, lines = run_until_it_speaks(tmp_path, tray=True)
    assert code == 0
    assert lines == ["OutageTray is running in your system tray."]  # one line, said once


def test_a_quit_signal_before_the_event_loop_runs_is_not_lost() -> None:
    """SIGTERM just as the icon shows (before app.exec) used to be dropped: the app then
    waited 5 s for its backstop to kill it (seen as a hang by bench.startup).

    In a child process: once a QApplication's loop has quit, Qt treats it as closing,
    and the tests after this one would share it.
    """
    code = (
        "import signal, sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from outagetray.app import _quit_on_signals\n"
        "app = QApplication([])\n"
        "restore = _quit_on_signals([])\n"
        "signal.raise_signal(signal.SIGTERM)  # handled here, before the loop runs\n"
        "QTimer.singleShot(3000, lambda: app.exit(3))  # the quit was lost\n"
        "result = app.exec()\n"
        "restore()\n"
        "sys.exit(result)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr[-2000:]


def test_the_monitor_and_the_settings_window_share_the_apps_one_http_client(
    qtbot: QtBot, tmp_path: Path
) -> None:
    """One client for the app: a host's Retry-After and the cached pages are kept once."""
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        app.start_monitor()
        app.open_settings()
        dialog = app._settings_dialog
        assert app.monitor is not None and dialog is not None
        assert dialog._client_factory() is app.monitor.client is app.http_client()
        dialog.close()
        app.quit()


def test_the_settings_window_gets_and_saves_through_the_apps_one_store(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One settings store: the window opens on the settings the app runs on, and its save is
    what the app runs on next, with no second copy of either the path or the settings."""
    monkeypatch.setattr(App, "_apply_autostart", lambda self, wanted: None)  # not this test's business
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f"[monitor]\nwatch = []\ninterval_seconds = 120\n\n[connectivity]\ncontrols = {controls.toml()}\n"
        )
        app = App(config, state_path=tmp_path / "state.json", interval=60)
        app.start_monitor()
        app.open_settings()
        dialog = app._settings_dialog
        assert isinstance(dialog, SettingsDialog)
        assert dialog.store is app.store and app.store.path == config
        assert dialog.interval_seconds() == 120
        dialog.set_interval(5, "minutes")
        with qtbot.waitSignal(dialog.saved, timeout=5000):
            dialog.save_button.click()
        assert app.store.current is app.settings and app.settings.interval_seconds == 300
        app.quit()
