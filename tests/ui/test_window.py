"""The status window: verdicts, since when, why, channels that are up, plain text only."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.window import StatusWindow, details_text
from tests.ui.helpers import AT, OFFLINE, official, report, status


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
    assert window.connection.text() == "Your connection is fine: 2 of 2 connection checks passed."


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
        "Your internet connection seems to be down: could not connect to connectivitycheck.gstatic.com. "
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


def test_credentials_and_control_characters_never_show(qtbot: QtBot) -> None:
    """A custom platform whose source address holds a password, and whose name holds escapes."""
    from dataclasses import replace

    from outagetray.core.judge import PlatformStatus
    from outagetray.core.model import IncidentNote, Platform, Reading, SourceSpec
    from outagetray.core.poller import SourceResult
    from outagetray.ui.tray import Tray, tooltip_text

    url = "https://ops:pa55word@status.acme.example/api/v2/summary.json?api_key=k-123"
    platform = Platform(
        "acme",
        "Acme\x1b[31m Shop\u202e\x07\n",
        "Acme Inc",
        homepage="https://acme.example/",
        sources=(SourceSpec("statuspage", url),),
    )
    reading = Reading(
        Verdict.DEGRADED,
        "Checkout is slow \x1b]0;owned\x07",
        incidents=(IncidentNote("Slow\u2066 checkout", Verdict.DEGRADED, "investigating", url),),
    )
    acme = PlatformStatus(
        platform,
        Verdict.DEGRADED,
        None,
        f"could not read {url}\x9b2J",
        official=(SourceResult(platform.sources[0], reading),),
    )
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(acme))
    assert window.table.item(0, 0).text() == "Acme Shop "
    evidence = window.table.item(0, 3).text()
    assert evidence == "could not read https://ops:***@status.acme.example/api/v2/summary.json?api_key=***"
    window.table.selectRow(0)
    details = window.details.toPlainText()
    assert "pa55word" not in details and "k-123" not in details
    assert "https://ops:***@status.acme.example/" in details
    assert "\x1b" not in details and "\u202e" not in details and "\u2066" not in details
    assert "Checkout is slow " in details and "Slow checkout" in details
    # "Open status page" opens the incident's page as given; the site root has no credentials.
    no_incident = replace(acme, official=(SourceResult(platform.sources[0], replace(reading, incidents=())),))
    from outagetray.ui.window import status_page_url

    assert status_page_url(no_incident) == "https://status.acme.example/"
    window.show_notice(f"Your settings had problems: {url}\x1b[2J")
    assert window.notice.text() == (
        "Your settings had problems: https://ops:***@status.acme.example/api/v2/summary.json?api_key=***"
    )
    # The tray shows the name too: its tooltip and its menu.
    assert tooltip_text(report(acme)) == "Acme Shop : degraded"
    tray = Tray()
    tray.show_report(report(acme))
    texts = [action.text() for action in tray.menu.actions()]
    assert "Acme Shop : degraded" in texts
    tips = [action.toolTip() for action in tray.menu.actions()]
    assert any(tip.startswith("could not read https://ops:***@") for tip in tips)


def test_an_intermittent_outage_reads_on_and_off_in_the_table_and_details(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(
        report(
            status("facebook", Verdict.PARTIAL_OUTAGE, "failing on and off since 16:02", intermittent=True)
        )
    )
    assert window.table.item(0, 1).text() == "partial outage (on and off)"
    assert "Facebook (owner: Meta) — partial outage (on and off)" in details_text(
        status("facebook", Verdict.PARTIAL_OUTAGE, intermittent=True)
    )


def test_an_outage_that_began_another_day_shows_its_date_in_the_table_and_the_tray(qtbot: QtBot) -> None:
    """Issue 14, item 14, with the real clock: the helpers' AT (25 Nov 2026) is long past."""
    from outagetray.ui.tray import Tray

    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    clock = AT.astimezone().strftime("%H:%M")
    local_day = str(AT.astimezone().day)
    assert window.table.item(0, 2).text().split()[1:] == [local_day, "Nov", clock]  # e.g. "Wed 25 Nov 17:02"
    tray = Tray()
    tray.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    assert tray.menu.actions()[0].text().endswith(f"since {window.table.item(0, 2).text()}")


def test_the_window_says_offline_in_the_same_words_as_check(qtbot: QtBot) -> None:
    """The connection line is ConnectivityReport.sentence, which `outagetray check` prints too."""
    from outagetray.core.connectivity import Connectivity, ConnectivityReport

    window = StatusWindow()
    qtbot.addWidget(window)
    window.show()
    link = ConnectivityReport(Connectivity.OFFLINE, "neither Google's nor Microsoft's check answered")
    window.show_report(report(status("facebook", Verdict.UNKNOWN, "unknown"), link=link))
    assert window.connection.text() == (
        "Your internet connection seems to be down: neither Google's nor Microsoft's check answered. "
        "Platforms cannot be checked meanwhile."
    )
    assert window.connection.text().startswith(link.sentence)
