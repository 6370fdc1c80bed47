"""Scenario time for a fire drill: the Monitor's clock, running ``speed`` times faster than real time.

A drill replays hours of an outage in minutes through the real monitor, so the monitor
must keep its usual intervals (a round every 60 s, confirmation after three rounds) in
*scenario* seconds while only ``1/speed`` of that passes for real. Everything the
monitor asks of a clock (``monotonic``, ``now``, ``wait``) is answered here in scenario
time; only ``wait`` really blocks, for ``timeout / speed`` real seconds, and returns at
once when its event is set, so ``poke()`` and ``stop()`` stay instant.

``advance`` jumps scenario time forward without waiting (tests step rounds by hand, and
a runner may skip a quiet stretch). The clock is read from the monitor's thread, its
workers and the loopback servers at once, so every reading takes one lock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

#: Scenario seconds per real second by default: a six-hour outage plays in two minutes.
DEFAULT_SPEED = 180.0


class ScenarioClock:
    """Scenario UTC that starts at ``start`` and runs ``speed`` scenario seconds per real second."""

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
        self._real_start = real()
        #: Scenario seconds added by ``advance`` on top of what real time gave.
        self._skipped = 0.0

    def elapsed(self) -> float:
        """Scenario seconds since ``start``."""
        with self._lock:
            return (self._real() - self._real_start) * self.speed + self._skipped

    def monotonic(self) -> float:
        """Scenario seconds since ``start``: never goes back, and moves ``speed`` times real time."""
        return self.elapsed()

    def now(self) -> datetime:
        """The scenario's moment now, in UTC."""
        return self.start + timedelta(seconds=self.elapsed())

    def wait(self, event: threading.Event, timeout: float) -> bool:
        """Wait ``timeout`` scenario seconds (``timeout / speed`` real ones), or until ``event`` is set."""
        return event.wait(self.real_seconds(max(0.0, timeout)))

    def real_seconds(self, scenario_seconds: float) -> float:
        """How many real seconds ``scenario_seconds`` take at this clock's speed."""
        return scenario_seconds / self.speed

    def advance(self, scenario_seconds: float) -> None:
        """Jump forward without waiting; a clock never goes back, so a negative jump is refused."""
        if scenario_seconds < 0:
            raise ValueError("a scenario clock cannot go back in time")
        with self._lock:
            self._skipped += scenario_seconds

    def __repr__(self) -> str:
        return f"ScenarioClock(start={self.start.isoformat()}, speed={self.speed:g})"
