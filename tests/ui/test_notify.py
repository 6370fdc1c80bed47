"""Notification back-ends in order: plyer off the UI thread, Qt's balloon, then one log line."""

from __future__ import annotations

import logging
import threading

import pytest
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
    notifier = Notifier(None, use_plyer=lambda: True)
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
    notifier = Notifier(None, use_plyer=lambda: True)
    with caplog.at_level(logging.WARNING, logger=notify.__name__):
        notifier.show(NOTE)
        qtbot.waitUntil(lambda: bool(notifier.shown), timeout=2000)
    assert notifier.shown == [("log", NOTE)]  # no tray here either: one clear log line
    assert "could not show a notification" in caplog.text and NOTE.title in caplog.text
    notifier.show(NOTE)
    assert notifier.shown[-1] == ("log", NOTE)  # decided at once, no second plyer attempt


def test_without_plyer_and_tray_one_log_line(qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    notifier = Notifier(None, use_plyer=lambda: False)
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
