"""Event numbers stay unique when the tray app and ``outagetray watch`` count on one file at once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import outagetray.core.eventids as eventids
from outagetray.core.eventids import EventIds

#: Draws numbers in a child process once told to go, so both children count at the same time.
_CHILD = """
import json, sys
from pathlib import Path
from outagetray.core.eventids import EventIds

ids = EventIds(Path(sys.argv[1]), block=int(sys.argv[2]))
print("ready", flush=True)
sys.stdin.readline()
numbers = [next(ids) for _ in range(int(sys.argv[3]))]
print(json.dumps(numbers), flush=True)
"""

#: Holds the counter's lock until told to let go: another OutageTray stuck mid-reservation.
_HOLDER = """
import sys
from pathlib import Path
from outagetray.core.eventids import _FileLock

with _FileLock.take(Path(sys.argv[1]), 5.0):
    print("held", flush=True)
    sys.stdin.readline()
"""


def _start(script: str, *args: object) -> subprocess.Popen[str]:
    env = dict(os.environ)
    # The children import the same outagetray this test imported (the working tree, or
    # an older export named on PYTHONPATH).
    root = str(Path(eventids.__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _draw_in_processes(path: Path, count: int, block: int, processes: int = 2) -> list[list[int]]:
    children = [_start(_CHILD, path, block, count) for _ in range(processes)]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
        for child in children:  # as close together as two processes can be told
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        results = []
        for child in children:
            out, _ = child.communicate(timeout=120)
            assert child.returncode == 0
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()


def test_two_processes_on_one_file_never_hand_out_the_same_number(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.json"
    first, second = _draw_in_processes(path, count=2000, block=4)
    for numbers in (first, second):
        assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers) == 2000
    assert not set(first) & set(second)
    # Both counted from the file, not from the clock: the lock was never missed.
    assert max(first + second) < 1_000_000
    # A restart after both resumes above everything either of them handed out.
    assert next(EventIds(path, block=4)) > max(first + second)


def test_two_counters_in_one_process_on_one_file_never_hand_out_the_same_number(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    counters = [EventIds(path, block=3), EventIds(path, block=5)]
    drawn: list[list[int]] = [[], []]
    go = threading.Barrier(2)

    def draw(index: int) -> None:
        go.wait()
        drawn[index] = [next(counters[index]) for _ in range(1500)]

    threads = [threading.Thread(target=draw, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(drawn[0]) == len(drawn[1]) == 1500
    assert not set(drawn[0]) & set(drawn[1])


def test_a_restart_resumes_above_every_number_and_the_lock_file_stays_small(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    first = EventIds(path, block=4)
    numbers = [next(first) for _ in range(6)]
    assert numbers == [1, 2, 3, 4, 5, 6]  # a single process counts from 1, as before
    assert json.loads(path.read_text()) == {"next": 9}
    second = EventIds(path, block=4)
    assert [next(second) for _ in range(2)] == [9, 10]
    # The first process goes on above what the second reserved, not into it.
    assert [next(first) for _ in range(4)] == [7, 8, 13, 14]
    assert (tmp_path / "events.json.lock").stat().st_size == 0


def test_the_lock_is_taken_once_per_block_not_per_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[Path] = []
    real = eventids._FileLock.take

    def counting(path: Path, timeout: float) -> eventids._FileLock | None:
        taken.append(path)
        return real(path, timeout)

    monkeypatch.setattr(eventids._FileLock, "take", staticmethod(counting))
    ids = EventIds(tmp_path / "events.json", block=64)
    for _ in range(200):
        next(ids)
    assert len(taken) == 4  # 200 numbers, 64 a block


def test_a_lock_held_too_long_falls_back_to_the_clock_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "events.json"
    before = [next(EventIds(path, block=4)) for _ in range(3)]  # three starts: 1, 5, 9
    holder = _start(_HOLDER, path.with_name("events.json.lock"))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        ids = EventIds(path, block=4, lock_timeout=0.2)
        began = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="outagetray.core.eventids"):
            stuck = [next(ids) for _ in range(4)]
        assert time.monotonic() - began < 2  # one wait for the block, not one per number
        assert "stayed locked by another OutageTray" in caplog.text
        assert stuck[0] > 1_000_000_000_000 and stuck == sorted(stuck)  # the clock's floor
        assert json.loads(path.read_text()) == {"next": 13}  # left alone without the lock
    finally:
        assert holder.stdin is not None
        holder.stdin.write("go\n")
        holder.stdin.flush()
        holder.wait(10)
    # Once the lock is free again the next block writes this run's end down, so a restart
    # (or the other process) counts above the numbers taken from the clock.
    later = next(ids)
    assert later > max(stuck)
    assert next(EventIds(path)) > later > max(before)


def test_a_folder_that_cannot_be_written_still_gives_unique_numbers(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "not-a-folder").write_text("")
    ids = EventIds(tmp_path / "not-a-folder" / "events.json", block=2)
    with caplog.at_level(logging.WARNING, logger="outagetray.core.eventids"):
        numbers = [next(ids) for _ in range(7)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 7
    assert numbers[0] > 1_000_000_000_000
    assert "could not lock the event counter" in caplog.text


def test_failed_writes_in_two_counters_do_not_share_the_clocks_floor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(target: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(eventids, "write_atomic", refuse)
    path = tmp_path / "events.json"
    first, second = EventIds(path, block=8), EventIds(path, block=8)
    a = [next(first) for _ in range(3)]
    b = [next(second) for _ in range(3)]  # within the same millisecond, but for the lock's wait
    assert not set(a) & set(b)


def test_in_memory_numbers_need_no_file() -> None:
    ids = EventIds()
    assert [next(ids) for _ in range(3)] == [1, 2, 3]
