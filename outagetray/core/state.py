"""What the app remembers between runs that is not a setting: a pause, the window's place.

Kept apart from the user's config file (which is theirs to edit) in the platform's
state folder. A damaged state file is simply ignored: losing a window position is
no reason to stop the app.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from outagetray.core.atomic import write_atomic


@dataclass(frozen=True)
class AppState:
    paused_until: str | None = None  # ISO 8601 with offset
    window_geometry: str | None = None  # Qt's saveGeometry(), base64

    def pause_end(self) -> datetime | None:
        if not self.paused_until:
            return None
        try:
            when = datetime.fromisoformat(self.paused_until)
        except ValueError:
            return None
        return when if when.tzinfo else None


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("OutageTray", appauthor=False) / "state.json"


def load(path: Path | None = None) -> AppState:
    path = path or default_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return AppState()
    if not isinstance(data, dict):
        return AppState()
    values = {k: v for k, v in data.items() if k in AppState.__dataclass_fields__ and isinstance(v, str)}
    return AppState(**values)


def save(state: AppState, path: Path | None = None) -> None:
    """Write atomically; called off the UI thread."""
    path = path or default_path()
    write_atomic(path, json.dumps(asdict(state)).encode("utf-8"))


#: "Pause alerts until tomorrow" ends at this local hour the next day: the start of a working day.
TOMORROW_HOUR = 8


def pause_end_for(choice: str, now: datetime) -> datetime:
    """When a pause chosen from the tray menu ends: "1h", "4h" or "tomorrow" (local time)."""
    from datetime import timedelta

    if choice == "1h":
        return now + timedelta(hours=1)
    if choice == "4h":
        return now + timedelta(hours=4)
    if choice == "tomorrow":
        local = now.astimezone()
        return (local + timedelta(days=1)).replace(hour=TOMORROW_HOUR, minute=0, second=0, microsecond=0)
    raise ValueError(f"unknown pause choice {choice!r}")
