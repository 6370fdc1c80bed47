"""The minimal tray and window, as a person would see them (offscreen Qt)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from outagetray.core.catalog import builtin_platforms
from outagetray.core.check import CheckReport, PlatformReport
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.model import Verdict
from outagetray.ui.icons import icon_state, load_icon
from outagetray.ui.tray import Tray, tooltip_text
from outagetray.ui.window import StatusWindow

ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")


def report(*verdicts: tuple[str, Verdict, str], link: ConnectivityReport = ONLINE) -> CheckReport:
    catalog = builtin_platforms()
    return CheckReport(
        datetime(2026, 11, 25, 16, 2, tzinfo=UTC),
        link,
        tuple(PlatformReport(catalog[pid], verdict, summary, (), ()) for pid, verdict, summary in verdicts),
    )


@pytest.mark.parametrize(
    ("verdict", "state"),
    [
        (Verdict.OPERATIONAL, "operational"),
        (Verdict.MAINTENANCE, "operational"),
        (Verdict.DEGRADED, "degraded"),
        (Verdict.PARTIAL_OUTAGE, "outage"),
        (Verdict.MAJOR_OUTAGE, "outage"),
        (Verdict.UNKNOWN, "unknown"),
    ],
)
def test_every_verdict_maps_to_an_icon_that_renders(qtbot: QtBot, verdict: Verdict, state: str) -> None:
    assert icon_state(verdict) == state
    icon = load_icon(state)
    assert not icon.isNull()
    image = icon.pixmap(22, 22).toImage()
    assert image.pixelColor(11, 11).alpha() == 255  # something is drawn in the middle


def test_tray_shows_the_worst_state_and_a_menu_that_is_always_there(qtbot: QtBot) -> None:
    tray = Tray()
    assert tray.icon.contextMenu() is tray.menu
    assert tray.state == "unknown"
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Checking platforms…",
        "Open OutageTray",
        "Check now",
        "Quit",
    ]
    tray.show_report(
        report(
            ("facebook", Verdict.MAJOR_OUTAGE, "DNS fails"),
            ("x", Verdict.OPERATIONAL, "fine"),
        )
    )
    assert tray.state == "outage"
    assert tray.icon.toolTip() == "Facebook: major outage"
    texts = [a.text() for a in tray.menu.actions() if a.text()]
    assert texts[:2] == ["Facebook: major outage", "X (Twitter): operational"]
    assert "Quit" in texts


def test_tooltip_says_all_clear_in_one_line() -> None:
    assert tooltip_text(None) == "OutageTray: checking…"
    assert (
        tooltip_text(report(("facebook", Verdict.OPERATIONAL, ""), ("x", Verdict.OPERATIONAL, "")))
        == "All 2 platforms operational"
    )


def test_menu_actions_emit_what_the_user_asked(qtbot: QtBot) -> None:
    tray = Tray()
    actions = {a.text(): a for a in tray.menu.actions()}
    with qtbot.waitSignal(tray.check_requested, timeout=1000):
        actions["Check now"].trigger()
    with qtbot.waitSignal(tray.open_requested, timeout=1000):
        actions["Open OutageTray"].trigger()
    with qtbot.waitSignal(tray.quit_requested, timeout=1000):
        actions["Quit"].trigger()
    with qtbot.waitSignal(tray.open_requested, timeout=1000):
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)


def test_window_shows_network_text_as_plain_text(qtbot: QtBot) -> None:
    window = StatusWindow()
    qtbot.addWidget(window)
    hostile = "<b>bold</b><img src=x onerror=alert(1)>"
    window.show_report(report(("discord", Verdict.DEGRADED, hostile)))
    assert window.table.item(0, 0).text() == "Discord"
    assert window.table.item(0, 1).text() == "degraded"
    assert window.table.item(0, 2).text() == hostile  # shown literally, never rendered
    assert window.connection.text() == "Your connection: online (2 of 2 connection checks passed)"
