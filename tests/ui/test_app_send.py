"""The app's own wiring of one-click send: its window, its password store, its log, a real SMTP server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from outagetray.app import App
from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, Verdict
from outagetray.core.outbox import JobState, Outbox
from outagetray.core.records import default_log_path
from tests.support.smtp_peer import SmtpPeer

PASSWORD = "Planted-Secret-app-31"
WAIT = 15_000


def test_send_from_the_app_window_goes_out_once_with_the_apps_own_password_store(
    qtbot: QtBot, tmp_path: Path
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=20)
    log = IncidentLog.open(default_log_path())
    instagram = Platform("instagram", "Instagram", "Meta")
    log.record([Change(start, instagram, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 1, (), 1)])
    log.close()
    with SmtpPeer("news@shop.test", PASSWORD) as smtp:
        keys = smtp.table(to=["ana@example.test", "ben@example.test"])
        config = tmp_path / "config.toml"
        config.write_text(
            '[monitor]\nwatch = ["instagram"]\n\n[profile]\nbrand = "Corner Shop"\n\n'
            '[[channels]]\nid = "newsletter"\ntype = "email"\nname = "Newsletter"\nplatform = "email"\n'
            + "".join(f"{key} = {json.dumps(value)}\n" for key, value in keys.items()),
            encoding="utf-8",
        )
        app = App(config, state_path=tmp_path / "state.json", interval=1)
        try:
            app.secrets.use_session_only()  # as a user without a keyring would choose
            app.secrets.set("newsletter", PASSWORD)
            app.start_playbook()
            playbook = app.playbook
            assert playbook is not None
            qtbot.waitUntil(lambda: bool(playbook.open), timeout=WAIT)
            window = app.window
            window.show()
            playbook.open_incident(playbook.open[0].id, "notice")
            view = window.incident_view
            assert view is not None
            qtbot.waitUntil(lambda: bool(view.drafts.cards), timeout=WAIT)
            qtbot.waitUntil(lambda: view.drafts.send_button.isEnabled(), timeout=WAIT)
            assert view.drafts.send_button.text() == "Send to 1 channel"
            view.drafts.send_button.click()
            box = view.drafts.question
            assert box is not None and box.text() == "Send this notice to Newsletter now?"
            next(b for b in box.buttons() if box.buttonRole(b) == QMessageBox.ButtonRole.AcceptRole).click()
            card = view.drafts.cards[0]
            qtbot.waitUntil(lambda: card.send_status.text().startswith("Sent"), timeout=WAIT)
            assert len(smtp.messages) == 1 and b"Corner Shop" in smtp.messages[0][2]
        finally:
            app.quit()
    with IncidentLog.open(default_log_path(), read_only=True) as after:
        [job] = Outbox(after).jobs()
    assert (job.channel, job.draft, job.state) == ("newsletter", "notice", JobState.CONFIRMED)
    assert PASSWORD.encode() not in default_log_path().read_bytes()
    assert PASSWORD not in config.read_text(encoding="utf-8")


def test_at_start_a_user_with_channels_hears_there_is_no_safe_password_store(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    config = tmp_path / "config.toml"
    config.write_text(
        '[[channels]]\nid = "social"\ntype = "mastodon"\nname = "Mastodon"\nbase_url = "https://social.example"\n',
        encoding="utf-8",
    )
    app = App(config, state_path=tmp_path / "state.json", interval=1)
    try:
        app.start_playbook()
        playbook = app.playbook
        assert playbook is not None
        qtbot.waitUntil(lambda: playbook.store_notice is not None, timeout=WAIT)
        box = playbook.store_notice
        # "none" or "error", as keyring found it in this process: either way the offer is made.
        assert isinstance(box, QMessageBox) and "passwords" in box.text() and "session only" in box.text()
        session = next(b for b in box.buttons() if b.text() == "Keep passwords for this session only")
        session.click()
        assert app.secrets.session_only
    finally:
        app.quit()


def test_a_user_without_channels_is_not_asked_about_passwords(qtbot: QtBot, tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    app = App(config, state_path=tmp_path / "state.json", interval=1)
    try:
        app.start_playbook()
        assert app.playbook is not None
        app.playbook.check_password_store(delay_ms=0)
        qtbot.wait(500)
        assert app.playbook.store_notice is None
    finally:
        app.quit()
