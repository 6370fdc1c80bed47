"""Issue 14, item 3: one settings store per process, holding the file's path and the settings in use.

The app, its Settings window and the command line read and write the file only through
it, so "the settings in use" exists once; a save changes it only when the file reads back
without a mistake.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from outagetray.core import settings as s
from outagetray.core.settings_store import SettingsStore

GOOD = '# my settings\n[monitor]\nwatch = ["discord"]\ninterval_seconds = 120\n'


def test_the_app_read_sets_the_settings_in_use_and_a_mistake_keeps_the_last_good(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    store = SettingsStore(config, state_folder=tmp_path / "state")
    assert store.current == s.Settings()  # nothing read yet: defaults

    loaded = store.load_for_app()
    assert not loaded.broken and store.path == config
    assert store.current is loaded.settings and store.current.interval_seconds == 120

    config.write_text(GOOD.replace("[monitor]", "[monitor"))
    again = store.load_for_app()
    assert again.broken and again.last_good
    assert store.current.interval_seconds == 120  # the last settings that loaded
    assert config.read_text() == GOOD.replace("[monitor]", "[monitor")  # left as it is


def test_without_a_path_the_store_means_the_usual_file(tmp_path: Path) -> None:
    assert SettingsStore().path == s.default_path()


def test_the_strict_read_reports_a_mistake_and_keeps_the_settings_in_use(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    store = SettingsStore(config)
    assert store.load().ok and store.current.interval_seconds == 120

    config.write_text('[monitor]\ninterval_seconds = "often"\n')
    result = store.load()
    assert not result.ok and result.problems[0].startswith("Line 2, monitor.interval_seconds")
    assert store.current.interval_seconds == 120


def test_a_save_runs_on_what_the_file_holds_afterwards(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    store = SettingsStore(config, state_folder=tmp_path / "state")
    before = store.load_for_app().settings
    # Edited by hand while the window was open: kept, and part of what the app runs on.
    config.write_text(GOOD + "confirm_rounds = 4\n")

    outcome = store.save(replace(before, interval_seconds=300), before)
    assert outcome.ok and outcome.problems == () and outcome.path == config
    assert (outcome.settings.interval_seconds, outcome.settings.confirm_rounds) == (300, 4)
    assert store.current == outcome.settings == s.load(config).settings
    text = config.read_text()
    assert text.startswith("# my settings\n") and "interval_seconds = 300" in text


def test_a_save_that_reads_back_with_a_mistake_leaves_the_settings_in_use_alone(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[monitor]\nconfirm_rounds = 0\n")  # a line the Settings window does not show
    running = s.Settings(interval_seconds=120)
    store = SettingsStore(config, current=running)

    outcome = store.save(replace(running, interval_seconds=300), running)
    assert not outcome.ok
    assert "monitor.confirm_rounds: must be a whole number" in outcome.problems[0]
    assert outcome.settings is running and store.current is running
    assert "interval_seconds = 300" in config.read_text()  # written all the same; the mistake stays


def test_a_refused_save_raises_and_changes_neither_the_file_nor_the_settings_in_use(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(GOOD.replace("[monitor]", "[monitor"))
    running = s.Settings(interval_seconds=120)
    store = SettingsStore(config, current=running)
    with pytest.raises(s.SaveRefused):
        store.save(replace(running, interval_seconds=300), running)
    assert store.current is running
    assert config.read_text() == GOOD.replace("[monitor]", "[monitor")


def test_the_settings_in_use_change_only_once_the_save_has_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another thread (the UI) reading mid-save sees the old settings, never the window's unsaved copy."""
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    store = SettingsStore(config)
    before = store.load().settings
    writing, go_on = threading.Event(), threading.Event()
    real_save = s.save

    def held_save(new: s.Settings, path: Path | None = None, *, before: s.Settings | None = None) -> Path:
        writing.set()
        assert go_on.wait(5)
        return real_save(new, path, before=before)

    monkeypatch.setattr(s, "save", held_save)
    saver = threading.Thread(target=store.save, args=(replace(before, interval_seconds=300), before))
    saver.start()
    assert writing.wait(5)
    assert store.current is before
    go_on.set()
    saver.join(5)
    assert store.current.interval_seconds == 300


def test_building_a_store_costs_start_up_nothing() -> None:
    """run_app builds the store before the tray icon shows: its module must not pull in the settings code."""
    code = (
        "import sys; from outagetray.core.settings_store import SettingsStore; SettingsStore(None); "
        "print(sorted(m for m in ('outagetray.core.settings', 'platformdirs', 'tomlkit', 'dataclasses') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True)
    assert out.stdout.strip() == "[]"
