"""A monitor clock for benchmarks: time jumps over every wait, so rounds run back to back."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class FastClock:
    def __init__(self) -> None:
        self.mono = 0.0
        self.wall = datetime(2026, 11, 25, tzinfo=UTC)
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.mono

    def now(self) -> datetime:
        with self.lock:
            return self.wall

    def wait(self, event: threading.Event, timeout: float) -> bool:
        with self.lock:
            self.mono += max(0.0, timeout)
            self.wall += timedelta(seconds=max(0.0, timeout))
        return event.wait(0.0005)
