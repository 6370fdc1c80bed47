"""Issue 14, item 14: "since" shows the date when it is not today (window table, details, tray menu).

Every test injects "now" and, where it matters, the time zone: the outcome must not
depend on the day or the zone the suite runs in.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pytestqt.qtbot import QtBot

from outagetray.core.model import Verdict
from outagetray.ui.tray import Tray
from outagetray.ui.when import since_text
from outagetray.ui.window import StatusWindow, details_text
from tests.ui.helpers import AT, report, status

BERLIN_WINTER = timezone(timedelta(hours=1))
NEW_YORK_WINTER = timezone(timedelta(hours=-5))


def test_today_is_the_time_alone_and_another_day_carries_the_date() -> None:
    moment = datetime(2026, 12, 1, 15, 2, tzinfo=UTC)  # 16:02 in Berlin, on Tuesday 1 Dec
    assert since_text(moment, datetime(2026, 12, 1, 22, 0, tzinfo=UTC), BERLIN_WINTER) == "16:02"
    assert since_text(moment, datetime(2026, 12, 2, 8, 0, tzinfo=UTC), BERLIN_WINTER) == "Tue 1 Dec 16:02"
    # A moment in another year names the year.
    assert (
        since_text(
            datetime(2026, 12, 31, 22, 50, tzinfo=UTC), datetime(2027, 1, 1, 9, tzinfo=UTC), BERLIN_WINTER
        )
        == "Thu 31 Dec 2026 23:50"
    )


def test_today_is_the_users_local_day_not_the_utc_day() -> None:
    # 23:30 UTC on 1 Dec is 18:30 on 1 Dec in New York, and "now" (02:00 UTC on 2 Dec)
    # is still the evening of 1 Dec there: the same day, so the time alone.
    moment = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    now = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
    assert since_text(moment, now, NEW_YORK_WINTER) == "18:30"
    # In Berlin the same moment was 00:30 on 2 Dec and now is 03:00 on 2 Dec: today too.
    assert since_text(moment, now, BERLIN_WINTER) == "00:30"
    # And 22:00 UTC on 1 Dec was yesterday (23:00, 1 Dec) in Berlin.
    assert since_text(datetime(2026, 12, 1, 22, 0, tzinfo=UTC), now, BERLIN_WINTER) == "Tue 1 Dec 23:00"


def _local(moment: datetime) -> str:
    return since_text(moment, moment)  # the same moment as "now": the time alone, in local time


def test_the_window_table_and_details_show_the_date_of_an_older_outage(qtbot: QtBot) -> None:
    two_days_later = AT + timedelta(days=2)
    window = StatusWindow(now=lambda: two_days_later)
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    local = AT.astimezone()
    day = f"{('Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun')[local.weekday()]} {local.day} Nov"
    expected = f"{day} {_local(AT)}"
    assert window.table.item(0, 2).text() == expected
    window.table.selectRow(0)
    assert f"Since {expected}" in window.details.toPlainText().splitlines()
    assert details_text(status("facebook", Verdict.MAJOR_OUTAGE), AT).splitlines()[1] == f"Since {_local(AT)}"


def test_the_window_shows_the_time_alone_for_an_outage_that_began_today(qtbot: QtBot) -> None:
    window = StatusWindow(now=lambda: AT + timedelta(minutes=1))
    qtbot.addWidget(window)
    window.show()
    window.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    assert window.table.item(0, 2).text() == _local(AT)


def test_the_tray_menu_shows_the_date_of_an_older_outage(qtbot: QtBot) -> None:
    tray = Tray(now=lambda: AT + timedelta(days=3))
    tray.show_report(report(status("facebook", Verdict.MAJOR_OUTAGE, "DNS fails")))
    first = tray.menu.actions()[0].text()
    assert first.startswith("Facebook: major outage since ")
    assert first.endswith(f" Nov {_local(AT)}")
    assert len(first.removeprefix("Facebook: major outage since ").split()) == 4  # "Wed 25 Nov 17:02"
