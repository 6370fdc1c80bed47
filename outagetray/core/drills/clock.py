"""Scenario time for a fire drill: the Monitor's clock, ``speed`` times faster than real time.

A drill replays hours of an outage in minutes through the real monitor, so the monitor
must keep its usual intervals (a round every 60 s, confirmation after three rounds) in
*scenario* seconds while only ``1/speed`` of that passes for real.

Scenario time stands still while a round runs and moves only while the monitor waits
between rounds (``wait``) or when told to (``advance``). Every request of one round is
then answered for the same scenario moment: a step that begins "at 15:39" cannot split a
round, so platforms that fail together are seen failing in the same round and judged one
correlated event, however slow this computer is. The pace is kept all the same: a wait of
T scenario seconds ends T/speed real seconds after the previous wait ended, the round's
own real time counted in, so a six-hour outage still plays in about two minutes at 180×.
A wait ends at once when its event is set (``poke()``, ``stop()``), and scenario time
then moves by the real time that passed, times ``speed``.

One thread drives the clock by waiting (the monitor's loop, or a test that steps rounds
with ``advance``); any thread may read it, under one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: Scenario seconds per real second by default: a six-hour outage plays in two minutes.
DEFAULT_SPEED = 180.0


class ScenarioClock:
    """Scenario UTC from ``start``, moved by waits and ``advance``: ``speed`` scenario seconds a real one."""

    def __init__(
        self, start: datetime, speed: float = DEFAULT_SPEED, *, real: Callable[[], float] = time.monotonic
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("the drill's start time needs a time zone (write it in UTC, ending in Z)")
        if not speed > 0:
            raise ValueError("the drill's speed must be a positive number of scenario seconds per second")
        self.start = start.astimezone(UTC)
        self.speed = float(speed)
        self._real = real
        self._lock = threading.Lock()
        #: Scenario seconds since ``start``; only waits and ``advance`` move it.
        self._elapsed = 0.0
        #: The real moment the last wait ended (or the clock was made): the round's time counts from it.
        self._woke = real()

    def elapsed(self) -> float:
        """Scenario seconds since ``start``."""
        with self._lock:
            return self._elapsed

    def monotonic(self) -> float:
        """Scenario seconds since ``start``: never goes back."""
        return self.elapsed()

    def now(self) -> datetime:
        """The scenario's moment now, in UTC."""
        return self.start + timedelta(seconds=self.elapsed())

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Let ``timeout`` scenario seconds pass (``timeout / speed`` real ones), or less if ``event`` is set.

        The real time since the previous wait ended (the round that just ran) is counted in,
        so rounds do not slow the drill down unless one takes longer than a whole wait.
        """
        timeout = max(0.0, timeout)
        with self._lock:
            woke = self._woke
        budget = self.real_seconds(timeout) - (self._real() - woke)
        interrupted = event.wait(max(0.0, budget))
        with self._lock:
            now = self._real()
            passed = timeout if not interrupted else min(timeout, (now - woke) * self.speed)
            self._elapsed += max(0.0, passed)
            self._woke = now
        return interrupted

    def real_seconds(self, scenario_seconds: float) -> float:
        """How many real seconds ``scenario_seconds`` take at this clock's speed."""
        return scenario_seconds / self.speed

    def advance(self, scenario_seconds: float) -> None:
        """Move scenario time forward without waiting (a test stepping rounds, a runner skipping ahead)."""
        if scenario_seconds < 0:
            raise ValueError("a scenario clock cannot go back in time")
        with self._lock:
            self._elapsed += scenario_seconds

    def __repr__(self) -> str:
        return f"ScenarioClock(start={self.start.isoformat()}, speed={self.speed:g})"
