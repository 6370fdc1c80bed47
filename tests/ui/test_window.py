"""The status window: verdicts, since when, why, channels that are up, plain text only."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.window import StatusWindow
from tests.ui.helpers import OFFLINE, official, report, status


def test_window_lists_each_platform_with_status_since_and_evidence(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(
        report(
            status(
                "facebook",
                Verdict.MAJOR_OUTAGE,
                "3 of 3 checks failed since 16:02; DNS SERVFAIL for facebook.com",
            ),
            status("x", Verdict.OPERATIONAL, "all 5 checks pass"),
            status("gmail", Verdict.OPERATIONAL, "No open incidents"),
        )
    )
    table = window.table
    assert [table.item(r, 0).text() for r in range(3)] == ["Facebook", "X (Twitter)", "Gmail"]
    assert table.item(0, 1).text() == "major outage"
    assert table.item(0, 2).text() != ""  # since when
    assert table.item(1, 2).text() == ""
    assert "DNS SERVFAIL" in table.item(0, 3).text()
    assert (
        window.channels.text()
        == "Facebook is having problems. Reach your audience on: X (Twitter) and Gmail (email)."
    )
    assert window.connection.text() == "Your connection is fine (2 of 2 connection checks passed)."


def test_network_text_is_shown_literally(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    hostile = "<b>bold</b><img src=x onerror=alert(1)> <a href='https://evil.example'>click</a>"
    source = official("https://discordstatus.com/api/v2/summary.json", Verdict.DEGRADED, hostile)
    window.show_report(report(status("discord", Verdict.DEGRADED, hostile, official=(source,))))
    assert window.table.item(0, 3).text() == hostile
    window.table.selectRow(0)
    assert hostile in window.details.toPlainText()
    assert "discordstatus.com" in window.details.toPlainText()
    assert window.open_page.isEnabled()


def test_offline_and_notices_are_said_plainly(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(
        report(
            status("facebook", Verdict.UNKNOWN, "unknown because your connection appears down"), link=OFFLINE
        )
    )
    assert window.connection.text() == (
        "Your connection appears to be down (could not connect to connectivitycheck.gstatic.com). "
        "Platforms cannot be checked meanwhile."
    )
    window.show_notice("Your settings had problems")
    assert window.notice.isVisibleTo(window)
    window.show_notice("")
    assert not window.notice.isVisibleTo(window)


def test_selection_survives_a_new_round_and_geometry_is_remembered(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(status("facebook", Verdict.OPERATIONAL), status("x", Verdict.OPERATIONAL)))
    window.table.selectRow(1)
    window.show_report(report(status("facebook", Verdict.OPERATIONAL), status("x", Verdict.DEGRADED, "slow")))
    assert "X (Twitter)" in window.details.toPlainText() and "slow" in window.details.toPlainText()
    window.resize(700, 420)
    window.show()
    saved: list[str] = []
    window.geometry_changed.connect(saved.append)
    window.close()
    assert saved and saved[0]
    other = StatusWindow()
    qtbot.addWidget(other)
    other.restore_geometry(saved[0])
    assert (other.width(), other.height()) == (700, 420)


def test_a_hidden_window_draws_the_latest_round_when_shown(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show_report(report(status("facebook", Verdict.OPERATIONAL)))
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    assert window.table.rowCount() == 0  # nothing drawn while hidden
    window.show()
    assert window.table.item(0, 1).text() == "major outage"


def test_ctrl_w_sends_the_window_back_to_the_tray(qtbot: QtBot) -> None:
    from PySide6.QtCore import Qt

    window = StatusWindow()
    qtbot.addWidget(window)
    with qtbot.waitActive(window):  # a shortcut only reaches the active window
        window.show()
        window.activateWindow()
    saved: list[str] = []
    window.geometry_changed.connect(saved.append)  # closed the normal way: geometry kept
    qtbot.keyClick(window, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert not window.isVisible()
    assert saved
