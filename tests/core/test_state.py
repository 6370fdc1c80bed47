from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from outagetray.core import state


def test_round_trip_and_pause_end(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"
    saved = state.AppState(paused_until="2026-11-25T18:00:00+00:00", window_geometry="AdnQywAD")
    state.save(saved, path)
    loaded = state.load(path)
    assert loaded == saved
    assert loaded.pause_end() == datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]


def test_damaged_or_missing_state_is_ignored(tmp_path: Path) -> None:
    assert state.load(tmp_path / "none.json") == state.AppState()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert state.load(bad) == state.AppState()
    bad.write_text('{"paused_until": 5, "window_geometry": "x", "other": "y"}')
    assert state.load(bad) == state.AppState(window_geometry="x")
    assert state.AppState(paused_until="tomorrow").pause_end() is None
    assert state.AppState(paused_until="2026-11-25T18:00:00").pause_end() is None  # no zone: ignored


def test_pause_choices() -> None:
    now = datetime(2026, 11, 25, 16, 2, tzinfo=UTC)
    assert state.pause_end_for("1h", now) == datetime(2026, 11, 25, 17, 2, tzinfo=UTC)
    assert state.pause_end_for("4h", now) == datetime(2026, 11, 25, 20, 2, tzinfo=UTC)
    tomorrow = state.pause_end_for("tomorrow", now)
    local = now.astimezone()
    assert tomorrow.date() == (local.date().fromordinal(local.date().toordinal() + 1))
    assert (tomorrow.hour, tomorrow.minute) == (8, 0)
    assert tomorrow > now
