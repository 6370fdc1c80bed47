"""The History tab: bars painted by verdict where the outage was, the span toggle, past incidents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.core.playbook_history import history_page
from outagetray.core.settings import Settings
from outagetray.ui.cockpit.history_view import COLORS, HistoryView, TimelineBar
from outagetray.ui.window import TABS, StatusWindow
from tests.core.test_playbook import BERLIN, NOW, meta_incident
from tests.ui.helpers import report, status


def color_at(bar: TimelineBar, share: float) -> QColor:
    image = bar.grab().toImage()
    return image.pixelColor(min(image.width() - 1, int(share * image.width())), image.height() // 2)


def close(a: QColor, b: QColor) -> bool:
    return abs(a.red() - b.red()) + abs(a.green() - b.green()) + abs(a.blue() - b.blue()) < 12


@pytest.fixture
def window(qtbot: QtBot) -> StatusWindow:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.resize(900, 600)
    window.show()
    window.show_report(
        report(
            status("facebook", Verdict.MAJOR_OUTAGE),
            status("instagram", Verdict.OPERATIONAL),
            status("x", Verdict.OPERATIONAL),
        )
    )
    older = meta_incident(
        id=3,
        started_at=NOW - timedelta(days=5),
        confirmed_at=NOW - timedelta(days=5),
        ended_at=NOW - timedelta(days=4),
    )
    window.show_incidents([meta_incident()], [meta_incident(), older])
    window.tabs.setCurrentIndex(TABS.index("History"))
    return window


def history(window: StatusWindow) -> HistoryView:
    assert window.history_view is not None
    return window.history_view


def test_the_bars_paint_the_outage_where_it_was(window: StatusWindow) -> None:
    view = history(window)
    assert list(view.bars) == ["facebook", "instagram", "x"]
    facebook = view.bars["facebook"]
    assert facebook.width() > 100
    # The last two of 24 hours were a major outage; before that, fine.
    assert close(color_at(facebook, 0.5), COLORS[Verdict.OPERATIONAL])
    assert close(color_at(facebook, 0.97), COLORS[Verdict.MAJOR_OUTAGE])
    assert close(color_at(facebook, 0.90), COLORS[Verdict.OPERATIONAL])
    assert close(color_at(view.bars["x"], 0.97), COLORS[Verdict.OPERATIONAL])


def test_each_bar_says_its_times_in_words(window: StatusWindow) -> None:
    view = history(window)
    facebook = view.bars["facebook"]
    assert facebook.accessibleName() == "Facebook timeline"
    assert "Facebook: major outage, Wed 2 Dec 14:00 to 16:00 (2 h)" in facebook.accessibleDescription()
    stretch = facebook.stretch_at(facebook.width() * 0.97)
    assert stretch is not None and stretch.verdict is Verdict.MAJOR_OUTAGE
    assert view.summaries["facebook"].text() == "91.7% fine; 1 problem, 2 h in all"


def test_the_30_day_toggle_redraws_with_the_older_outage(window: StatusWindow) -> None:
    view = history(window)
    assert [row.started for row in view.incidents.rows] == ["Wed 2 Dec 14:00"]
    view.span_buttons["30 days"].click()
    assert view.page is not None and view.page.span == "30 days"
    assert view.incidents.rowCount() == 2
    assert view.incidents.index(1, 2).data() == "1 day"
    # Five days ago of thirty: a day-long outage about 5/6 of the way along.
    assert close(color_at(view.bars["facebook"], 1 - 4.5 / 30), COLORS[Verdict.MAJOR_OUTAGE])
    assert "the last 30 days" in view.range.text()


def test_a_short_outage_on_the_long_bar_stays_visible(qtbot: QtBot) -> None:
    blip = meta_incident(
        started_at=NOW - timedelta(days=10),
        confirmed_at=NOW - timedelta(days=10),
        ended_at=NOW - timedelta(days=10) + timedelta(minutes=3),
        changes=(),
    )
    page = history_page([blip], Settings().watched()[:1], "30 days", now=NOW, tz=BERLIN)
    bar = TimelineBar(page.rows[0])
    qtbot.addWidget(bar)
    bar.resize(300, 20)
    image = bar.grab().toImage()
    x = int((1 - 10 / 30) * 300)
    assert any(close(image.pixelColor(px, 10), COLORS[Verdict.MAJOR_OUTAGE]) for px in range(x - 2, x + 3))


def test_double_clicking_a_past_incident_opens_it(window: StatusWindow, qtbot: QtBot) -> None:
    view = history(window)
    view.span_buttons["30 days"].click()
    where = view.list.visualRect(view.incidents.index(1, 1)).center()
    qtbot.mouseClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(view.list.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert window.tabs.currentIndex() == TABS.index("Incident")
    assert window.incident_view is not None and window.incident_view.page is not None
    assert window.incident_view.page.incident_id == 3


def test_without_incidents_the_list_says_so(qtbot: QtBot) -> None:
    window = StatusWindow(now=lambda: NOW, tz=BERLIN)
    qtbot.addWidget(window)
    window.show()
    window.tabs.setCurrentIndex(TABS.index("History"))
    view = history(window)
    assert view.none_yet.isVisible()
    assert view.empty.isVisible()  # no platforms known yet
