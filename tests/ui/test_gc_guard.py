from __future__ import annotations

import gc
import threading

from pytestqt.qtbot import QtBot

from outagetray.ui.gc_guard import MainThreadCollector


class Cycle:
    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        COLLECTED.append(threading.current_thread().name)


COLLECTED: list[str] = []


def test_cycles_are_collected_on_the_ui_thread_only(qtbot: QtBot) -> None:
    gc.enable()
    collector = MainThreadCollector()
    try:
        assert not gc.isenabled()

        def make_garbage() -> None:
            for _ in range(5000):
                Cycle()

        worker = threading.Thread(target=make_garbage, name="worker")
        worker.start()
        worker.join()
        assert COLLECTED == []  # the worker crossed every threshold, yet nothing was collected there
        collector.check()  # what the app does when a round reaches the UI
        assert len(COLLECTED) >= 5000
        assert set(COLLECTED) == {threading.main_thread().name}
    finally:
        collector.stop()
        gc.disable()  # the autouse fixture re-enables it after the test


def test_settle_freezes_what_start_up_loaded(qtbot: QtBot) -> None:
    collector = MainThreadCollector()
    try:
        collector.settle()
        assert gc.get_freeze_count() > 0
    finally:
        collector.stop()
        gc.unfreeze()
        gc.disable()
