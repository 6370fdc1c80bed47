"""The tray's part in the playbook (issue 15): an outage waits for "I'm on it" with a mark
and a menu entry, and a failing platform's line offers Downdetector and "tell me when it's back"."""

from __future__ import annotations

from PySide6.QtWidgets import QMenu
from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.icons import flagged_icon, load_icon
from outagetray.ui.tray import Tray
from tests.ui.helpers import AT, report, status


def texts(menu: QMenu) -> list[str]:
    return [a.text() for a in menu.actions() if a.text()]


def test_an_unacknowledged_incident_marks_the_icon_and_has_a_menu_entry(qtbot: QtBot) -> None:
    tray = Tray(now=lambda: AT)
    tray.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE), status("x", Verdict.OPERATIONAL)))
    plain = tray.icon.icon().pixmap(32, 32).toImage()
    tray.set_playbook([(7, "Facebook outage since 16:02")], frozenset())
    assert tray.flagged and tray.state == "outage+flag"
    marked = tray.icon.icon().pixmap(32, 32).toImage()
    assert marked != plain
    assert marked == flagged_icon("outage").pixmap(32, 32).toImage()
    assert "1 outage waits for you" in tray.icon.toolTip()
    entry = tray.menu.actions()[0]
    assert entry.text() == "⚑ Facebook outage since 16:02"
    with qtbot.waitSignal(tray.incident_requested) as opened:
        entry.trigger()
    assert opened.args == [7]
    tray.set_playbook([], frozenset())  # acknowledged
    assert not tray.flagged and tray.state == "outage"
    assert tray.icon.icon().pixmap(32, 32).toImage() == load_icon("outage").pixmap(32, 32).toImage()
    assert not any(t.startswith("⚑") for t in texts(tray.menu))


def test_a_failing_platform_offers_downdetector_and_follow(qtbot: QtBot) -> None:
    tray = Tray(now=lambda: AT)
    tray.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE), status("x", Verdict.OPERATIONAL)))
    line = next(a for a in tray.menu.actions() if a.text().startswith("Facebook"))
    submenu = line.menu()
    assert submenu is not None, "a failing platform's line opens the playbook's choices"
    assert texts(submenu) == ["Open OutageTray", "Check Downdetector", "Tell me when it's back"]
    with qtbot.waitSignal(tray.downdetector_requested) as asked:
        submenu.actions()[1].trigger()
    assert asked.args == ["facebook"]
    follow = submenu.actions()[2]
    assert follow.isCheckable() and not follow.isChecked()
    with qtbot.waitSignal(tray.follow_requested) as followed:
        follow.trigger()
    assert followed.args == ["facebook", True]
    tray.set_playbook([], frozenset({"facebook"}))
    line = next(a for a in tray.menu.actions() if a.text().startswith("Facebook"))
    assert line.menu() is not None and line.menu().actions()[2].isChecked()
    ok = next(a for a in tray.menu.actions() if a.text().startswith("X"))
    assert ok.menu() is None, "a working platform's line stays a plain line"


def test_rebuilding_the_menu_does_not_pile_up_submenus(qtbot: QtBot) -> None:
    tray = Tray(now=lambda: AT)
    for n in range(5):
        verdict = Verdict.MAJOR_OUTAGE if n % 2 == 0 else Verdict.PARTIAL_OUTAGE
        tray.show_report(report(status("facebook", verdict)))
    qtbot.wait(10)  # deleteLater runs on the next turn of the event loop
    live = [m for m in tray.menu.findChildren(QMenu) if m is not tray._pause_menu]
    assert len(live) == 1
