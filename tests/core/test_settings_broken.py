"""Issue 14, item 8: a mistake in the settings file never costs the user their settings.

The broken file stays where it is, untouched; the app runs on the last settings that
loaded (a copy kept in its state folder), or on its defaults when none ever did; and
the message says what is wrong, line and key, and what the app runs on.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from outagetray.core import settings as s
from outagetray.core import settings_lastgood as lastgood

GOOD = (
    '[monitor]\nwatch = ["discord", "acme"]\ninterval_seconds = 120\n\n'
    '[connectivity]\ncontrols = [{ url = "http://127.0.0.1:9/check", expect_status = 204 }]\n\n'
    '[[platforms]]\nid = "acme"\nname = "Acme"\n'
    'sources = [{ type = "statuspage", url = "https://status.acme.example/api/v2/summary.json" }]\n'
)
#: The same file with one `]` missing: the mistake the issue names.
BROKEN = GOOD.replace("[connectivity]", "[connectivity", 1)


def test_a_broken_file_is_left_in_place_and_the_last_good_settings_are_used(tmp_path: Path) -> None:
    config, state = tmp_path / "config.toml", tmp_path / "state"
    config.write_text(GOOD)
    first = lastgood.load_for_app(config, state_folder=state)
    assert not first.broken and first.message == ""
    assert first.settings.watch == ("discord", "acme")

    config.write_text(BROKEN)
    second = lastgood.load_for_app(config, state_folder=state)
    assert second.broken and second.last_good
    assert second.settings == first.settings  # the user's platforms and checks are still there
    assert second.settings.controls[0].url == "http://127.0.0.1:9/check"
    assert config.read_text() == BROKEN  # left as it is
    assert [p.name for p in tmp_path.iterdir() if p.is_file()] == ["config.toml"]  # nothing renamed aside
    assert second.message.startswith(
        "Your settings file has a mistake, so OutageTray keeps running on the last settings that worked."
    )
    assert f"The file was left as it is: {config}." in second.message
    assert "the next time it starts or when you save from Settings" in second.message
    assert "• Line 5, column 14: the settings file is not valid TOML here: Expected ']'" in second.message
    assert second.short == (
        "Your settings file has a mistake (Line 5, column 14) — running on your last working settings"
    )


def test_without_a_good_copy_the_defaults_are_used_and_the_file_is_untouched(tmp_path: Path) -> None:
    config, state = tmp_path / "config.toml", tmp_path / "state"
    config.write_text(BROKEN)
    before = os.stat(config)
    loaded = lastgood.load_for_app(config, state_folder=state)
    assert loaded.broken and not loaded.last_good
    assert loaded.settings == s.Settings()
    assert config.read_text() == BROKEN
    assert os.stat(config).st_mtime_ns == before.st_mtime_ns
    assert not state.exists()  # a broken file is never kept as "the last that worked"
    assert "OutageTray is running on its defaults for now" in loaded.message
    assert loaded.short.endswith("— running on its defaults")


def test_the_message_and_the_tooltip_line_name_the_line_and_the_key(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('version = 1\n[monitor]\nwatch = ["facebok"]\n')
    loaded = lastgood.load_for_app(config, state_folder=tmp_path / "state")
    assert loaded.problems[0].startswith('Line 3, monitor.watch: "facebok" is not a platform')
    assert '• Line 3, monitor.watch: "facebok"' in loaded.message
    assert loaded.short == (
        "Your settings file has a mistake (Line 3, monitor.watch) — running on its defaults"
    )


def test_the_copy_is_written_only_when_the_file_changed_and_is_owner_only(tmp_path: Path) -> None:
    config, state = tmp_path / "config.toml", tmp_path / "state"
    config.write_text(GOOD)
    lastgood.load_for_app(config, state_folder=state)
    (copy,) = state.iterdir()
    assert copy.read_text() == GOOD
    assert copy.stat().st_mode & 0o077 == 0  # sources may carry passwords
    os.utime(copy, (1, 1))
    lastgood.load_for_app(config, state_folder=state)
    assert copy.stat().st_mtime == 1  # same bytes: not written again
    config.write_text(GOOD.replace("120", "300"))
    assert lastgood.load_for_app(config, state_folder=state).settings.interval_seconds == 300
    assert "interval_seconds = 300" in copy.read_text()


def test_each_config_file_has_its_own_copy(tmp_path: Path) -> None:
    state = tmp_path / "state"
    one, other = tmp_path / "one.toml", tmp_path / "other.toml"
    one.write_text(GOOD)
    lastgood.load_for_app(one, state_folder=state)
    other.write_text(BROKEN)
    loaded = lastgood.load_for_app(other, state_folder=state)
    assert not loaded.last_good and loaded.settings == s.Settings()  # never another file's settings


def test_a_copy_that_no_longer_loads_gives_the_defaults(tmp_path: Path) -> None:
    config, state = tmp_path / "config.toml", tmp_path / "state"
    config.write_text(GOOD)
    lastgood.load_for_app(config, state_folder=state)
    (copy,) = state.iterdir()
    copy.write_text("[monitor\n")
    config.write_text(BROKEN)
    loaded = lastgood.load_for_app(config, state_folder=state)
    assert loaded.broken and not loaded.last_good and loaded.settings == s.Settings()


def test_the_problem_place_reads_every_kind_of_problem() -> None:
    assert lastgood.problem_place("Line 3, monitor.watch: bad") == "Line 3, monitor.watch"
    assert lastgood.problem_place("Line 1: brackets nested too deep") == "Line 1"
    syntax = "The settings file is not valid TOML: x (at line 7, column 2)."
    assert lastgood.problem_place(syntax) == "Line 7, column 2"
    assert lastgood.problem_place("The settings file could not be read: it is a pipe, not a text file.") == ""


def test_check_and_watch_refuse_a_broken_file_with_its_problems_even_after_a_good_start(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The command line never runs on the kept copy: it says what is wrong and exits 2."""
    from outagetray.cli import main

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    config = tmp_path / "config.toml"
    config.write_text(GOOD)
    assert lastgood.load_for_app(config).last_good is False  # a copy is now kept in the state folder
    config.write_text(BROKEN)
    for command in ("check", "watch"):
        assert main([command, "--config", str(config)]) == 2
        err = capsys.readouterr().err
        assert f"the settings file {config} has problems:" in err
        assert "Line 5, column 14: the settings file is not valid TOML here" in err
    assert config.read_text() == BROKEN
