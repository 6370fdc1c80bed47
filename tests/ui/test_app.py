"""The composition root with real parts: settings problems, pause, quit (offscreen Qt)."""

from __future__ import annotations

import json
from pathlib import Path

from pytestqt.qtbot import QtBot

from outagetray.app import App
from tests.support.controls import ControlServer


def test_a_broken_settings_file_is_kept_and_explained(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[monitor]\ninterval_seconds = "often"\n')
    app = App(config, state_path=tmp_path / "state.json")
    assert app.window.notice.text().startswith("Your settings had problems")
    assert "Line 2, monitor.interval_seconds" in app.window.notice.text()
    assert [
        p.name.startswith("config.toml.broken-") for p in tmp_path.iterdir() if p.name != "state.json"
    ] == [True]
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
