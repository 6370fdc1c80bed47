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

from outagetray.core.atomic import read_small, remove_stale_temporaries, write_atomic

#: The state is a few hundred bytes; a larger file is not ours and is not read.
MAX_FILE_BYTES = 64 << 10


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
    """The saved state, or a fresh one for anything odd: a pipe, a huge file, JSON nested to crash the parser.

    Called once at app start, so temporary files of a save that was killed are removed here too.
    """
    path = path or default_path()
    remove_stale_temporaries(path)
    try:
        data = json.loads(read_small(path, MAX_FILE_BYTES).decode("utf-8"))
    except (OSError, ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
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
