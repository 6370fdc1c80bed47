"""The settings file's version and its migration steps (issue 14 item 5)."""

from __future__ import annotations

from pathlib import Path

import pytest

from outagetray.core import settings as s
from outagetray.core import settings_lastgood as lastgood
from outagetray.core.settings_versions import CURRENT, MIGRATIONS, VersionProblem, migrate, version_of

OLD_FILE = """\
# Written before versions existed.
[monitor]
interval_seconds = 90
"""


def test_the_steps_go_one_version_at_a_time_from_zero() -> None:
    assert [step.start for step in MIGRATIONS] == list(range(CURRENT))
    assert len({step.name for step in MIGRATIONS}) == len(MIGRATIONS)
    assert CURRENT == 1


def test_step_0_to_1_only_adds_the_version() -> None:
    data = {"monitor": {"interval_seconds": 90}}
    assert migrate(data) == ["first_version"]
    assert data == {"monitor": {"interval_seconds": 90}, "version": 1}
    assert migrate(data) == []  # a current file is left alone


def test_a_file_without_a_version_is_version_0_and_loads(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OLD_FILE, encoding="utf-8")
    result = s.load(path)
    assert result.ok and not result.warnings
    assert result.settings.interval_seconds == 90
    assert version_of({}) == 0


def test_the_first_save_of_an_old_file_writes_the_version_at_the_top(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OLD_FILE, encoding="utf-8")
    before = s.load(path).settings
    s.save(before, path, before=before)
    text = path.read_text(encoding="utf-8")
    assert text.index("version = 1") < text.index("[monitor]")
    assert "# Written before versions existed." in text
    assert s.load(path).ok


def test_a_file_from_a_newer_app_gets_a_plain_message_and_is_neither_moved_nor_written(
    tmp_path: Path,
) -> None:
    path = tmp_path / "config.toml"
    text = "version = 7\n[monitor]\ninterval_seconds = 90\n[future]\nthing = 1\n"
    path.write_text(text, encoding="utf-8")
    result = s.load(path)
    assert result.newer and not result.ok
    assert "newer OutageTray" in result.problems[0] and "version 7" in result.problems[0]
    assert result.problems[0].startswith("Line 1: ")
    settings, message = lastgood.load_or_recover(path, state_folder=tmp_path / "state")
    assert settings == s.Settings() and "was not changed" in message
    assert path.read_text(encoding="utf-8") == text  # left as it is
    assert list(tmp_path.iterdir()) == [path]
    with pytest.raises(s.SaveRefused) as refused:
        s.save(s.Settings(interval_seconds=300), path, before=s.Settings())
    assert "newer OutageTray" in str(refused.value)
    assert path.read_text(encoding="utf-8") == text


@pytest.mark.parametrize("value", ['"one"', "-1", "true", "1.5"])
def test_a_version_that_is_not_a_whole_number_is_a_problem(tmp_path: Path, value: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(f"version = {value}\n", encoding="utf-8")
    result = s.load(path)
    assert not result.ok and not result.newer
    assert "whole number" in result.problems[0]
    with pytest.raises(VersionProblem):
        version_of({"version": -1})


def test_settings_can_be_read_off_the_calling_thread(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(OLD_FILE, encoding="utf-8")
    from outagetray.app import read_soon

    loaded, state = read_soon(path, tmp_path / "state" / "state.json").result(timeout=5)
    assert loaded.settings.interval_seconds == 90 and loaded.message == ""
    assert state.paused_until is None
    kept = lastgood.snapshot_path(path, tmp_path).name
    assert [p.name for p in (tmp_path / "state").iterdir()] == [kept]
