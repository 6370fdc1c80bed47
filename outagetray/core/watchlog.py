"""The JSON lines ``outagetray watch`` prints: one stable shape for scripts to rely on."""

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
    connection returned, is not), and ``event`` / ``together`` tie a correlated event.
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
    if change.together:
        line["together"] = list(change.together)
    return line
