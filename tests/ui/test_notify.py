"""Notification back-ends in order: notify-send with a click action, plyer off the UI
thread, Qt's balloon, then one log line.

The notify-send tests run real programs: small scripts that stand in for notify-send
and behave as the real one does with a notification daemon (the id, then the action's
name on a click, both reaching us only when it exits, since stdio buffers a pipe), as
libnotify before 0.7.10 does (no --action), and as it does when no daemon answers.
The real notify-send and daemon are exercised in tests/e2e.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from outagetray.core.alerts import Notification
from outagetray.ui import notify
from outagetray.ui.notify import Notifier, plain_body

NOTE = Notification(
    kind="down",
    title="Facebook, Instagram and WhatsApp are down",
    body='DNS fails for all three since 16:02 <b>"Meta"</b> & co; your connection is fine',
    platforms=("facebook", "instagram", "whatsapp"),
    urgency="critical",
    sound=False,
)


def test_plain_body_escapes_markup_and_straight_quotes() -> None:
    assert plain_body('a <b>x</b> & "y"') == "a &lt;b&gt;x&lt;/b&gt; &amp; ”y”"


@pytest.mark.filterwarnings("ignore:The Python dbus package is not installed")
def test_plyer_is_used_off_the_ui_thread(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from plyer import notification

    calls: list[tuple[str, dict[str, object]]] = []
    monkeypatch.setattr(
        notification, "notify", lambda **kw: calls.append((threading.current_thread().name, kw))
    )
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: None)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=2000)
    thread, kwargs = calls[0]
    assert thread.startswith("outagetray-notify")
    assert kwargs["title"] == NOTE.title
    assert kwargs["message"] == plain_body(NOTE.body)
    assert kwargs["app_name"] == "OutageTray"
    assert notifier.shown == [("plyer", NOTE)]
    notifier.shutdown()


def test_a_failing_plyer_falls_back_and_is_not_tried_again(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from plyer import notification

    def broken(**kw: object) -> None:
        raise NotImplementedError("no usable implementation")

    monkeypatch.setattr(notification, "notify", broken)
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: None)
    with caplog.at_level(logging.WARNING, logger=notify.__name__):
        notifier.show(NOTE)
        qtbot.waitUntil(lambda: bool(notifier.shown), timeout=2000)
    assert notifier.shown == [("log", NOTE)]  # no tray here either: one clear log line
    assert "could not show a notification" in caplog.text and NOTE.title in caplog.text
    notifier.show(NOTE)
    assert notifier.shown[-1] == ("log", NOTE)  # decided at once, no second plyer attempt


def test_without_plyer_and_tray_one_log_line(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(None, use_plyer=lambda: False, notify_send=lambda: None)
    with caplog.at_level(logging.WARNING, logger=notify.__name__):
        notifier.show(NOTE)
    assert notifier.shown == [("log", NOTE)]
    assert len([r for r in caplog.records if "could not show" in r.getMessage()]) == 1


def test_plyer_needs_a_real_backend_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify.sys, "platform", "linux")
    monkeypatch.delenv("FLATPAK_ID", raising=False)
    monkeypatch.setattr(notify.shutil, "which", lambda name: None)
    assert notify.plyer_usable() is False
    monkeypatch.setattr(notify.shutil, "which", lambda name: "/usr/bin/notify-send")
    assert notify.plyer_usable() is True


def fake_notify_send(folder: Path, body: str) -> tuple[str, Path]:
    """A stand-in notify-send that records its arguments, then runs ``body`` (sh)."""
    script = folder / "notify-send"
    record = folder / "argv"
    script.write_text(f'#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "{record}"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script), record


def test_notify_send_shows_it_and_a_click_opens_the_window(qtbot: QtBot, tmp_path: Path) -> None:
    # Clicked after 2.5 s; like the real one, nothing is printed until it exits.
    program, record = fake_notify_send(tmp_path, "sleep 2.5; printf '17\\ndefault\\n'")
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    notifier.show(NOTE)
    # Still waiting after 2 s with no error: the desktop took it.
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=2400)
    with qtbot.waitSignal(notifier.opened, timeout=5000) as opened:
        pass
    assert opened.args == [NOTE], "the app learns which pop-up was clicked, to open its incident"
    assert notifier.shown == [("notify-send", NOTE)]
    argv = record.read_text().splitlines()
    assert "--app-name=OutageTray" in argv
    assert "--urgency=critical" in argv
    assert "--action=default=Open OutageTray" in argv
    assert "--print-id" in argv
    assert "--hint=string:desktop-entry:outagetray" in argv
    icon = next(a for a in argv if a.startswith("--icon="))
    assert icon.endswith("outage.svg") and os.path.isfile(icon.removeprefix("--icon="))
    # The title and body come last, after "--", the body escaped for markup.
    assert argv[-3:] == ["--", NOTE.title, plain_body(NOTE.body)]
    qtbot.waitUntil(lambda: not notifier._waiting, timeout=3000)


def test_a_notification_that_closes_unclicked_opens_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    program, _record = fake_notify_send(tmp_path, "sleep 0.3; echo 18")  # closed unclicked, exit 0
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    clicks: list[bool] = []
    notifier.clicked.connect(lambda: clicks.append(True))
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown) and not notifier._waiting, timeout=5000)
    assert notifier.shown == [("notify-send", NOTE)]
    assert clicks == []


def test_old_notify_send_without_actions_hands_over_to_plyer(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plyer import notification

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(notification, "notify", lambda **kw: calls.append(kw))
    # What libnotify 0.7.9 prints for an option it does not know, and its exit code.
    program, _record = fake_notify_send(tmp_path, 'echo "Unknown option --print-id" >&2; exit 1')
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("plyer", NOTE)]
    notifier.show(NOTE)  # decided once: straight to plyer
    qtbot.waitUntil(lambda: len(notifier.shown) == 2, timeout=5000)
    assert notifier.shown[-1] == ("plyer", NOTE)
    assert len(calls) == 2
    notifier.shutdown()


def test_no_notification_daemon_falls_back_with_one_log_line(
    qtbot: QtBot, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    program, _record = fake_notify_send(
        tmp_path,
        'echo "GDBus.Error:org.freedesktop.DBus.Error.ServiceUnknown: '
        'The name org.freedesktop.Notifications was not provided by any .service files" >&2; exit 1',
    )
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    with caplog.at_level(logging.INFO, logger=notify.__name__):
        notifier.show(NOTE)
        qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("log", NOTE)]  # no tray here: the log is the last resort
    assert "ServiceUnknown" in caplog.text
    assert "could not show a notification" in caplog.text


def test_a_missing_program_falls_back_to_plyer(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plyer import notification

    monkeypatch.setattr(notification, "notify", lambda **kw: None)
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: str(tmp_path / "gone"))
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("plyer", NOTE)]
    notifier.shutdown()


def test_shutdown_stops_waiting_for_clicks(qtbot: QtBot, tmp_path: Path) -> None:
    program, _record = fake_notify_send(tmp_path, "exec sleep 60")  # waits, printing nothing yet
    notifier = Notifier(None, use_plyer=lambda: False, notify_send=lambda: program)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    (run,) = notifier._waiting
    process = run._process
    pid = process.processId()
    assert pid > 0
    notifier.shutdown()
    assert process.state() == process.ProcessState.NotRunning
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_notify_send_is_not_used_inside_flatpak_or_off_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify.shutil, "which", lambda name: "/usr/bin/notify-send")
    monkeypatch.setattr(notify.sys, "platform", "linux")
    monkeypatch.delenv("FLATPAK_ID", raising=False)
    assert notify.notify_send_path() == "/usr/bin/notify-send"
    monkeypatch.setenv("FLATPAK_ID", "org.example.OutageTray")
    assert notify.notify_send_path() is None
    monkeypatch.delenv("FLATPAK_ID")
    monkeypatch.setattr(notify.sys, "platform", "win32")
    assert notify.notify_send_path() is None


def test_a_refusal_falls_back_for_that_one_and_the_next_tries_the_desktop_again(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plyer import notification

    plyer_calls: list[object] = []
    monkeypatch.setattr(notification, "notify", lambda **kw: plyer_calls.append(kw))
    runs = tmp_path / "runs"
    # Refused the first time (the notification service not up yet), fine afterwards.
    program, _record = fake_notify_send(
        tmp_path,
        f'echo run >> "{runs}"\n'
        f'if [ "$(wc -l < "{runs}")" -eq 1 ]; then echo "GDBus.Error: no service" >&2; exit 1; fi\n'
        "echo 21",
    )
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("log", NOTE)]
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: len(notifier.shown) == 2, timeout=5000)
    assert notifier.shown[-1] == ("notify-send", NOTE)
    assert plyer_calls == []  # plyer would run the same program and not notice a refusal


def test_a_translated_unknown_option_message_is_still_understood(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plyer import notification

    monkeypatch.setattr(notification, "notify", lambda **kw: None)
    program, _record = fake_notify_send(tmp_path, 'echo "Unbekannte Option --print-id" >&2; exit 1')
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown), timeout=5000)
    assert notifier.shown == [("plyer", NOTE)]
    notifier.shutdown()


class _FakeTray(QSystemTrayIcon):
    """A tray icon that is "visible" offscreen and records what Qt would show."""

    def __init__(self) -> None:
        super().__init__()
        self.messages: list[tuple[str, str]] = []

    def isVisible(self) -> bool:
        return True

    def showMessage(self, title: str, body: str, *args: object) -> None:
        self.messages.append((title, body))


HOSTILE = Notification(
    kind="down",
    title="Acme\x1b[31m is \u202edown",
    body="127.0.0.1 says: <a href='https://evil.example'>click</a> <img src=x> & more \x1b]0;owned\x07",
    platforms=("acme",),
    urgency="critical",
    sound=False,
)


def test_the_qt_fallback_escapes_network_text_where_it_may_be_markup(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notify.QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    monkeypatch.setattr(notify.sys, "platform", "linux")
    tray = _FakeTray()
    notifier = Notifier(tray, use_plyer=lambda: False, notify_send=lambda: None)
    notifier.show(HOSTILE)
    assert [backend for backend, _ in notifier.shown] == ["qt"]
    title, body = tray.messages[0]
    assert title == "Acme is down"
    assert body == (
        "127.0.0.1 says: &lt;a href='https://evil.example'&gt;click&lt;/a&gt; &lt;img src=x&gt; &amp; more "
    )


def test_the_qt_fallback_is_plain_text_on_windows_and_macos() -> None:
    assert notify.qt_message_body("<b>x</b> & y", "win32") == "<b>x</b> & y"
    assert notify.qt_message_body("<b>x</b> & y", "darwin") == "<b>x</b> & y"
    assert notify.qt_message_body("<b>x</b> & y", "freebsd14") == "&lt;b&gt;x&lt;/b&gt; &amp; y"


def test_control_characters_and_credentials_never_reach_a_notification(qtbot: QtBot) -> None:
    notifier = Notifier(None, use_plyer=lambda: False, notify_send=lambda: None)
    note = Notification(
        kind="degraded",
        title="Acme\u202e is slow\n",
        body="Acme: could not read https://ops:pw-123@status.acme.example/ \x1b[2J\x9b",
        platforms=("acme",),
        urgency="normal",
        sound=False,
    )
    notifier.show(note)
    shown = notifier.shown[0][1]
    assert shown.title == "Acme is slow "
    assert shown.body == "Acme: could not read https://ops:***@status.acme.example/ "


# -- issue 14: a "down" stays until dismissed; a good-news digest looks like good news ---------

DEGRADED_NOTE = Notification(
    kind="degraded",
    title="TikTok is having problems",
    body="3 of 3 checks failed",
    platforms=("tiktok",),
    urgency="normal",
    sound=False,
)


def test_a_down_notification_never_expires_and_lesser_news_does(qtbot: QtBot, tmp_path: Path) -> None:
    # --expire-time=0 is the freedesktop spec's "never expires"; an explicit 10 s would
    # override the critical urgency on most notification servers.
    program, record = fake_notify_send(tmp_path, "echo 30")
    notifier = Notifier(None, use_plyer=lambda: False, notify_send=lambda: program)
    notifier.show(NOTE)
    qtbot.waitUntil(lambda: bool(notifier.shown) and not notifier._waiting, timeout=5000)
    argv = record.read_text().splitlines()
    assert "--urgency=critical" in argv
    assert [a for a in argv if a.startswith("--expire-time")] == ["--expire-time=0"]
    notifier.show(DEGRADED_NOTE)
    qtbot.waitUntil(lambda: len(notifier.shown) == 2 and not notifier._waiting, timeout=5000)
    argv = record.read_text().splitlines()
    assert [a for a in argv if a.startswith("--expire-time")] == ["--expire-time=10000"]


@pytest.mark.filterwarnings("ignore:The Python dbus package is not installed")
def test_plyer_keeps_a_down_notification(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    from plyer import notification

    calls: list[dict[str, object]] = []
    monkeypatch.setattr(notification, "notify", lambda **kw: calls.append(kw))
    monkeypatch.setattr(notify.sys, "platform", "linux")
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: None)
    notifier.show(NOTE)
    notifier.show(DEGRADED_NOTE)
    qtbot.waitUntil(lambda: len(notifier.shown) == 2, timeout=2000)
    assert [c["timeout"] for c in calls] == [0, 10]  # 0: the notification server never expires it
    notifier.shutdown()
    # Windows removes plyer's balloon when its timeout ends (0 would remove it at once).
    assert notify.plyer_timeout(NOTE, "win32") == notify.CLICKABLE_SECONDS
    assert notify.plyer_timeout(DEGRADED_NOTE, "win32") == 10


def test_the_qt_fallback_keeps_a_down_notification(qtbot: QtBot, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notify.QSystemTrayIcon, "supportsMessages", staticmethod(lambda: True))
    timeouts: list[object] = []

    class Tray(_FakeTray):
        def showMessage(self, title: str, body: str, *args: object) -> None:
            timeouts.append(args[-1])

    notifier = Notifier(Tray(), use_plyer=lambda: False, notify_send=lambda: None)
    notifier.show(NOTE)
    notifier.show(DEGRADED_NOTE)
    assert timeouts == [0, 10_000]  # Qt hands 0 to the notification server: never expires


def test_a_digest_of_good_news_shows_the_operational_icon(qtbot: QtBot, tmp_path: Path) -> None:
    def digest(*news: str) -> Notification:
        return Notification(
            kind="digest",
            title="While you were away: LinkedIn is back",
            body="LinkedIn: working again",
            platforms=("linkedin",),
            urgency="low",
            sound=False,
            news=news,  # type: ignore[arg-type]
        )

    program, record = fake_notify_send(tmp_path, "echo 31")
    notifier = Notifier(None, use_plyer=lambda: False, notify_send=lambda: program)
    notifier.show(digest("recovered"))
    qtbot.waitUntil(lambda: bool(notifier.shown) and not notifier._waiting, timeout=5000)
    icon = next(a for a in record.read_text().splitlines() if a.startswith("--icon="))
    assert icon.endswith("operational.svg")
    assert notify.icon_state(digest("down", "recovered")) == "outage"
    assert notify.icon_state(digest("degraded", "recovered")) == "degraded"


def test_a_problem_offers_the_playbook_actions_and_reports_which_was_pressed(
    qtbot: QtBot, tmp_path: Path
) -> None:
    from dataclasses import replace

    from outagetray.core.alerts import PROBLEM_ACTIONS

    note = replace(NOTE, actions=PROBLEM_ACTIONS)
    program, record = fake_notify_send(tmp_path, "sleep 0.2; printf '19\\nincident\\n'")
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    clicks: list[bool] = []
    notifier.clicked.connect(lambda: clicks.append(True))
    with qtbot.waitSignal(notifier.action, timeout=5000) as pressed:
        notifier.show(note)
    assert pressed.args == [note, "incident"]
    assert clicks == [], "a button is not a click on the body"
    argv = record.read_text().splitlines()
    assert "--action=incident=Open the incident" in argv
    assert "--action=downdetector=Check Downdetector" in argv
    qtbot.waitUntil(lambda: not notifier._waiting, timeout=3000)


def test_an_action_the_notification_did_not_offer_is_ignored(qtbot: QtBot, tmp_path: Path) -> None:
    program, _record = fake_notify_send(tmp_path, "sleep 0.2; printf '20\\nincident\\n'")
    notifier = Notifier(None, use_plyer=lambda: True, notify_send=lambda: program)
    pressed: list[str] = []
    notifier.action.connect(lambda _note, name: pressed.append(name))
    notifier.show(NOTE)  # offers no buttons
    qtbot.waitUntil(lambda: bool(notifier.shown) and not notifier._waiting, timeout=5000)
    assert pressed == []
