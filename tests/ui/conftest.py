"""Widget tests run on Qt's offscreen platform unless a real display was chosen."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def collect_on_the_ui_thread() -> Iterator[None]:
    """As in the app (outagetray/ui/gc_guard.py): never let a worker thread collect Qt garbage.

    Widget tests leave closed dialogs and their connected lambdas behind; if a server
    thread of the next test triggered the collector, Qt objects would be destroyed off
    the UI thread. Collection is switched off during a test and done here, on the main thread.
    """
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.enable()
