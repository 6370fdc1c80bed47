"""Hostile settings and state files: each gives a plain-words problem, never a crash, hang or memory blow-up.

Issue 13, item 10. Cases that would eat gigabytes or hang on a broken build run in a
child process with a memory cap and a deadline, so a regression fails the test instead
of taking the machine (or the test run) down with it.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import outagetray
from outagetray.core import settings as s
from outagetray.core import settings_lastgood as lastgood
from outagetray.core import state
from outagetray.core.settings_scan import prescan

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pipes, devices and rlimits are POSIX")

PACKAGE_ROOT = str(Path(outagetray.__file__).resolve().parents[1])

#: Runs one settings function on a path with the address space capped, and reports what
#: it returned, how long it took and how much its peak memory grew.
CHILD = r"""
import json, resource, sys, time
from pathlib import Path
cap = int(sys.argv[3]) << 20
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from outagetray.core import settings, settings_lastgood
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.monotonic()
result = getattr(settings if sys.argv[1] == "load" else settings_lastgood, sys.argv[1])(Path(sys.argv[2]))
seconds = time.monotonic() - started
grew_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
if sys.argv[1] == "load":
    out = {"problems": result.problems, "ok": result.ok, "defaults": result.settings == settings.Settings()}
else:
    out = {"message": result[1], "defaults": result[0] == settings.Settings()}
out.update(seconds=seconds, grew_mb=grew_kb / 1024)
print(json.dumps(out))
"""


def in_child(function: str, path: Path, cap_mb: int = 512, timeout: float = 30) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, function, str(path), str(cap_mb)],
        capture_output=True,
        text=True,
        timeout=timeout,
        # The kept copy of good settings is looked for in the state folder: never the real one.
        env={**os.environ, "PYTHONPATH": PACKAGE_ROOT, "XDG_STATE_HOME": str(path.parent / "state")},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def with_deadline(call: Callable[[Path], Any], path: Path, seconds: float = 5) -> Any:
    """Call ``call(path)`` in a thread; if it blocks on the pipe, unblock it and fail."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call(path)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            box["error"] = exc

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)  # a reader is waiting, so this opens
        os.close(fd)  # ...and the reader sees the end of the file
        worker.join(5)
        pytest.fail(f"reading {path.name} blocked for {seconds} s waiting for a writer")
    if "error" in box:
        raise box["error"]
    return box["value"]


def write(folder: Path, text: str | bytes, name: str = "config.toml") -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def fifo(folder: Path, name: str = "config.toml") -> Path:
    path = folder / name
    os.mkfifo(path)
    return path


DEEP = 100_000


@pytest.mark.parametrize(
    "text",
    [
        "[monitor]\ninterval_seconds = 60\nwatch = " + "[" * DEEP + "]" * DEEP + "\n",
        # 30,000 deep, to stay under the size cap (the size alone would be refused first).
        "[monitor]\ninterval_seconds = 60\nwatch = " + "{a=" * 30_000 + "1" + "}" * 30_000 + "\n",
    ],
    ids=["arrays", "inline-tables"],
)
def test_brackets_nested_100000_deep_are_a_problem_naming_the_line(tmp_path: Path, text: str) -> None:
    started = time.monotonic()
    result = s.load(write(tmp_path, text))
    assert time.monotonic() - started < 2
    assert result.problems == [
        "Line 3: brackets [ ] or { } nested more than 64 deep; no setting needs more than a few levels."
    ]
    assert result.settings == s.Settings()


@pytest.mark.parametrize(
    "key",
    [".".join(["a"] * DEEP), ".".join(['"a"'] * 40_000), "[" + ".".join(["a"] * DEEP) + "]"],
    ids=["bare", "quoted", "table-header"],
)
def test_a_dotted_key_of_100000_parts_is_refused_in_little_memory(tmp_path: Path, key: str) -> None:
    line = key if key.startswith("[") else f"{key} = 1"
    path = write(tmp_path, f"[monitor]\ninterval_seconds = 60\n\n{line}\n")
    # The code as it was used 3.8 GB here; half a gigabyte of address space is plenty now.
    result = in_child("load", path, cap_mb=512)
    assert len(result["problems"]) == 1
    assert result["problems"][0].startswith("Line 4: a key made of more than 32 parts joined by dots (")
    assert result["defaults"]
    assert result["grew_mb"] < 40, result
    assert result["seconds"] < 2


def test_a_device_is_refused_without_reading_it(tmp_path: Path) -> None:
    result = in_child("load", Path("/dev/zero"), cap_mb=512)
    assert result["problems"] == ["The settings file could not be read: it is a device, not a text file."]
    assert result["grew_mb"] < 20


def test_a_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    result = with_deadline(s.load, fifo(tmp_path))
    assert result.problems == ["The settings file could not be read: it is a pipe, not a text file."]


def test_a_link_to_a_pipe_is_refused_too(tmp_path: Path) -> None:
    link = tmp_path / "config.toml"
    link.symlink_to(fifo(tmp_path, "pipe"))
    assert with_deadline(s.load, link).problems == [
        "The settings file could not be read: it is a pipe, not a text file."
    ]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "config.toml").mkdir()
    assert s.load(tmp_path / "config.toml").problems == [
        "The settings file could not be read: it is a folder, not a text file."
    ]


def test_a_file_far_larger_than_settings_is_not_read(tmp_path: Path) -> None:
    # Valid TOML (one long comment): the size alone is the problem.
    path = write(tmp_path, "[monitor]\ninterval_seconds = 60\n" + "#" * (2 << 20) + "\n")
    result = s.load(path)
    assert result.problems == [
        "The settings file could not be read: it is 2.0 MB, far larger than settings can be "
        "(at most 256 KB; a normal one is a few KB)."
    ]
    sparse = tmp_path / "sparse.toml"
    with sparse.open("wb") as handle:
        handle.truncate(10 << 30)  # 10 GB on paper, nothing on disk: refused without a read
    started = time.monotonic()
    assert "10.0 GB" in s.load(sparse).problems[0]
    assert time.monotonic() - started < 1


def test_a_file_just_under_the_cap_is_read(tmp_path: Path) -> None:
    head = "[monitor]\ninterval_seconds = 90\n"
    path = write(tmp_path, head + "#" * (s.MAX_FILE_BYTES - len(head) - 1) + "\n")
    assert path.stat().st_size == s.MAX_FILE_BYTES
    assert s.load(path).settings.interval_seconds == 90


def test_a_link_to_an_ordinary_file_is_read_as_usual(tmp_path: Path) -> None:
    target = write(tmp_path, "[monitor]\ninterval_seconds = 120\n", "real.toml")
    (tmp_path / "config.toml").symlink_to("real.toml")
    assert s.load(tmp_path / "config.toml").settings.interval_seconds == 120
    assert target.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Python refuses to convert decimals this long: tomllib let the ValueError out.
        ("[monitor]\ninterval_seconds = " + "1" * 5000 + "\n", "Line 2: a number thousands of digits long"),
        # Hex converts, but quoting it in "(found …)" raised the same ValueError.
        (
            "[monitor]\ninterval_seconds = 0x" + "f" * 5000 + "\n",
            "Line 2, monitor.interval_seconds: this number is far too large for any setting",
        ),
        (
            "[[platforms]]\nid = 0x" + "f" * 5000 + "\n",
            "Line 2, platforms[1].id: this number is far too large",
        ),
        ("[monitor]\nconfirm_rounds = 9223372036854775808\n", "Line 2, monitor.confirm_rounds: this number"),
    ],
    ids=["decimal", "hex-in-a-message", "hex-as-an-id", "just-past-64-bits"],
)
def test_numbers_too_long_to_handle_are_a_problem_not_a_crash(
    tmp_path: Path, text: str, expected: str
) -> None:
    result = s.load(write(tmp_path, text))
    assert len(result.problems) == 1 and result.problems[0].startswith(expected), result.problems


def test_a_long_value_is_quoted_short(tmp_path: Path) -> None:
    result = s.load(write(tmp_path, '[monitor]\ninterval_seconds = "' + "x" * 100_000 + '"\n'))
    assert len(result.problems[0]) < 200
    assert result.problems[0].endswith("xxx…)")


def test_dots_and_brackets_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    dots, brackets = "." * 100, "[" * 100 + "{" * 100
    text = f"""# {dots} {brackets}
[monitor] # {dots}{brackets}
interval_seconds = 90 # {dots}
[notifications]
quiet_hours = {{ start = "22:00", end = "07:00" }}
[extra]
basic = "{dots}{brackets}\\" {dots}"
literal = '{dots}{brackets}'
multi = \"\"\"
{dots}
{brackets} \\\"\"\" still inside \"\"
\"\"\"
multi_literal = '''
{dots}{brackets}
'''
times = [1979-05-27T07:32:00.999999-07:00, 07:32:00.5, 1.5, 6.626e-34, 1_000.000_1]
{".".join(["a"] * 32)} = 1
nested = {"[" * 60 + "]" * 60}
"""
    result = s.load(write(tmp_path, text))
    assert result.ok, result.problems
    assert result.settings.interval_seconds == 90
    assert result.settings.notifications.quiet_start == "22:00"
    assert result.warnings == ["Line 6, extra: not a setting OutageTray knows; it is ignored"]
    assert prescan(text + ".".join(["a"] * 33) + " = 2\n") is not None


def test_thousands_of_bad_lines_give_a_count_not_a_wall(tmp_path: Path) -> None:
    text = "[monitor]\n" + "".join(f"unknown_{i} = 1\n" for i in range(500))
    text += "[notifications]\nmuted = [" + ", ".join(f'"nope{i}"' for i in range(500)) + "]\n"
    result = s.load(write(tmp_path, text))
    assert len(result.warnings) == s.MAX_MESSAGES + 1
    assert result.warnings[-1] == f"…and {500 - s.MAX_MESSAGES} more lines not understood like these."
    assert len(result.problems) == s.MAX_MESSAGES + 1
    assert result.problems[-1] == f"…and {500 - s.MAX_MESSAGES} more problems like these."


# ------------------------------------------------------------------ the tray app's start path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: write(d, "watch = " + "[" * DEEP + "]" * DEEP), "Line 1: brackets"),
        (lambda d: write(d, "#" * (1 << 20)), "far larger than settings can be"),
        (lambda d: write(d, "[monitor]\nrecover_rounds = " + "9" * 5000), "Line 2: a number thousands"),
        (lambda d: fifo(d), "it is a pipe"),
        (lambda d: (d / "config.toml").mkdir() or d / "config.toml", "it is a folder"),
    ],
    ids=["deep", "too-large", "long-number", "pipe", "folder"],
)
def test_the_app_leaves_a_hostile_file_in_place_and_starts_on_defaults(
    tmp_path: Path, make: Callable[[Path], Path], expected: str
) -> None:
    path = make(tmp_path)
    kind = stat.S_IFMT(path.lstat().st_mode)
    state_folder = tmp_path / "state"
    settings, message = with_deadline(lambda p: lastgood.load_or_recover(p, state_folder=state_folder), path)
    assert settings == s.Settings()
    assert stat.S_IFMT(path.lstat().st_mode) == kind  # left where it is, as it was
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml"]  # nothing renamed, no copy kept
    assert f"The file was left as it is: {path}." in message
    assert expected in message
    assert "Traceback" not in message


def test_the_app_survives_a_dotted_key_bomb(tmp_path: Path) -> None:
    path = write(tmp_path, ".".join(["a"] * DEEP) + " = 1\n")
    result = in_child("load_or_recover", path, cap_mb=512)
    assert result["defaults"]
    assert "Line 1: a key made of more than 32 parts" in result["message"]
    assert (tmp_path / "config.toml").exists()
    assert result["grew_mb"] < 40


def test_the_app_never_moves_a_device(tmp_path: Path) -> None:
    device = tmp_path / "config.toml"
    try:  # a private copy of /dev/zero: moving the real one as root would break the machine
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 5))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device here: {exc}")
    result = in_child("load_or_recover", device, cap_mb=512)
    assert result["defaults"]
    assert f"The file was left as it is: {device}." in result["message"]
    assert "it is a device" in result["message"]
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


# ------------------------------------------------------------------ the app's state file


def test_state_nested_to_crash_the_json_parser_is_ignored(tmp_path: Path) -> None:
    path = write(tmp_path, "[" * DEEP + "]" * DEEP, "state.json")
    assert state.load(path) == state.AppState()


def test_state_that_is_a_pipe_or_huge_is_ignored_without_waiting(tmp_path: Path) -> None:
    assert with_deadline(state.load, fifo(tmp_path, "state.json")) == state.AppState()
    huge = write(tmp_path, '{"window_geometry": "' + "A" * (1 << 20) + '"}', "big.json")
    assert state.load(huge) == state.AppState()
    fine = write(tmp_path, '{"window_geometry": "AdnQywAD"}', "fine.json")
    assert state.load(fine) == state.AppState(window_geometry="AdnQywAD")
