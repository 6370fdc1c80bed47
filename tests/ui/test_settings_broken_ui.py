"""Issue 14, item 8 in the app: a mistake in the settings file is said in the window, the
tray tooltip and the log, the file can be opened from the window, and the app keeps
running on the last settings that worked, leaving the file where it is."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from pytestqt.qtbot import QtBot

from outagetray.app import App
from outagetray.core import settings as s
from outagetray.core import settings_lastgood as lastgood
from tests.support.controls import ControlServer

GOOD = '[monitor]\nwatch = ["discord"]\ninterval_seconds = 120\n'
#: One `]` missing, and a key with a mistake: both named with their line.
BROKEN_BRACKET = '[monitor\nwatch = ["discord"]\n'
BROKEN_KEY = 'version = 1\n[monitor]\nwatch = ["facebok"]\n'


def test_the_app_keeps_the_file_and_the_last_good_settings_and_says_so_everywhere(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    config, state = tmp_path / "config.toml", tmp_path / "state" / "state.json"
    config.write_text(GOOD)
    App(config, state_path=state).quit()  # a start on which the file loaded
    config.write_text(BROKEN_KEY)
    with caplog.at_level(logging.WARNING, logger="outagetray"):
        app = App(config, state_path=state)
    try:
        assert config.read_text() == BROKEN_KEY
        assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["config.toml"]
        assert app.settings.watch == ("discord",) and app.settings.interval_seconds == 120
        notice = app.window.notice.text()
        assert notice.startswith("Your settings file has a mistake, so OutageTray keeps running on the last")
        assert 'Line 3, monitor.watch: "facebok" is not a platform' in notice
        assert app.window.open_file.isVisibleTo(app.window)
        tip = app.tray.icon.toolTip()
        assert (
            "OutageTray: Your settings file has a mistake (Line 3, monitor.watch) — running on your last "
            "working settings" in tip.splitlines()
        )
        assert any(
            "Line 3, monitor.watch" in r.getMessage() for r in caplog.records if r.levelname == "WARNING"
        )
    finally:
        app.quit()


def test_a_missing_bracket_without_earlier_settings_runs_on_defaults_and_names_the_line(
    qtbot: QtBot, tmp_path: Path
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_BRACKET)
    app = App(config, state_path=tmp_path / "state.json")
    try:
        assert config.read_text() == BROKEN_BRACKET
        assert app.settings == s.Settings()
        assert "running on its defaults" in app.window.notice.text()
        assert "(Line 1, column 9) — running on its defaults" in app.tray.icon.toolTip()
    finally:
        app.quit()


def test_the_notice_opens_the_settings_file(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_KEY)
    opened: list[QUrl] = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    app = App(config, state_path=tmp_path / "state.json")
    try:
        app.window.show()
        app.window.open_file.click()
        assert [url.toLocalFile() for url in opened] == [str(config)]
        assert app.window.link_box is None
    finally:
        app.quit()


def test_a_settings_file_that_cannot_be_opened_is_said_plainly(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_KEY)
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: False))
    app = App(config, state_path=tmp_path / "state.json")
    try:
        app.window.show()
        app.window.open_file.click()
        box = app.window.link_box
        assert box is not None
        assert box.text().startswith("OutageTray could not open your settings file")
        assert str(config) in box.text()
        box.reject()
    finally:
        app.quit()


def test_other_notices_have_no_open_file_button(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    app = App(config, state_path=tmp_path / "state.json")
    try:
        assert not app.window.open_file.isVisibleTo(app.window)
        assert "mistake" not in app.tray.icon.toolTip()
    finally:
        app.quit()


def test_a_save_that_loads_clears_the_mistake(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(BROKEN_KEY)
    app = App(config, state_path=tmp_path / "state.json")
    try:
        assert "mistake" in app.tray.icon.toolTip()
        app.apply_settings(s.Settings(watch=()))  # what the Settings window emits after a save
        assert "mistake" not in app.tray.icon.toolTip()
        assert not app.window.notice.isVisibleTo(app.window)
        assert not app.window.open_file.isVisibleTo(app.window)
    finally:
        app.quit()


def test_the_real_app_runs_on_the_kept_settings_and_leaves_the_broken_file(tmp_path: Path) -> None:
    """`python -m outagetray run`, offscreen, with only loopback connection checks."""
    from tests.ui.test_app import stop, wait_for

    runtime = tmp_path / "run"
    runtime.mkdir(mode=0o700)
    state_home = tmp_path / "state"
    with ControlServer() as controls:
        good = f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n"
        config = tmp_path / "config.toml"
        # The copy a good start kept, where the app keeps it (HOME and the state folder are ours).
        copy = lastgood.snapshot_path(config.absolute(), state_home / "OutageTray")
        copy.parent.mkdir(parents=True)
        copy.write_text(good)
        broken = good.replace("[connectivity]", "[connectivity")
        config.write_text(broken)
        env = {
            **os.environ,
            "QT_QPA_PLATFORM": "offscreen",
            "XDG_RUNTIME_DIR": str(runtime),
            "XDG_STATE_HOME": str(state_home),
            "HOME": str(tmp_path),
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "outagetray", "run", "--config", str(config), "--interval", "1"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        log_file = state_home / "OutageTray" / "log" / "outagetray.log"
        try:
            wait_for(lambda: log_file.is_file() and "your connection: " in log_file.read_text())
        finally:
            err = stop(process) if process.poll() is None else process.communicate()[1]
    text = log_file.read_text(encoding="utf-8")
    assert (
        "Your settings file has a mistake, so OutageTray keeps running on the last settings that worked"
        in text
    )
    assert "Line 4, column 14: the settings file is not valid TOML here" in text
    assert "your connection: unknown → online" in text  # the kept checks (on this machine) answered
    assert config.read_text() == broken  # left where it was, as it was
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["config.toml"]
    assert "Traceback" not in err
