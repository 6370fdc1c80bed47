"""A save from the Settings window changes only what changed: the user's file stays theirs.

Comments, blank lines, the order of keys, keys OutageTray ignores and ``[[platforms]]``
blocks added by hand while the app ran all survive a save (issue 14 item 7).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from outagetray.core import settings as s

HAND_WRITTEN = """\
# My OutageTray settings -- keep this comment!
version = 1

# How often, and what.
[monitor]
interval_seconds = 120   # two minutes is plenty
watch = ["facebook", "instagram"]  # the two we post to

colour = "blue"          # not a setting; OutageTray ignores it

[notifications]
# Quiet at night.
quiet_hours = { start = "22:00", end = "07:00" }
muted = []

[[platforms]]  # our shop
id = "acme"
name = "Acme"
sources = [{ type = "statuspage", url = "https://status.acme.example/api/v2/summary.json" }]
"""

ADDED_BY_HAND = """
# Added while the app was running.
[[platforms]]
id = "late"
name = "Late Shop"
sources = [{ type = "statuspage", url = "https://status.late.example/api/v2/summary.json" }]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def loaded(path: Path) -> s.Settings:
    result = s.load(path)
    assert result.ok, result.problems
    return result.settings


def comment_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "#" in line]


def test_one_change_keeps_comments_blank_lines_order_and_ignored_keys(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    before = loaded(path)
    s.save(replace(before, interval_seconds=300), path, before=before)
    text = path.read_text(encoding="utf-8")
    # Exactly one line changed, and its trailing comment stayed on it.
    assert text == HAND_WRITTEN.replace("interval_seconds = 120", "interval_seconds = 300")
    assert loaded(path).interval_seconds == 300


def test_a_platforms_block_added_by_hand_while_the_app_ran_is_kept(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    before = loaded(path)  # what the Settings window opened with
    with path.open("a", encoding="utf-8") as file:
        file.write(ADDED_BY_HAND)  # the user edits the file meanwhile
    s.save(replace(before, start_at_login=True), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert ADDED_BY_HAND.strip() in text
    assert comment_lines(HAND_WRITTEN) == comment_lines(text)[: len(comment_lines(HAND_WRITTEN))]
    after = loaded(path)
    assert after.start_at_login is True
    assert [t["id"] for t in after.custom_platforms] == ["acme", "late"]


def test_platforms_are_matched_by_id_edited_removed_and_added(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN + ADDED_BY_HAND)
    before = loaded(path)
    acme, _late = before.custom_platforms
    new = {"id": "new", "name": "New", "sources": [{"type": "statuspage", "url": "https://n.example/s.json"}]}
    edited = (dict(acme, name="Acme Shop"), new)  # "late" removed in the window
    s.save(replace(before, custom_platforms=edited), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert 'id = "late"' not in text
    assert "[[platforms]]  # our shop" in text  # the edited block keeps its comment
    assert 'name = "Acme Shop"' in text
    assert [t["id"] for t in loaded(path).custom_platforms] == ["acme", "new"]
    assert comment_lines(text)[: len(comment_lines(HAND_WRITTEN))] == comment_lines(HAND_WRITTEN)


def test_a_removed_setting_is_deleted_and_others_keep_their_comments(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    before = loaded(path)
    quiet_off = replace(before.notifications, quiet_start=None, quiet_end=None, muted=("facebook",))
    s.save(replace(before, notifications=quiet_off), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert "quiet_hours" not in text
    assert 'muted = ["facebook"]' in text
    assert "# Quiet at night." in text and 'colour = "blue"' in text
    assert loaded(path).notifications.quiet_start is None


def test_a_value_edited_by_hand_meanwhile_is_not_undone(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    before = loaded(path)
    path.write_text(
        HAND_WRITTEN.replace("interval_seconds = 120", "interval_seconds = 600"), encoding="utf-8"
    )
    s.save(replace(before, start_at_login=True), path, before=before)
    assert loaded(path).interval_seconds == 600


def test_a_broken_file_is_not_written_over(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    before = loaded(path)
    broken = HAND_WRITTEN.replace("[notifications]", "[notifications")
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(s.SaveRefused) as refused:
        s.save(replace(before, interval_seconds=300), path, before=before)
    assert "did not write over it" in str(refused.value)
    assert "Traceback" not in str(refused.value)
    assert path.read_text(encoding="utf-8") == broken


def test_a_first_save_writes_every_setting_with_a_version(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "config.toml"
    s.save(s.Settings(interval_seconds=90), path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# OutageTray settings.")
    assert "version = 1" in text and "[monitor]" in text
    assert loaded(path) == s.Settings(interval_seconds=90)


def test_saving_without_a_starting_point_compares_with_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, HAND_WRITTEN)
    s.save(replace(loaded(path), interval_seconds=45), path)
    assert path.read_text(encoding="utf-8") == HAND_WRITTEN.replace("= 120", "= 45")


@pytest.mark.skipif(os.name == "nt", reason="symbolic links")
def test_a_linked_file_is_edited_where_it_lives(tmp_path: Path) -> None:
    real = write(tmp_path, HAND_WRITTEN)
    link = tmp_path / "link.toml"
    link.symlink_to(real)
    before = loaded(link)
    s.save(replace(before, interval_seconds=300), link, before=before)
    assert link.is_symlink()
    assert "# two minutes is plenty" in real.read_text(encoding="utf-8")


NETWORK_AND_SHOP = """\
# my header
[network]
nameservers = ["1.1.1.1"]
# my note about the name servers
timeout_hint = 3

[[platforms]]
id = "acme"
name = "Acme"
sources = [{ type = "statuspage", url = "https://status.acme.example/api/v2/summary.json" }]
"""


def test_removing_the_last_platform_keeps_one_added_by_hand_meanwhile(tmp_path: Path) -> None:
    path = write(tmp_path, NETWORK_AND_SHOP)
    before = loaded(path)
    with path.open("a", encoding="utf-8") as file:
        file.write(ADDED_BY_HAND)
    s.save(replace(before, custom_platforms=()), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert 'id = "acme"' not in text
    assert ADDED_BY_HAND.strip() in text  # its comment too, though tomlkit files it under "acme"
    assert [t["id"] for t in loaded(path).custom_platforms] == ["late"]


def test_clearing_the_name_servers_keeps_the_rest_of_the_network_section(tmp_path: Path) -> None:
    path = write(tmp_path, NETWORK_AND_SHOP)
    before = loaded(path)
    s.save(replace(before, nameservers=()), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert "nameservers" not in text
    assert "[network]\n# my note about the name servers\ntimeout_hint = 3\n" in text
    assert loaded(path).nameservers == ()


def test_a_section_left_with_nothing_of_the_users_goes_whole(tmp_path: Path) -> None:
    path = write(tmp_path, '# mine\n[network]\nnameservers = ["1.1.1.1"]\n')
    before = loaded(path)
    s.save(replace(before, nameservers=()), path, before=before)
    assert "network" not in path.read_text(encoding="utf-8")
    assert "# mine" in path.read_text(encoding="utf-8")


def test_dotted_keys_lose_only_what_the_window_removed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        'monitor.interval_seconds = 120\nnotifications.quiet_hours.start = "22:00"\n'
        'notifications.quiet_hours.end = "07:00"\n',
    )
    before = loaded(path)
    quiet_off = replace(before.notifications, quiet_start=None, quiet_end=None, cooldown_minutes=5)
    s.save(replace(before, interval_seconds=300, notifications=quiet_off), path, before=before)
    after = loaded(path)
    assert (after.interval_seconds, after.notifications.quiet_start) == (300, None)
    assert after.notifications.cooldown_minutes == 5


def test_a_section_not_in_the_file_gets_only_the_changed_key(tmp_path: Path) -> None:
    path = write(tmp_path, NETWORK_AND_SHOP)
    before = loaded(path)
    notes = replace(before.notifications, cooldown_minutes=5)
    s.save(replace(before, interval_seconds=300, notifications=notes), path, before=before)
    text = path.read_text(encoding="utf-8")
    kept = NETWORK_AND_SHOP.removeprefix("# my header\n")
    assert kept in text
    added = text[text.index(kept) + len(kept) :]
    assert added.strip() == "[monitor]\ninterval_seconds = 300\n\n[notifications]\ncooldown_minutes = 5"
    assert loaded(path) == replace(before, interval_seconds=300, notifications=notes)


def test_a_mistake_in_a_setting_the_window_shows_is_mended_even_when_unchanged(tmp_path: Path) -> None:
    # The app runs on defaults (or the last good copy) because of the mistake, so the
    # window's before and after both say 60; the file must say 60 afterwards all the same.
    path = write(tmp_path, '[monitor]\ninterval_seconds = 5   # oops\nwatch = ["facebook"]\n')
    assert not s.load(path).ok
    window = s.Settings()
    s.save(replace(window, start_at_login=True), path, before=window)
    text = path.read_text(encoding="utf-8")
    assert "interval_seconds = 60   # oops" in text
    assert 'watch = ["facebook"]' in text  # valid, not shown differently: the file's own words stay
    after = loaded(path)
    assert (after.interval_seconds, after.watch, after.start_at_login) == (60, ("facebook",), True)


def test_broken_quiet_hours_go_when_the_window_has_none(tmp_path: Path) -> None:
    path = write(tmp_path, '# quiet\n[notifications]\nquiet_hours = { start = "25:00", end = "07:00" }\n')
    assert not s.load(path).ok
    window = s.Settings()
    s.save(window, path, before=window)
    assert "quiet_hours" not in path.read_text(encoding="utf-8")
    assert loaded(path).notifications.quiet_start is None


def test_a_mistake_the_window_does_not_show_is_left_for_the_user(tmp_path: Path) -> None:
    path = write(tmp_path, "[monitor]\nconfirm_rounds = 0  # mine\n")
    assert not s.load(path).ok
    window = s.Settings()
    s.save(replace(window, interval_seconds=300), path, before=window)
    text = path.read_text(encoding="utf-8")
    assert "confirm_rounds = 0  # mine" in text and "interval_seconds = 300" in text


def test_removing_every_platform_keeps_the_comment_above_the_next_section(tmp_path: Path) -> None:
    path = write(
        tmp_path, NETWORK_AND_SHOP + "\n# Pop-ups: keep them quiet.\n[notifications]\nsound = false\n"
    )
    before = loaded(path)
    s.save(replace(before, custom_platforms=()), path, before=before)
    text = path.read_text(encoding="utf-8")
    assert "platforms" not in text
    assert "# Pop-ups: keep them quiet.\n[notifications]\nsound = false\n" in text
