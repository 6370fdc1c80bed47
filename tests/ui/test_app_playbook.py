"""The app's playbook wiring (issue 15), with the real App, monitor, recorder and window:
an outage is recorded, flagged in the tray until "I'm on it", and its pop-up opens it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from pytestqt.qtbot import QtBot
from werkzeug import Response

from outagetray.app import App
from outagetray.core.playbook_history import ExportTarget
from outagetray.core.records import ActionKind
from tests.support.controls import ControlServer, platform_toml


def summary(indicator: str, status: str) -> dict[str, Any]:
    return {
        "page": {"id": "p", "name": "Discord", "url": "https://discordstatus.com"},
        "status": {"indicator": indicator, "description": indicator},
        "components": [{"id": "api", "name": "API", "status": status, "group": False}],
        "incidents": [],
        "scheduled_maintenances": [],
    }


def test_an_outage_is_logged_flagged_opened_from_its_pop_up_and_acknowledged(
    qtbot: QtBot, httpserver: HTTPServer, tmp_path: Path
) -> None:
    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/discord.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["discord"]\n\n[connectivity]\ncontrols = {controls.toml()}\n\n'
            "[notifications]\nwelcome_back_minutes = 0\n\n"
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
        )
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.start_monitor()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)
            assert not app.tray.flagged
            state["body"] = summary("critical", "major_outage")
            qtbot.waitUntil(lambda: bool(playbook.open), timeout=15_000)
            [incident] = playbook.open
            assert incident.platforms == ("discord",) and incident.worst == "major_outage"
            qtbot.waitUntil(lambda: app.tray.flagged, timeout=5_000)
            assert any(a.text().startswith("⚑ Discord") for a in app.tray.menu.actions())

            down = next(note for _, note in app.notifier.shown if note.kind == "down")
            assert ("incident", "Open the incident") in down.actions
            app.notifier.opened.emit(down)  # the user clicks the pop-up
            window = app.window
            assert window.isVisible()
            assert window.current_incident() is not None and window.current_incident().id == incident.id

            window.action_taken.emit(incident.id, ActionKind.ACKNOWLEDGED.value, "")
            qtbot.waitUntil(lambda: not app.tray.flagged, timeout=5_000)
            assert playbook.open[0].acknowledged

            report = tmp_path / "report.html"
            window.export_requested.emit("html", ExportTarget(report, incident=incident.id))
            qtbot.waitUntil(report.exists, timeout=5_000)
            assert "Discord" in report.read_text(encoding="utf-8")

            window.incident_view.drafts.show_phase("opportunity")  # the user looked around meanwhile
            state["body"] = summary("none", "operational")
            qtbot.waitUntil(
                lambda: any(note.kind == "welcome_back" for _, note in app.notifier.shown), timeout=15_000
            )
            welcome = next(note for _, note in app.notifier.shown if note.kind == "welcome_back")
            assert welcome.platforms == ("discord",)
            app.notifier.opened.emit(welcome)
            assert window.current_incident() is not None and window.current_incident().id == incident.id
            assert window.incident_view.drafts.phase == "welcome_back"
        finally:
            app.quit()


def test_beside_outagetray_watch_the_tray_shows_its_log_and_still_takes_im_on_it(
    qtbot: QtBot, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """While `outagetray watch` records, the tray app reads what it records each round, and the
    user's "I'm on it" and ticks still go into the log (they are the user's, not a round's)."""
    from outagetray.core.incident_recorder import Recorder

    state = {"body": summary("none", "operational")}
    httpserver.expect_request("/discord.json").respond_with_handler(
        lambda request: Response(json.dumps(state["body"]), content_type="application/json")
    )
    watch = Recorder.start(program="outagetray watch")  # started first: it holds the lock
    assert watch.wait_ready() == "" and watch.recording
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["discord"]\n\n[connectivity]\ncontrols = {controls.toml()}\n\n'
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
        )
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.start_monitor()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)
            assert playbook._recorder is None, "no outage yet: no writer thread, no SQLite"
            monitor = app.monitor
            assert monitor is not None
            # watch sees the same rounds (here: the app's own monitor's, filed by watch's recorder).
            original = monitor._on_round
            monitor._on_round = lambda report: (
                watch.record_async(report.changes, report.statuses),
                original(report),
            )
            state["body"] = summary("critical", "major_outage")
            qtbot.waitUntil(lambda: bool(playbook.open), timeout=15_000)
            qtbot.waitUntil(lambda: app.tray.flagged, timeout=5_000)
            assert "outagetray watch" in playbook.log_notice and not playbook.recorder.recording
            [incident] = playbook.open
            app.window.action_taken.emit(incident.id, "acknowledged", "")
            app.window.action_taken.emit(incident.id, "ticked", "report.downdetector")
            qtbot.waitUntil(lambda: not app.tray.flagged, timeout=5_000)
            assert playbook.open[0].acknowledged and "report.downdetector" in playbook.open[0].ticked()
            assert "could not note" not in app.window.notice.text()
        finally:
            app.quit()
            watch.stop()


def test_an_outage_left_open_by_the_last_run_is_flagged_at_start_and_closed_by_the_first_round(
    qtbot: QtBot, httpserver: HTTPServer, tmp_path: Path
) -> None:
    """The app was quit during an outage; it starts again once the platform works."""
    from datetime import UTC, datetime, timedelta

    from outagetray.core.catalog import builtin_platforms
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Verdict

    earlier = datetime.now(UTC) - timedelta(hours=1)
    discord = builtin_platforms()["discord"]
    with IncidentLog.open() as log:
        log.record(
            [Change(earlier, discord, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 7, (), 7)]
        )
    httpserver.expect_request("/discord.json").respond_with_json(summary("none", "operational"))
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["discord"]\n\n[connectivity]\ncontrols = {controls.toml()}\n\n'
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
        )
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.start_monitor()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: app.tray.flagged, timeout=10_000)  # not acknowledged last time
            qtbot.waitUntil(lambda: bool(playbook.recent) and not playbook.recent[0].is_open, timeout=15_000)
            assert playbook.open == () and app.tray.flagged, "over, but still waiting for I'm on it"
        finally:
            app.quit()


def test_a_damaged_log_found_at_start_is_kept_aside_and_the_user_is_told(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from outagetray.core.records import default_log_path

    damaged = default_log_path()
    damaged.parent.mkdir(parents=True, exist_ok=True)
    damaged.write_bytes(b"this is not a database" * 100)
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(f"[monitor]\nwatch = []\n\n[connectivity]\ncontrols = {controls.toml()}\n")
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.start_monitor()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: "kept aside" in playbook.log_notice, timeout=10_000)
            assert app.window.log_notice.text() == playbook.log_notice
            kept = [p for p in damaged.parent.iterdir() if ".corrupt-" in p.name]
            assert kept and kept[0].read_bytes().startswith(b"this is not a database")
        finally:
            app.quit()


def test_rounds_before_the_first_look_at_the_log_still_close_what_the_last_run_left_open(
    qtbot: QtBot, httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A slow disk: the first rounds (Discord fine) arrive before the log has been read."""
    import time as time_module
    from datetime import UTC, datetime, timedelta

    from outagetray import app_playbook
    from outagetray.core.catalog import builtin_platforms
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.model import Verdict

    real_run = app_playbook._run
    slow_first = [True]

    def slow_run(job: Any) -> Any:
        if slow_first[0]:
            slow_first[0] = False

            def slowly() -> Any:
                time_module.sleep(2.5)
                return job()

            return real_run(slowly)
        return real_run(job)

    monkeypatch.setattr(app_playbook, "_run", slow_run)
    earlier = datetime.now(UTC) - timedelta(hours=1)
    discord = builtin_platforms()["discord"]
    with IncidentLog.open() as log:
        log.record(
            [Change(earlier, discord, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 7, (), 7)]
        )
    httpserver.expect_request("/discord.json").respond_with_json(summary("none", "operational"))
    with ControlServer() as controls:
        config = tmp_path / "config.toml"
        config.write_text(
            f'[monitor]\nwatch = ["discord"]\n\n[connectivity]\ncontrols = {controls.toml()}\n\n'
            + platform_toml("discord", "statuspage", httpserver.url_for("/discord.json"))
        )
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.start_monitor()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: app.last_report is not None, timeout=10_000)
            assert playbook._recorder is None and not playbook.open  # the look is still going on
            qtbot.waitUntil(lambda: bool(playbook.recent) and not playbook.recent[0].is_open, timeout=15_000)
        finally:
            app.quit()
