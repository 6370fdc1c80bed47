"""Moments as the user reads them: the core keeps UTC, the UI shows local time here.

One helper for the window's table and details and the tray's menu, so "since" reads
the same everywhere. A bare "16:02" is only clear for today: an outage that began
yesterday evening would otherwise look like it began this afternoon.

Day and month names are English, like the rest of the app's words, whatever the
system's locale (Qt sets the C library's locale, which would mix languages in a line).
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def since_text(moment: datetime, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """``moment`` in local time: "16:02" today, "Tue 1 Dec 16:02" another day.

    A moment in another year carries the year too ("Thu 31 Dec 2026 23:50"). ``now``
    and ``tz`` are for tests; by default they are the real time and the computer's
    time zone. A naive ``moment`` is taken as UTC, as the core stores it.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    today = now.astimezone(tz).date()  # each in its own offset: summer time may differ
    clock = f"{local.hour:02d}:{local.minute:02d}"
    if local.date() == today:
        return clock
    day = f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"
    if local.year != today.year:
        day += f" {local.year}"
    return f"{day} {clock}"
