"""Hands results from worker threads to the UI thread, only through Qt signals.

Core code runs on its own threads and knows nothing of Qt. A worker calls
``deliver`` from its thread; the signal is queued to the thread that owns the
bridge (the UI thread), so widgets are only ever touched there.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal


class RoundBridge(QObject):
    """Re-emits the monitor's per-round reports on the UI thread."""

    round = Signal(object)  # a RoundReport
    notice = Signal(str)  # a plain message for the window, from any thread

    def deliver(self, report: object) -> None:
        """Called on the monitor's thread; Qt queues the signal to the UI thread."""
        self.round.emit(report)
