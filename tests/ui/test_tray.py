"""The tray icon and its menu, as a person would see them (offscreen Qt)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from PySide6.QtWidgets import QMenu, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.icons import icon_state, load_icon
from outagetray.ui.tray import Tray, tooltip_text
from tests.ui.helpers import AT, OFFLINE, report, status


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if a.text()]


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
def test_every_verdict_shows_its_own_icon(qtbot: QtBot, verdict: Verdict, state: str) -> None:
    tray = Tray()
    # The core decides: one unknown platform among known ones does not make the icon unknown.
    other = Verdict.UNKNOWN if verdict is Verdict.UNKNOWN else Verdict.OPERATIONAL
    tray.show_report(report(status("facebook", verdict), status("x", other)))
    assert icon_state(verdict) == state
    assert tray.state == state
    image = tray.icon.icon().pixmap(22, 22).toImage()
    assert image.pixelColor(11, 11).alpha() == 255


def test_the_four_icons_differ_from_each_other(qtbot: QtBot) -> None:
    images = [load_icon(s).pixmap(32, 32).toImage() for s in ("operational", "degraded", "outage", "unknown")]
    for i, a in enumerate(images):
        for b in images[i + 1 :]:
            assert a != b


def test_offline_shows_unknown_whatever_the_platforms_say(qtbot: QtBot) -> None:
    tray = Tray()
    tray.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE), link=OFFLINE))
    assert tray.state == "unknown"
    # The words of `outagetray check` and the window, not a second wording of the same state.
    assert tray.icon.toolTip() == "OutageTray: Your internet connection seems to be down"
    assert texts(tray.menu)[0] == "Your internet connection seems to be down"


def test_menu_is_always_there_with_every_entry(qtbot: QtBot) -> None:
    tray = Tray(now=lambda: AT)  # the same day: "since" is the time alone
    assert tray.icon.contextMenu() is tray.menu
    assert texts(tray.menu) == [
        "Checking platforms…",
        "Open OutageTray",
        "Check now",
        "Pause alerts",
        "Settings…",
        "Quit OutageTray",
    ]
    tray.show_report(
        report(
            status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails"),
            status("instagram", Verdict.DEGRADED),
            status("x", Verdict.OPERATIONAL),
        )
    )
    lines = texts(tray.menu)
    since = AT.astimezone().strftime("%H:%M")
    assert lines[:3] == [
        f"Facebook: major outage since {since}",
        f"Instagram: degraded since {since}",
        "X (Twitter): operational",
    ]
    assert tray.icon.toolTip() == "Facebook: major outage\nInstagram: degraded"


def test_tooltip_says_all_clear_in_one_line() -> None:
    assert tooltip_text(None) == "OutageTray: checking…"
    assert tooltip_text(report()) == "OutageTray: no platforms are watched"
    assert (
        tooltip_text(report(status("facebook", Verdict.OPERATIONAL), status("x", Verdict.OPERATIONAL)))
        == "All 2 platforms operational"
    )


def test_one_platform_all_clear_reads_as_a_sentence() -> None:
    # Not "All 1 platforms operational".
    assert tooltip_text(report(status("facebook", Verdict.OPERATIONAL))) == "Facebook is operational"


def test_pause_menu_offers_the_three_choices_and_resume(qtbot: QtBot) -> None:
    tray = Tray()
    pause = next(a.menu() for a in tray.menu.actions() if a.text() == "Pause alerts")
    assert texts(pause) == ["For 1 hour", "For 4 hours", "Until tomorrow morning"]
    chosen: list[str] = []
    tray.pause_requested.connect(chosen.append)
    for action in pause.actions():
        action.trigger()
    assert chosen == ["1h", "4h", "tomorrow"]
    until = datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    tray.set_paused(until)
    pause = next(a.menu() for a in tray.menu.actions() if a.text().startswith("Alerts paused until"))
    assert texts(pause)[0] == "Resume alerts now"
    pause.actions()[0].trigger()
    assert chosen[-1] == ""
    assert "Alerts paused until" in tray.icon.toolTip()


def test_menu_actions_and_a_click_on_the_icon_emit_what_the_user_asked(qtbot: QtBot) -> None:
    tray = Tray()
    actions = {a.text(): a for a in tray.menu.actions()}
    with qtbot.waitSignal(tray.check_requested, timeout=1000):
        actions["Check now"].trigger()
    with qtbot.waitSignal(tray.open_requested, timeout=1000):
        actions["Open OutageTray"].trigger()
    with qtbot.waitSignal(tray.settings_requested, timeout=1000):
        actions["Settings…"].trigger()
    with qtbot.waitSignal(tray.quit_requested, timeout=1000):
        actions["Quit OutageTray"].trigger()
    with qtbot.waitSignal(tray.open_requested, timeout=1000):
        tray.icon.activated.emit(QSystemTrayIcon.ActivationReason.Trigger)


def test_check_now_shows_it_is_busy_until_the_next_round(qtbot: QtBot) -> None:
    tray = Tray()
    tray.set_busy(True)
    assert "Checking…" in texts(tray.menu)
    tray.show_report(report(status("x", Verdict.OPERATIONAL)))
    assert "Check now" in texts(tray.menu)


def test_an_intermittent_outage_reads_on_and_off_in_the_menu_and_tooltip(qtbot: QtBot) -> None:
    """The core says "on and off"; the tray shows that rather than toggling down and back."""
    tray = Tray(now=lambda: AT)
    tray.show_report(
        report(
            status("facebook", Verdict.PARTIAL_OUTAGE, "failing on and off since 16:02", intermittent=True),
            status("x", Verdict.OPERATIONAL),
        )
    )
    since = AT.astimezone().strftime("%H:%M")
    assert texts(tray.menu)[0] == f"Facebook: partial outage (on and off) since {since}"
    assert tray.icon.toolTip() == "Facebook: partial outage (on and off)"
    assert tray.state == "outage"


def test_a_problem_line_stays_in_the_tooltip_until_cleared(qtbot: QtBot) -> None:
    tray = Tray()
    line = "OutageTray: Your settings file has a mistake (Line 3, monitor.watch) — running on its defaults"
    tray.set_problem(line)
    tray.show_report(report(status("facebook", Verdict.OPERATIONAL, "ok")))
    assert tray.icon.toolTip().splitlines() == ["Facebook is operational", line]
    tray.set_paused(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert tray.icon.toolTip().splitlines()[1] == line
    tray.set_problem("")
    assert "mistake" not in tray.icon.toolTip()
