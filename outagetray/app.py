"""Composition root: builds the core objects and the Qt shell and connects them.

Nothing else constructs services. Heavy modules (requests, the status formats)
load on the worker thread during the first check, after the tray icon is shown.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger("outagetray")


def run_app(config: Path | None = None) -> int:
    """Start the tray app and run until the user quits; returns the exit code."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from outagetray.core import settings as settings_module
    from outagetray.ui.bridge import Bridge
    from outagetray.ui.tray import Tray
    from outagetray.ui.window import StatusWindow

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("OutageTray")
    app.setQuitOnLastWindowClosed(False)

    settings, problem = settings_module.load_or_recover(config)
    notices: list[str] = []
    if problem:
        notices.append(problem)
        log.warning("%s", problem.replace("\n", " "))

    tray = Tray(app)
    window = StatusWindow()
    bridge = Bridge(app)
    has_tray = QSystemTrayIcon.isSystemTrayAvailable()
    if has_tray:
        tray.show()
    else:
        notices.append(
            "Your desktop has no system tray (on GNOME, install the AppIndicator extension), "
            "so OutageTray shows this window instead. Closing it keeps OutageTray running; "
            "use Quit in the tray, or close it from your task manager."
        )
        app.setQuitOnLastWindowClosed(True)
    if notices:
        window.show_notice("\n\n".join(notices))
    if notices or not has_tray:
        window.show()

    def check() -> None:
        from outagetray.core.check import run_check
        from outagetray.core.http import HttpClient

        client = HttpClient()

        def job() -> object:
            return run_check(client, settings.watched(), settings.controls)

        if bridge.submit(job):
            window.set_busy(True)

    def on_result(report: object) -> None:
        from outagetray.core.check import CheckReport

        window.set_busy(False)
        if isinstance(report, CheckReport):
            tray.show_report(report)
            window.show_report(report)

    def on_failure(message: str) -> None:
        window.set_busy(False)
        log.error("check failed: %s", message)

    def open_window() -> None:
        window.show()
        window.raise_()
        window.activateWindow()

    bridge.finished.connect(on_result)
    bridge.failed.connect(on_failure)
    tray.check_requested.connect(check)
    tray.open_requested.connect(open_window)
    tray.quit_requested.connect(app.quit)
    window.check_requested.connect(check)

    timer = QTimer(app)
    timer.setInterval(settings.interval_seconds * 1000)
    timer.timeout.connect(check)
    timer.start()
    QTimer.singleShot(0, check)
    try:
        return app.exec()
    finally:
        bridge.shutdown()
