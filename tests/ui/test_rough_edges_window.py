"""Issue 14, item 15: "Open status page" says so when no browser can be started, and offers the link."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.window import StatusWindow, status_page_url
from tests.ui.helpers import report, status


@pytest.fixture
def window(qtbot: QtBot) -> StatusWindow:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    window.table.selectRow(0)
    return window


def no_browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    asked: list[str] = []

    def open_url(url: QUrl) -> bool:
        asked.append(url.toString())
        return False  # what Qt answers when no browser could be started

    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(open_url))
    return asked


def the_box(qtbot: QtBot, window: StatusWindow) -> QMessageBox:
    qtbot.waitUntil(lambda: window.link_box is not None and window.link_box.isVisible(), timeout=2000)
    assert window.link_box is not None
    return window.link_box


def test_without_a_browser_the_user_is_told_and_can_copy_the_link(
    qtbot: QtBot, window: StatusWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = no_browser(monkeypatch)
    QGuiApplication.clipboard().setText("something else")
    url = status_page_url(window._statuses[0])
    window.open_page.click()
    assert asked == [url]
    box = the_box(qtbot, window)
    assert "could not open your web browser" in box.text()
    assert url in box.text()
    copy = next(b for b in box.buttons() if b.text() == "Copy link")
    copy.click()
    qtbot.waitUntil(lambda: window.link_box is None, timeout=2000)
    assert QGuiApplication.clipboard().text() == url


def test_closing_the_message_leaves_the_clipboard_alone(
    qtbot: QtBot, window: StatusWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    no_browser(monkeypatch)
    QGuiApplication.clipboard().setText("the user's own text")
    window.open_page.click()
    box = the_box(qtbot, window)
    box.button(QMessageBox.StandardButton.Close).click()
    qtbot.waitUntil(lambda: window.link_box is None, timeout=2000)
    assert QGuiApplication.clipboard().text() == "the user's own text"


def test_a_browser_that_opens_shows_no_message(
    qtbot: QtBot, window: StatusWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: True))
    window.open_page.click()
    assert window.link_box is None
