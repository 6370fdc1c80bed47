"""The JSON lines ``outagetray watch`` prints: one stable shape for scripts to rely on.

Also the same change as one line of the app's log file, for a person to read.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from outagetray.core.judge import Change, ConnectivityChange


def timestamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def change_line(change: object) -> dict[str, Any]:
    """A platform change, or a change of the user's own connection, as a JSON-ready dict.

    The first five keys are the documented contract; ``alert`` says whether the change is
    news to a person (a change to unknown, or an outage continuing after the user's
    connection returned, is not), ``event`` / ``together`` tie a correlated event, and
    ``incident`` ties every change of one outage together.
    """
    if isinstance(change, ConnectivityChange):
        return {"at": timestamp(change.at), "connectivity": change.new.value, "detail": change.detail}
    if not isinstance(change, Change):
        raise TypeError(f"not a change: {change!r}")
    line: dict[str, Any] = {
        "at": timestamp(change.at),
        "platform": change.platform.id,
        "from": change.old.value,
        "to": change.new.value,
        "evidence": change.evidence,
        "alert": change.alert,
        "event": change.event,
    }
    if change.incident:
        # Every change of one outage, on and off included, carries the number of the change that opened it.
        line["incident"] = change.incident
    if change.together:
        line["together"] = list(change.together)
    return line


def log_line(change: object) -> str:
    """A change as one line of the log: what changed, from what to what, and the evidence.

    Masking and control characters are the log filter's job (core/logfile.py), so
    the text here is exactly what the judge said.
    """
    if isinstance(change, ConnectivityChange):
        return f"your connection: {change.old.value} → {change.new.value} ({change.detail})"
    if not isinstance(change, Change):
        raise TypeError(f"not a change: {change!r}")
    news = "" if change.alert else " (not news: no alert)"
    return (
        f"verdict change: {change.platform.id} {change.old.value} → {change.new.value}{news}; "
        f"evidence: {change.evidence}"
    )
