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
