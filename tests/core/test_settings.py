"""Settings: every bad file gives a clear message naming line and key, and loses nothing."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from outagetray.core import settings as s
from outagetray.core import settings_lastgood as lastgood


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "config.toml"
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def test_missing_file_gives_the_defaults(tmp_path: Path) -> None:
    result = s.load(tmp_path / "nope.toml")
    assert result.ok and not result.exists
    assert result.settings.watch == ("facebook", "instagram", "whatsapp", "x")
    assert result.settings.interval_seconds == 60
    assert len({c.url.split("/")[2] for c in result.settings.controls}) >= 2


def test_default_path_is_in_the_platform_config_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert s.default_path() == tmp_path / "OutageTray" / "config.toml"


def test_the_documented_example_loads(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
[monitor]
watch = ["facebook", "instagram", "whatsapp", "x", "acme"]
interval_seconds = 90

[connectivity]
controls = [{ url = "http://connectivitycheck.gstatic.com/generate_204", expect_status = 204 }]

[[platforms]]          # custom platforms, or overrides of built-in ones by id
id = "acme"
name = "Acme"
owner = "Acme Inc"
sources = [
  { type = "statuspage", url = "https://status.acme.example/api/v2/summary.json" },
  { type = "google_incidents", url = "https://status.acme.example/incidents.json", product = "Gmail" },
]
""",
    )
    result = s.load(path)
    assert result.problems == []
    settings = result.settings
    assert settings.interval_seconds == 90
    acme = settings.watched()[-1]
    assert (acme.id, acme.name, acme.owner) == ("acme", "Acme", "Acme Inc")
    assert [src.type for src in acme.sources] == ["statuspage", "google_incidents"]
    assert acme.sources[1].options == {"product": "Gmail"}
    assert settings.controls == (s.ControlCheck("http://connectivitycheck.gstatic.com/generate_204", 204),)


def test_override_of_a_builtin_platform_by_id(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[[platforms]]\nid = "discord"\n'
        'sources = [{ type = "statuspage", url = "http://127.0.0.1:9/s.json" }]\n',
    )
    discord = s.load(path).settings.platforms()["discord"]
    assert discord.sources[0].url == "http://127.0.0.1:9/s.json"
    assert discord.owner == "Discord"
    assert discord.probes  # kept from the catalog


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, '[monitor]\nwatch = ["facebook"\ninterval_seconds = 60\n'))
    assert not result.ok
    assert "not valid TOML" in result.problems[0]
    assert result.problems[0].startswith("Line 3, column 1: ")
    assert result.settings == s.Settings()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[monitor]\ninterval_seconds = "abc"\n', "Line 2, monitor.interval_seconds: must be a whole number"),
        ("[monitor]\n\ninterval_seconds = 5\n", "Line 3, monitor.interval_seconds"),
        ("[monitor]\ninterval_seconds = true\n", "Line 2, monitor.interval_seconds"),
        (
            "[monitor]\nconfirm_rounds = 0\n",
            "Line 2, monitor.confirm_rounds: must be a whole number of rounds",
        ),
        ('[monitor]\nrecover_rounds = "2"\n', "Line 2, monitor.recover_rounds"),
        (
            '[monitor]\nwatch = [\n  "facebook",\n  "facebok",\n]\n',
            'Line 2, monitor.watch: "facebok" is not a platform',
        ),
        ('[monitor]\nwatch = "facebook"\n', "Line 2, monitor.watch: must be a list"),
        ("monitor = 5\n", "Line 1, monitor: must be a section"),
        ('[connectivity]\ncontrols = [{ url = "ftp://x" }]\n', "Line 2, connectivity.controls: item 1: url"),
        ('[connectivity]\ncontrols = [{ url = "http://x", expect_status = "204" }]\n', "expect_status"),
        ("[connectivity]\ncontrols = []\n", "Line 2, connectivity.controls: must be a list"),
        ('[network]\nnameservers = ["dns.google"]\n', "Line 2, network.nameservers"),
        (
            '[notifications]\nquiet_hours = { start = "25:00", end = "07:00" }\n',
            "Line 2, notifications.quiet_hours",
        ),
        ('[notifications]\nmuted = ["tiktk"]\n', 'Line 2, notifications.muted: "tiktk" is not a platform'),
        ("[notifications]\nsound = 1\n", "Line 2, notifications.sound: must be true or false"),
        ("[notifications]\ncooldown_minutes = -5\n", "Line 2, notifications.cooldown_minutes"),
        ('[app]\nstart_at_login = "yes"\n', "Line 2, app.start_at_login: must be true or false"),
        (
            '[[platforms]]\nid = "ok"\nsources = [{ type = "statuspage", url = "https://a" }]\n\n'
            '[[platforms]]\nid = "Bad Id"\n',
            "Line 6, platforms[2].id: id must be lower-case",
        ),
        (
            '[[platforms]]\nid = "acme"\n'
            'sources = [{ type = "statuspage", url = "https://a", product = "x" }]\n',
            "Line 3, platforms[1].sources: sources item 1: 'product' is not an option of a statuspage source",
        ),
        (
            '[[platforms]]\nid = "acme"\nsources = [{ type = "statuspage", url = "https://a" }]\n'
            '[[platforms]]\nid = "acme"\nsources = [{ type = "statuspage", url = "https://b" }]\n',
            'Line 5, platforms[2].id: platform "acme" is defined twice',
        ),
    ],
)
def test_invalid_values_name_line_and_key(tmp_path: Path, text: str, expected: str) -> None:
    result = s.load(write(tmp_path, text))
    assert not result.ok
    assert any(expected in p for p in result.problems), result.problems
    assert result.settings == s.Settings()


def test_did_you_mean_for_a_misspelt_platform(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, '[monitor]\nwatch = ["instagran"]\n'))
    assert 'Did you mean "instagram"?' in result.problems[0]


def test_unknown_keys_are_warnings_not_failures(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, "[monitor]\nintervl_seconds = 30\n\n[colours]\nx = 1\n"))
    assert result.ok
    assert any("Line 2, monitor.intervl_seconds: not a setting" in w for w in result.warnings)
    assert any("Line 4, colours: not a setting" in w for w in result.warnings)


def test_not_utf8_and_unreadable_files_are_problems(tmp_path: Path) -> None:
    assert not s.load(write(tmp_path, b"\xff\xfe[monitor]")).ok
    folder = tmp_path / "dir.toml"
    folder.mkdir()
    assert s.load(folder).problems == [
        "The settings file could not be read: it is a folder, not a text file."
    ]


def test_bom_is_accepted(tmp_path: Path) -> None:
    assert (
        s.load(write(tmp_path, b"\xef\xbb\xbf[monitor]\ninterval_seconds = 120\n")).settings.interval_seconds
        == 120
    )


def test_save_round_trips_and_is_atomic(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "config.toml"
    settings = s.Settings(
        watch=("discord", "acme"),
        interval_seconds=120,
        confirm_rounds=4,
        recover_rounds=3,
        custom_platforms=({"id": "acme", "sources": [{"type": "statuspage", "url": "https://a/s.json"}]},),
        nameservers=("127.0.0.1:5353",),
        notifications=s.Notifications(
            enabled=True,
            muted=("tiktok",),
            quiet_start="22:00",
            quiet_end="07:00",
            sound=True,
            cooldown_minutes=10,
        ),
        start_at_login=True,
    )
    s.save(settings, path)
    assert s.load(path).settings == settings
    assert tomllib.loads(path.read_text())["monitor"]["interval_seconds"] == 120
    assert [p.name for p in path.parent.iterdir()] == ["config.toml"]  # no temporary file left


def test_a_failed_save_leaves_the_old_file_untouched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "[monitor]\ninterval_seconds = 300\n")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        s.save(s.Settings(interval_seconds=60), path)
    assert path.read_text() == "[monitor]\ninterval_seconds = 300\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_the_app_leaves_a_broken_file_alone_and_says_what_was_wrong(tmp_path: Path) -> None:
    path = write(tmp_path, '[monitor]\ninterval_seconds = "often"\n')
    settings, message = lastgood.load_or_recover(path, state_folder=tmp_path / "state")
    assert settings == s.Settings()  # nothing has ever loaded: the defaults
    assert path.read_text() == '[monitor]\ninterval_seconds = "often"\n'
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]  # nothing renamed, no copy kept
    assert message.startswith("Your settings file has a mistake, so OutageTray is running on its defaults")
    assert f"The file was left as it is: {path}." in message
    assert "Line 2, monitor.interval_seconds" in message
    assert "Traceback" not in message


def test_the_app_says_nothing_when_the_file_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "[monitor]\ninterval_seconds = 90\n")
    settings, message = lastgood.load_or_recover(path, state_folder=tmp_path / "state")
    assert (settings.interval_seconds, message) == (90, "")
    assert path.exists()


def test_unknown_keys_get_a_guess_and_the_app_shows_them(tmp_path: Path) -> None:
    path = write(tmp_path, "[notification]\nsound = true\n\n[monitor]\ninterval = 60\n")
    result = s.load(path)
    assert result.ok
    assert (
        'Line 1, notification: not a setting OutageTray knows; it is ignored (did you mean "notifications"?)'
        in (result.warnings)
    )
    assert any("monitor.interval: not a setting" in w and '"interval_seconds"' in w for w in result.warnings)
    settings, message = lastgood.load_or_recover(path, state_folder=tmp_path / "state")
    assert settings == s.Settings()
    assert message.startswith("Some lines of your settings file were not understood and are ignored:")
    assert "did you mean" in message
    assert path.exists()


def test_saving_through_a_linked_config_keeps_the_link(tmp_path: Path) -> None:
    # People keep their settings in a dotfiles folder and link them in; a save must reach that file.
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "outagetray.toml"
    real.write_text("[monitor]\ninterval_seconds = 300\n")
    config = tmp_path / "OutageTray" / "config.toml"
    config.parent.mkdir()
    config.symlink_to(Path("..") / "dotfiles" / "outagetray.toml")
    s.save(s.Settings(interval_seconds=120), config)
    assert config.is_symlink() and os.readlink(config) == "../dotfiles/outagetray.toml"
    assert s.load(real).settings.interval_seconds == 120
    assert s.load(config).settings.interval_seconds == 120
    assert [p.name for p in dotfiles.iterdir()] == ["outagetray.toml"]
    assert [p.name for p in config.parent.iterdir()] == ["config.toml"]


def test_a_dangling_linked_config_is_created_by_the_first_save(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.symlink_to("dotfiles/outagetray.toml")
    assert not s.load(config).exists
    s.save(s.Settings(interval_seconds=90), config)
    assert config.is_symlink()
    assert s.load(tmp_path / "dotfiles" / "outagetray.toml").settings.interval_seconds == 90


def test_the_app_start_removes_what_a_killed_save_left_and_nothing_else(tmp_path: Path) -> None:
    import time

    config = write(tmp_path, "[monitor]\ninterval_seconds = 90\n")
    old = time.time() - 3600
    killed = tmp_path / ".config.toml.q1w2e3r4.tmp"
    running = tmp_path / ".config.toml.z9x8c7v6.tmp"  # another process saving right now
    backup = tmp_path / "config.toml.broken-20261125-093000"
    for path in (killed, running, backup):
        path.write_text("[monitor]\ninterval_")
    for path in (killed, backup):
        os.utime(path, (old, old))
    settings, message = lastgood.load_or_recover(config, state_folder=tmp_path / "state")
    assert (settings.interval_seconds, message) == (90, "")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "state") == sorted(
        [config.name, running.name, backup.name]
    )


def test_the_state_file_is_tidied_at_start_too(tmp_path: Path) -> None:
    import time

    from outagetray.core import state

    killed = tmp_path / ".state.json.q1w2e3r4.tmp"
    killed.write_text("{")
    os.utime(killed, (time.time() - 3600,) * 2)
    assert state.load(tmp_path / "state.json") == state.AppState()
    assert list(tmp_path.iterdir()) == []
