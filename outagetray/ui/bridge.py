"""Hands results from worker threads to the UI thread, only through Qt signals.

Core code runs on its own threads and knows nothing of Qt. A worker calls
``deliver`` from its thread; the signal is queued to the thread that owns the
bridge (the UI thread), so widgets are only ever touched there.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal


class RoundBridge(QObject):
    """Re-emits the monitor's per-round reports on the UI thread."""

    round = Signal(object)  # a RoundReport
    notice = Signal(str)  # a plain message for the window, from any thread

    def deliver(self, report: object) -> None:
        """Called on the monitor's thread; Qt queues the signal to the UI thread."""
        self.round.emit(report)


class Bridge(QObject):
    """Runs one job at a time off the UI thread and re-emits its outcome on it."""

    finished = Signal(object)  # the job's return value
    failed = Signal(str)  # a plain-words message

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outagetray-job")
        self._busy = False

    @property
    def busy(self) -> bool:
        return self._busy

    def submit(self, job: Callable[[], Any]) -> bool:
        """Start ``job`` unless one is already running; False when it was skipped."""
        if self._busy:
            return False
        self._busy = True
        future = self._pool.submit(job)
        future.add_done_callback(self._done)
        return True

    def _done(self, future: Future[Any]) -> None:
        # Runs on the worker thread: only emit, never touch widgets here.
        self._busy = False
        error = future.exception()
        if error is not None:
            self.failed.emit(f"The job stopped unexpectedly ({type(error).__name__}).")
        else:
            self.finished.emit(future.result())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
