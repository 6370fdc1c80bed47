"""Daemon worker threads for the monitor's checks: a few always, more while those are stuck.

Split from monitor.py by job: the pool knows nothing of rounds, hosts or verdicts.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

#: At most this many workers, stuck ones included: 28 hosts can hang before rounds slow down.
MAX_WORKERS = 32
#: A worker busy this long on one job is waiting on the network, not computing.
BUSY_GRACE = 0.5
#: An extra worker idle this long ends, so a quiet app keeps only the core workers.
RETIRE_AFTER = 30.0


class DaemonPool:
    """Daemon worker threads fed from a queue: ``workers`` always, more while those are stuck.

    ``concurrent.futures.ThreadPoolExecutor`` joins its workers when the interpreter
    exits, so one request hanging in a 10 s timeout would hold up quitting the app;
    these threads are daemons and simply vanish with the process.

    A fixed pool sums timeouts: with four workers, five hanging hosts take two timeouts,
    on the very day (one CDN down) when many hang at once. A worker busy on one job for
    ``busy_grace`` seconds is waiting on the network and uses no CPU, so while jobs queue
    behind such workers, ``grow()`` adds workers until ``workers`` of them are free again,
    up to ``max_workers``. Extra workers end after ``retire_after`` idle seconds. Only
    extra workers wait with a timeout: an idle pool of ``workers`` threads never wakes.
    ``grow()`` is called by whoever waits for the jobs (the monitor, during a round), so
    no supervisor thread is needed.
    """

    def __init__(
        self,
        workers: int,
        name: str = "outagetray-poll",
        *,
        max_workers: int = MAX_WORKERS,
        busy_grace: float = BUSY_GRACE,
        retire_after: float = RETIRE_AFTER,
    ) -> None:
        self.core = max(1, workers)
        self.max_workers = max(self.core, max_workers)
        self.busy_grace = busy_grace
        self.retire_after = retire_after
        self._name = name
        self._cond = threading.Condition()
        self._jobs: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        #: Every live worker, with the monotonic time it started its current job (None: idle).
        self._workers: dict[int, float | None] = {}
        self._serial = 0
        self._closed = False
        with self._cond:
            for _ in range(self.core):
                self._spawn()

    @property
    def size(self) -> int:
        """How many worker threads are alive now."""
        with self._cond:
            return len(self._workers)

    def submit(self, job: Callable[[], Any]) -> Future[Any]:
        """Queue ``job``; after ``shutdown()`` it is cancelled at once instead."""
        future: Future[Any] = Future()
        with self._cond:
            if not self._closed:
                self._jobs.append((future, job))
                self._cond.notify()
                return future
        future.cancel()
        return future

    def grow(self) -> float | None:
        """Add workers if jobs wait behind workers stuck on theirs.

        Returns the seconds until it is worth asking again (when the next busy worker
        would count as stuck), or None while no job waits.
        """
        now = time.monotonic()
        with self._cond:
            if self._closed or not self._jobs:
                return None
            started = [t for t in self._workers.values() if t is not None]
            stuck = sum(1 for t in started if now - t >= self.busy_grace)
            free = len(self._workers) - stuck
            wanted = min(len(self._jobs), self.core - free, self.max_workers - len(self._workers))
            for _ in range(wanted):
                self._spawn()
            fresh = [t + self.busy_grace - now for t in started if now - t < self.busy_grace]
            return min(fresh) if fresh else self.busy_grace

    def shutdown(self) -> None:
        """Take no more jobs and cancel queued ones; running jobs end on their own (daemons)."""
        with self._cond:
            self._closed = True
            queued = list(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
        for future, _ in queued:
            future.cancel()

    def _spawn(self) -> None:
        """Start one worker; the caller holds the lock."""
        self._serial += 1
        ident = self._serial
        self._workers[ident] = None
        thread = threading.Thread(target=self._work, args=(ident,), name=f"{self._name}-{ident}", daemon=True)
        thread.start()

    def _work(self, ident: int) -> None:
        while True:
            with self._cond:
                self._workers[ident] = None
                while not self._jobs and not self._closed:
                    extra = len(self._workers) > self.core
                    woken = self._cond.wait(self.retire_after if extra else None)
                    if not woken and not self._jobs and len(self._workers) > self.core:
                        del self._workers[ident]
                        return
                if self._closed:
                    del self._workers[ident]
                    return
                future, job = self._jobs.popleft()
                self._workers[ident] = time.monotonic()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)
