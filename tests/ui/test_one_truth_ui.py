"""Issue 14, "One truth", as the user sees it: the tray and the window show what the core decided."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.tray import Tray
from tests.ui.helpers import report, status


def test_one_unknown_platform_among_working_ones_keeps_the_icon_operational(qtbot: QtBot) -> None:
    shown = report(
        status("facebook", Verdict.OPERATIONAL),
        status("instagram", Verdict.UNKNOWN, "its status page has not answered for a while"),
        status("x", Verdict.OPERATIONAL),
    )
    assert shown.overall is Verdict.OPERATIONAL  # the core's word
    tray = Tray()
    tray.show_report(shown)
    assert tray.state == "operational"  # the tray shows it, not a grey icon of its own making


def test_the_worst_known_problem_wins_over_an_unknown_platform(qtbot: QtBot) -> None:
    shown = report(status("facebook", Verdict.UNKNOWN), status("x", Verdict.DEGRADED))
    tray = Tray()
    tray.show_report(shown)
    assert (shown.overall, tray.state) == (Verdict.DEGRADED, "degraded")
