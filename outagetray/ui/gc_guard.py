"""Python's garbage collector, run only on the UI thread.

The cyclic collector runs in whichever thread happens to allocate when a threshold
is crossed. If that is a worker thread (the monitor's pool, a settings Test) and the
garbage holds Qt objects (a closed dialog and the lambdas connected to it), Qt
objects get destroyed off the UI thread, and PySide can crash outright. So automatic
collection is switched off and the same generational thresholds are checked on the UI
thread instead, when the app has done something: after each poll round reaches the UI,
and when a window or dialog closes. No timer of its own: an idle app wakes only to
poll. Reference counting, which frees almost everything, is unaffected.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject


def release_free_memory() -> None:
    """Hand the memory start-up used and freed back to the system (glibc keeps it otherwise).

    Start-up reads settings, state and the incident log on short-lived worker threads;
    glibc keeps what they freed in per-thread pools for the life of the process. Where the
    C library is not glibc, there is nothing to do.
    """
    import sys

    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):  # musl and others: no malloc_trim
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


class MainThreadCollector(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.threshold = gc.get_threshold()
        gc.disable()

    def check(self) -> None:
        """Collect the generations whose counts passed their thresholds, as gc itself would."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            generation = 0
            if count1 > self.threshold[1]:
                generation = 1
                if count2 > self.threshold[2]:
                    generation = 2
            gc.collect(generation)

    def settle(self) -> None:
        """Once start-up is over, move everything alive into the permanent generation.

        Modules, widgets and caches loaded at start live as long as the app; without
        this every full collection walks them all again, a pause the UI feels.
        """
        gc.collect()
        gc.freeze()
        release_free_memory()

    def stop(self) -> None:
        gc.enable()
