"""Event numbers that are never handed out twice: across rounds, settings saves, restarts and processes.

The incident log keys on ``Change.event`` and ``Change.incident``, so a number that
came back after a restart would file a new outage under an old one. A counter kept in
memory restarted at 1 with every new judge (and a save built a new judge).

How: numbers are reserved in blocks. Before the first number of a block is handed out,
the end of the block is written to a tiny file in the state folder (atomically, with
``write_atomic``), so after a crash or a restart counting resumes above anything that
may have been handed out. A restart skips the rest of a block: numbers stay unique, not
gapless. Writing happens in ``next()``, which the judge calls on the monitor's thread,
never on the UI thread.

The tray app and ``outagetray watch`` may run at the same time on the same file. So a
block is reserved under an OS file lock on ``events.json.lock`` beside the file: take
the lock, read the end the file holds now (the other process may have moved it), reserve
from the highest of that end and this process's own, write, let go. The lock is held for
one read and one small write, once per block, never while numbers are handed out. The OS
drops it when its holder ends, even when killed, so a stale lock never blocks anyone.

Where the lock cannot be had within ``LOCK_TIMEOUT`` seconds (another process stuck while
holding it) or at all (the folder cannot be written), counting jumps above a floor taken
from the clock (milliseconds since 1970), far above any number handed out one by one,
and the reason is logged. The same floor serves where the file cannot be read back
(damaged, not ours) or cannot be written: numbers are still unique for this run.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from pathlib import Path

from outagetray.core.atomic import read_small, write_atomic
from outagetray.core.filelock import try_lock, unlock

log = logging.getLogger(__name__)

#: Numbers reserved per write: a write every this many events (a busy day has dozens).
BLOCK = 64
#: The file holds one small JSON object; anything larger is not ours.
MAX_FILE_BYTES = 4096
#: Seconds to wait for the other process's reservation (which takes milliseconds) before
#: jumping to the clock's floor instead: the monitor's round must not stall behind it.
LOCK_TIMEOUT = 2.0
#: Longest a reservation that fell back to the clock's floor keeps the lock, waiting for
#: the clock to pass its block, so the next process's floor starts above it.
_FLOOR_HOLD_SECONDS = 0.25


class EventIds:
    """Hands out increasing event numbers; ``path`` None keeps them in memory (tests, one-shot checks)."""

    def __init__(
        self, path: Path | None = None, *, block: int = BLOCK, lock_timeout: float = LOCK_TIMEOUT
    ) -> None:
        self.path = path
        self._block = max(1, block)
        self._lock_timeout = max(0.0, lock_timeout)
        self._lock = threading.Lock()
        self._next: int | None = None if path is not None else 1
        self._reserved = 0

    def __next__(self) -> int:
        with self._lock:
            if self.path is not None and (self._next is None or self._next >= self._reserved):
                self._take_block()
            assert self._next is not None
            number = self._next
            self._next += 1
            return number

    def __iter__(self) -> EventIds:
        return self

    def _take_block(self) -> None:
        """Reserve the next block for this process, in agreement with any other process on the file."""
        assert self.path is not None
        own = self._next or 1
        try:
            held = _FileLock.take(_lock_path(self.path), self._lock_timeout)
        except OSError as exc:
            log.warning(
                "could not lock the event counter %s: %s; numbering resumes from the clock", self.path, exc
            )
            held = None
        else:
            if held is None:
                log.warning(
                    "the event counter %s stayed locked by another OutageTray for %.0f s; numbering resumes "
                    "from the clock",
                    self.path,
                    self._lock_timeout,
                )
        if held is None:
            # Without the lock the file may be mid-update by the other process: leave it alone.
            self._next = max(own, _clock_floor())
            self._reserved = self._next + self._block  # the lock is tried again at the next block
            return
        with held:
            start = max(self._load(), own)
            if self._reserve(start + self._block):
                self._next = start
            else:
                # The file still holds an older end, which a later start would read and
                # count from again: jump this run above the clock's floor, which that
                # start's numbers (read from the old file) stay below.
                self._next = max(start, _clock_floor())
                # The file cannot tell the next process where this block ends, so keep the
                # lock until the clock has passed it: that process's floor then starts above.
                _wait_for_clock(self._next + self._block, _FLOOR_HOLD_SECONDS)
            self._reserved = self._next + self._block  # a failed write is tried again then

    def _load(self) -> int:
        assert self.path is not None
        try:
            raw = read_small(self.path, MAX_FILE_BYTES)
        except FileNotFoundError:
            return 1
        except OSError as exc:
            log.warning("could not read the event counter %s: %s", self.path, exc)
            return _clock_floor()
        try:
            value = json.loads(raw.decode("utf-8")).get("next")
        except (ValueError, AttributeError, RecursionError):
            value = None
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            log.warning("the event counter %s was damaged; numbering resumes from the clock", self.path)
            return _clock_floor()
        return value

    def _reserve(self, end: int) -> bool:
        """Write down that numbers below ``end`` may be in use, before handing one of them out.

        False when the file could not be written: the caller must then not hand out
        numbers a later start could hand out again.
        """
        assert self.path is not None
        try:
            write_atomic(self.path, json.dumps({"next": end}).encode("utf-8"))
        except OSError as exc:
            log.warning("could not save the event counter %s: %s", self.path, exc)
            return False
        return True


class _FileLock:
    """An OS lock on a file, held while one process reserves a block."""

    def __init__(self, fd: int) -> None:
        self._fd = fd

    @classmethod
    def take(cls, path: Path, timeout: float) -> _FileLock | None:
        """The lock on ``path``, or None when another process held it for ``timeout`` seconds.

        Tried without blocking, again and again with short pauses, so the wait is bounded
        on every system (a blocking lock call cannot be given a timeout). OSError when the
        lock file cannot be created or the system cannot lock it.
        """
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        deadline = time.monotonic() + timeout
        pause = 0.001
        try:
            while not try_lock(fd):
                left = deadline - time.monotonic()
                if left <= 0:
                    os.close(fd)
                    return None
                time.sleep(min(pause, left))
                pause = min(pause * 2, 0.02)
        except BaseException:
            os.close(fd)
            raise
        return cls(fd)

    def __enter__(self) -> _FileLock:
        return self

    def __exit__(self, *_: object) -> None:
        unlock(self._fd)
        os.close(self._fd)


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def _clock_floor() -> int:
    """Above every number handed out one by one: milliseconds since 1970."""
    return int(time.time() * 1000)


def _wait_for_clock(until: int, longest: float) -> None:
    """Sleep until the clock's floor reaches ``until``, but at most ``longest`` seconds."""
    deadline = time.monotonic() + longest
    while (ahead := until - _clock_floor()) > 0 and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(ahead / 1000, left))


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("OutageTray", appauthor=False) / "events.json"
