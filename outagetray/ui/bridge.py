"""Hands results from worker threads to the UI thread, only through Qt signals.

Core code runs on its own threads and knows nothing of Qt. Two shapes of work cross:

- the monitor's stream of rounds: the monitor calls ``RoundBridge.deliver`` from its
  thread, and the signal is queued to the UI thread that owns the bridge;
- single jobs (a settings Test, a save, a plyer notification): ``Jobs.submit`` runs
  one on a small pool and calls back on the UI thread with its result or exception.

Widgets are only ever touched on the UI thread.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid


class RoundBridge(QObject):
    """Re-emits the monitor's per-round reports on the UI thread."""

    round = Signal(object)  # a RoundReport
    notice = Signal(str)  # a plain message for the window, from any thread

    def deliver(self, report: object) -> None:
        """Called on the monitor's thread; Qt queues the signal to the UI thread."""
        self.round.emit(report)


class _Relay(QObject):
    """Carries job outcomes from worker threads to the UI thread.

    One relay lives as long as the application: a worker thread must never emit on
    an object the UI thread may be deleting (a closed dialog), which can crash Qt
    outright rather than raise.
    """

    done = Signal(int, object)


_RELAY: _Relay | None = None
_WAITING: dict[int, tuple[QObject, Callable[[object], None]]] = {}
_TOKENS = itertools.count(1)


def _relay() -> _Relay:
    global _RELAY
    if _RELAY is None:
        _RELAY = _Relay(QApplication.instance())
        _RELAY.done.connect(_deliver)
    return _RELAY


def _deliver(token: int, outcome: object) -> None:
    owner, on_done = _WAITING.pop(token, (None, None))
    if owner is not None and on_done is not None and isValid(owner):
        on_done(outcome)


class Jobs(QObject):
    """Runs blocking core calls on a small pool and hands each outcome back on the UI thread.

    The outcome crosses threads only through the application-long relay's queued
    signal; the callback runs on the UI thread, and is skipped when the widget that
    asked has been deleted meanwhile (a row removed, an editor closed mid-test).
    """

    def __init__(self, workers: int, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._relay = _relay()
        self._mine: set[int] = set()

    def submit(self, job: Callable[[], object], owner: QObject, on_done: Callable[[object], None]) -> None:
        """Start ``job``; ``on_done`` gets its return value, or the exception it raised."""
        token = next(_TOKENS)
        mine = self._mine

        def deliver(outcome: object) -> None:
            mine.discard(token)  # a long-lived Jobs (the Notifier's) keeps no trace of old jobs
            on_done(outcome)

        _WAITING[token] = (owner, deliver)
        mine.add(token)
        relay = self._relay
        future = self._pool.submit(job)
        future.add_done_callback(lambda done: _finished(relay, token, done))

    def shutdown(self) -> None:
        """Drop queued jobs; one already running finishes on its own and is then ignored."""
        for token in self._mine:
            _WAITING.pop(token, None)
        self._mine.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _finished(relay: _Relay, token: int, future: Future[object]) -> None:
    # Runs on the worker thread: only emit on the long-lived relay, never touch widgets.
    if future.cancelled():
        return
    error = future.exception()
    relay.done.emit(token, error if error is not None else future.result())
