"""Native desktop notifications, with fallbacks that always end somewhere.

Back-ends are tried in order and created lazily, the first time something is shown
(so plyer is not imported at start-up):

1. plyer: the desktop's own notifications (D-Bus on Linux, the Action Center on
   Windows, Notification Center on macOS). Its call can block (on Linux it may run
   ``notify-send``), so it runs on a worker thread.
2. Qt's ``QSystemTrayIcon.showMessage``: a balloon from the tray icon where plyer has
   no back-end. It is also the only one that reports a click (``messageClicked``).
3. One clear line in the log when neither can show anything.

Nothing here takes focus: a notification never raises or activates the window;
only the user's click does.
"""

from __future__ import annotations

import html
import logging
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from outagetray.core.alerts import Notification

log = logging.getLogger(__name__)

APP_NAME = "OutageTray"
TIMEOUT_SECONDS = 10


def plyer_usable() -> bool:
    """Whether plyer has a back-end here that actually reaches the desktop.

    On Linux plyer needs the desktop portal (inside Flatpak), dbus-python, or the
    ``notify-send`` program; without any of them it silently does nothing, which
    must not count as "shown".
    """
    try:
        import plyer  # noqa: F401
    except ImportError:
        return False
    if sys.platform.startswith("linux") or sys.platform.startswith("freebsd"):
        if os.environ.get("FLATPAK_ID"):
            return True
        try:
            import dbus  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            return shutil.which("notify-send") is not None
        return True
    return True


def plain_body(text: str) -> str:
    """Body text made safe for notification servers.

    The freedesktop spec lets servers read the body as markup, so ``<`` and ``&`` are
    escaped; plyer's portal back-end builds a GVariant string without escaping, so
    straight double quotes become typographic ones.
    """
    return html.escape(text, quote=False).replace('"', "”")


class Notifier(QObject):
    """Shows core Notifications; emits ``clicked`` when the user clicks one (where the platform tells)."""

    clicked = Signal()
    _plyer_failed = Signal(object)  # a Notification to show another way, back on the UI thread

    def __init__(
        self,
        tray: QSystemTrayIcon | None,
        parent: QObject | None = None,
        *,
        use_plyer: Callable[[], bool] = plyer_usable,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._use_plyer = use_plyer
        self._plyer_ok: bool | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.shown: list[tuple[str, Notification]] = []  # (back-end, notification), for tests and logs
        self._plyer_failed.connect(self._fallback)
        if tray is not None:
            tray.messageClicked.connect(self.clicked.emit)

    def show(self, note: Notification) -> None:
        if note.sound:
            QApplication.beep()
        if self._plyer_ok is None:
            self._plyer_ok = self._use_plyer()
        if self._plyer_ok:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outagetray-notify")
            self._pool.submit(self._send_plyer, note)
            return
        self._fallback(note)

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)

    def _send_plyer(self, note: Notification) -> None:
        # Worker thread: talk to plyer only; hand any failure back to the UI thread by signal.
        try:
            from plyer import notification

            with warnings.catch_warnings():
                # plyer warns on every call that dbus-python is missing, then uses notify-send.
                warnings.filterwarnings("ignore", message="The Python dbus package is not installed")
                notification.notify(
                    title=note.title,
                    message=plain_body(note.body),
                    app_name=APP_NAME,
                    timeout=TIMEOUT_SECONDS,
                )
        except Exception as exc:  # noqa: BLE001 - plyer raises whatever its back-end raises
            log.info("desktop notification failed (%s); falling back", type(exc).__name__)
            self._plyer_ok = False
            self._plyer_failed.emit(note)
            return
        self.shown.append(("plyer", note))

    def _fallback(self, note: object) -> None:
        assert isinstance(note, Notification)
        tray = self._tray
        if tray is not None and tray.isVisible() and QSystemTrayIcon.supportsMessages():
            icon = {
                "critical": QSystemTrayIcon.MessageIcon.Critical,
                "normal": QSystemTrayIcon.MessageIcon.Warning,
            }.get(note.urgency, QSystemTrayIcon.MessageIcon.Information)
            tray.showMessage(note.title, note.body, icon, TIMEOUT_SECONDS * 1000)
            self.shown.append(("qt", note))
            return
        log.warning("could not show a notification (no notification service and no tray): %s", note.title)
        self.shown.append(("log", note))
