"""Issue 14, "One truth", as the user sees it: the tray and the window show what the core decided."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from outagetray.app import App
from outagetray.core.connectivity import ControlResult
from outagetray.core.model import Verdict
from outagetray.core.settings import ControlCheck
from outagetray.ui.tray import Tray
from outagetray.ui.when import since_text
from outagetray.ui.window import StatusWindow
from tests.support.controls import ControlServer
from tests.ui.helpers import AT, OFFLINE, report, status


def test_one_unknown_platform_among_working_ones_keeps_the_icon_operational(qtbot: QtBot) -> None:
    shown = report(
        status("facebook", Verdict.OPERATIONAL),
        status("instagram", Verdict.UNKNOWN, "its status page has not answered for a while"),
        status("x", Verdict.OPERATIONAL),
    )
    assert shown.overall is Verdict.OPERATIONAL  # the core's word
    tray = Tray()
    tray.show_report(shown)
    assert tray.state == "operational"  # the tray shows it, not a grey icon of its own making


def test_the_worst_known_problem_wins_over_an_unknown_platform(qtbot: QtBot) -> None:
    shown = report(status("facebook", Verdict.UNKNOWN), status("x", Verdict.DEGRADED))
    tray = Tray()
    tray.show_report(shown)
    assert (shown.overall, tray.state) == (Verdict.DEGRADED, "degraded")


def test_applying_settings_returns_at_once_while_a_round_is_in_progress(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A save hands the settings to the running monitor: no stop, no join on the UI thread."""
    monkeypatch.setattr(App, "_apply_autostart", lambda self, wanted: None)  # not this test's business
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        app = App(config, state_path=tmp_path / "state.json", interval=60)
        try:
            app.start_monitor()
            qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)
            monitor = app.monitor
            assert monitor is not None
            entered, release = threading.Event(), threading.Event()
            check = monitor._run_control

            def slow_control(control: ControlCheck, deadline: float) -> ControlResult:
                entered.set()
                release.wait(5)
                return check(control, deadline)

            monkeypatch.setattr(monitor, "_run_control", slow_control)
            rounds = monitor.rounds
            monitor.poke()
            assert entered.wait(5)  # a round is in progress, waiting on a connection check
            started = time.perf_counter()
            app.apply_settings(replace(app.settings, confirm_rounds=5))
            elapsed = time.perf_counter() - started
            assert elapsed < 0.1, elapsed
            assert app.monitor is monitor  # the same monitor: nothing learned is thrown away
            release.set()
            # The round in progress is not abandoned: it ends and is reported.
            qtbot.waitUntil(lambda: monitor.rounds > rounds, timeout=10_000)
            # The new settings apply between rounds, on the monitor's thread.
            app.check_now()
            qtbot.waitUntil(lambda: monitor.judge.config.confirm_rounds == 5, timeout=10_000)
        finally:
            release.set()
            app.quit()


def test_window_and_tray_show_the_last_known_outage_while_offline(qtbot: QtBot) -> None:
    lost = status(
        "facebook",
        Verdict.UNKNOWN,
        "unknown because your connection appears down",
        last_known=Verdict.MAJOR_OUTAGE,
        last_known_at=AT,
    )
    fine = status("x", Verdict.UNKNOWN, "unknown because your connection appears down")
    shown = report(lost, fine, link=OFFLINE)
    expected = f"major outage (last known, {since_text(AT, AT)})"
    window = StatusWindow(now=lambda: AT)
    qtbot.addWidget(window)
    window.show()
    window.show_report(shown)
    cells = [window.table.item(0, c) for c in range(2)]
    assert [c.text() if c is not None else None for c in cells] == ["Facebook", expected]
    window.table.selectRow(0)
    assert f"Facebook (owner: Meta) — {expected}" in window.details.toPlainText()
    tray = Tray(now=lambda: AT)
    tray.show_report(shown)
    assert tray.state == "unknown"  # nothing can be known now; the outage is not forgotten
    assert f"Facebook: {expected}" in tray.icon.toolTip().splitlines()
    assert f"Facebook: {expected}" in [a.text() for a in tray.menu.actions()]
