"""Event numbers that are never handed out twice: across rounds, settings saves and restarts.

The incident log keys on ``Change.event`` and ``Change.incident``, so a number that
came back after a restart would file a new outage under an old one. A counter kept in
memory restarted at 1 with every new judge (and a save built a new judge).

How: numbers are reserved in blocks. Before the first number of a block is handed out,
the end of the block is written to a tiny file in the state folder (atomically, with
``write_atomic``), so after a crash or a restart counting resumes above anything that
may have been handed out. A restart skips the rest of a block: numbers stay unique, not
gapless. Writing happens in ``next()``, which the judge calls on the monitor's thread,
never on the UI thread; the file is first read there too, on first use.

Where the file cannot be read back (damaged, not ours), counting resumes above a floor
taken from the clock (milliseconds since 1970), far above any number handed out one by
one; where it cannot be written, numbers are still unique for this run and the reason
is logged.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from outagetray.core.atomic import read_small, write_atomic

log = logging.getLogger(__name__)

#: Numbers reserved per write: a write every this many events (a busy day has dozens).
BLOCK = 64
#: The file holds one small JSON object; anything larger is not ours.
MAX_FILE_BYTES = 4096


class EventIds:
    """Hands out increasing event numbers; ``path`` None keeps them in memory (tests, one-shot checks)."""

    def __init__(self, path: Path | None = None, *, block: int = BLOCK) -> None:
        self.path = path
        self._block = max(1, block)
        self._lock = threading.Lock()
        self._next: int | None = None if path is not None else 1
        self._reserved = 0

    def __next__(self) -> int:
        with self._lock:
            if self._next is None:
                self._next = self._load()
            if self.path is not None and self._next >= self._reserved:
                if not self._reserve(self._next + self._block):
                    # The file still holds an older end, which a later start would read and
                    # count from again: jump this run above the clock's floor, which that
                    # start's numbers (read from the old file) stay below.
                    self._next = max(self._next, _clock_floor())
                self._reserved = self._next + self._block  # a failed write is tried again then
            number = self._next
            self._next += 1
            return number

    def __iter__(self) -> EventIds:
        return self

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


def _clock_floor() -> int:
    """Above every number handed out one by one: milliseconds since 1970."""
    return int(time.time() * 1000)


def default_path() -> Path:
    from platformdirs import user_state_path

    return user_state_path("OutageTray", appauthor=False) / "events.json"
