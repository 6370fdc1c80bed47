from __future__ import annotations

import errno
import os
import stat
import time
from pathlib import Path

import pytest

from outagetray.core import atomic
from outagetray.core.atomic import write_atomic


def test_writes_whole_files_with_the_mode_asked(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "file.txt"
    write_atomic(target, b"new", mode=0o644)
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "file.txt"
    target.write_bytes(b"old")

    def full_disk(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, b"new")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


# ---------------------------------------------------------------- saving through a link (issue 13, item 13)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_save_through_a_link_updates_its_target_and_keeps_the_link(tmp_path: Path) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "outagetray.toml"
    real.write_bytes(b"old")
    config = tmp_path / "config" / "config.toml"
    config.parent.mkdir()
    config.symlink_to(real)  # absolute
    write_atomic(config, b"new")
    assert config.is_symlink() and os.readlink(config) == str(real)
    assert real.read_bytes() == b"new"
    assert names(dotfiles) == ["outagetray.toml"] and names(config.parent) == ["config.toml"]


def test_a_relative_link_and_a_chain_of_links_are_followed(tmp_path: Path) -> None:
    (tmp_path / "dotfiles").mkdir()
    (tmp_path / "config").mkdir()
    real = tmp_path / "dotfiles" / "real.toml"
    real.write_bytes(b"old")
    (tmp_path / "dotfiles" / "middle.toml").symlink_to("real.toml")
    config = tmp_path / "config" / "config.toml"
    config.symlink_to(Path("..") / "dotfiles" / "middle.toml")
    write_atomic(config, b"new", mode=0o644)
    assert os.readlink(config) == "../dotfiles/middle.toml"
    assert os.readlink(tmp_path / "dotfiles" / "middle.toml") == "real.toml"
    assert real.read_bytes() == b"new" and not real.is_symlink()
    assert real.stat().st_mode & 0o777 == 0o644
    assert names(tmp_path / "dotfiles") == ["middle.toml", "real.toml"]


def test_the_temporary_file_is_written_beside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Beside the target, so the final rename stays within one file system even when the
    # link points onto another disk (a rename across disks fails).
    real = tmp_path / "elsewhere" / "real.toml"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    renames: list[tuple[str, str]] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: str) -> None:
        renames.append((str(src), str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    write_atomic(link, b"new")
    [(src, dst)] = renames
    assert Path(src).parent == real.parent and Path(src).name.startswith(".real.toml.")
    assert Path(dst) == real


def test_a_dangling_link_creates_its_target(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(tmp_path / "dotfiles" / "new.toml")  # neither the file nor its folder exists yet
    write_atomic(link, b"new")
    assert link.is_symlink()
    assert (tmp_path / "dotfiles" / "new.toml").read_bytes() == b"new"


def test_a_loop_of_links_is_an_error_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError) as caught:
        write_atomic(tmp_path / "a", b"new")
    assert caught.value.errno == errno.ELOOP
    assert names(tmp_path) == ["a", "b"] and os.readlink(tmp_path / "a") == "b"


# ---------------------------------------------------------------- temporaries of a killed save


def leftover(folder: Path, name: str, age_seconds: float) -> Path:
    path = folder / name
    path.write_bytes(b"half a sav")
    when = time.time() - age_seconds
    os.utime(path, (when, when))
    return path


def test_only_old_temporaries_of_this_file_are_removed(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_bytes(b"mine")
    stale = leftover(tmp_path, ".config.toml.k2j4_9ab.tmp", 3600)
    fresh = leftover(tmp_path, ".config.toml.a8d7x0qz.tmp", 5)  # another save, right now
    others = [
        leftover(tmp_path, ".other.toml.k2j4_9ab.tmp", 3600),  # another file's
        leftover(tmp_path, "config.toml.k2j4_9ab.tmp", 3600),  # not our naming
        leftover(tmp_path, ".config.toml.tmp", 3600),
        leftover(tmp_path, ".config.toml.k2j4_9ab.tmp.keep", 3600),
        leftover(tmp_path, "config.toml.broken-20261202-050000", 3600),
    ]
    folder_like = tmp_path / ".config.toml.zzzzzzzz.tmp"
    folder_like.mkdir()
    link_like = tmp_path / ".config.toml.yyyyyyyy.tmp"
    link_like.symlink_to(config)
    assert atomic.remove_stale_temporaries(config) == [stale]
    assert not stale.exists()
    assert all(p.exists() for p in [fresh, *others, folder_like, config]) and link_like.is_symlink()


def test_temporaries_beside_a_links_target_are_removed_too(tmp_path: Path) -> None:
    (tmp_path / "dotfiles").mkdir()
    real = tmp_path / "dotfiles" / "real.toml"
    real.write_bytes(b"x")
    link = tmp_path / "config.toml"
    link.symlink_to(real)
    beside_target = leftover(tmp_path / "dotfiles", ".real.toml.abcdefgh.tmp", 3600)
    beside_link = leftover(tmp_path, ".config.toml.abcdefgh.tmp", 3600)
    assert sorted(atomic.remove_stale_temporaries(link)) == sorted([beside_target, beside_link])


def test_tidying_a_missing_folder_is_quiet(tmp_path: Path) -> None:
    assert atomic.remove_stale_temporaries(tmp_path / "nowhere" / "config.toml") == []


def test_a_temporary_name_is_one_the_tidy_up_recognises(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "config.toml"
    seen: list[str] = []
    real_replace = os.replace

    def recording_replace(src: str, dst: str) -> None:
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", recording_replace)
    for _ in range(20):
        write_atomic(target, b"x")
    for name in seen:
        leftover(tmp_path, name, 3600)
    assert len(atomic.remove_stale_temporaries(target)) == len(set(seen)) == 20


def test_a_pipe_or_folder_at_the_target_is_refused_not_replaced(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    folder = tmp_path / "folder"
    folder.mkdir()
    link = tmp_path / "link"
    link.symlink_to("pipe")
    for path, kind in ((pipe, "a pipe"), (folder, "a folder"), (link, "a pipe")):
        with pytest.raises(OSError, match=f"it is {kind}, not an ordinary file"):
            write_atomic(path, b"new")
    assert stat.S_ISFIFO(pipe.lstat().st_mode) and folder.is_dir() and link.is_symlink()
    assert names(tmp_path) == ["folder", "link", "pipe"]


def test_a_mode_asked_for_is_used_and_otherwise_the_files_own_is_kept(tmp_path: Path) -> None:
    """The caller's mode wins (a copy holding passwords must stay private); without one, a
    rewrite keeps the permissions the user gave the file."""
    import os
    import stat

    from outagetray.core.atomic import write_atomic

    private = tmp_path / "last-good.toml"
    private.write_text("old")
    private.chmod(0o644)
    write_atomic(private, b"new", mode=0o600)
    assert stat.S_IMODE(os.stat(private).st_mode) == 0o600

    shared = tmp_path / "config.toml"
    shared.write_text("old")
    shared.chmod(0o640)
    write_atomic(shared, b"new")
    assert stat.S_IMODE(os.stat(shared).st_mode) == 0o640
    assert shared.read_bytes() == b"new"
