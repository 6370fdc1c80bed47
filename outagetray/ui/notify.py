"""Native desktop notifications, with fallbacks that always end somewhere.

Back-ends are tried in order and chosen lazily, the first time something is shown
(so plyer is not imported at start-up):

1. On Linux and the BSDs, ``notify-send`` (libnotify 0.7.10 or later) run through
   QProcess, with a default action: the desktop's own notification, and a click on it
   opens the window. plyer runs the same program there but without an action, so it
   cannot report clicks. QProcess keeps this off the UI thread without a thread of
   our own: the program waits for the click while the event loop reads its output.
2. plyer: the desktop's own notifications elsewhere (the Action Center on Windows,
   Notification Center on macOS, the desktop portal inside Flatpak), and on Linux
   when ``notify-send`` is too old for actions. Its call can block, so it runs on a
   worker thread.
3. Qt's ``QSystemTrayIcon.showMessage``: a balloon from the tray icon where neither
   works; it reports clicks too (``messageClicked``).
4. One clear line in the log when nothing can show anything.

Nothing here takes focus: a notification never raises or activates the window;
only the user's click does.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, QTimer, Signal
from PySide6.QtWidgets import QApplication, QSystemTrayIcon

from outagetray.core.alerts import Notification
from outagetray.ui.bridge import Jobs

log = logging.getLogger(__name__)

APP_NAME = "OutageTray"
#: How long news that is not urgent stays on screen (a slowdown, a recovery, a digest).
TIMEOUT_SECONDS = 10
#: The freedesktop notification spec's "never expires": the notification stays until
#: the user dismisses it. notify-send's --expire-time and Qt's timeout hint pass it on.
NEVER_EXPIRES = 0
DEFAULT_ACTION = "default"
#: How long a notification stays clickable. notify-send waits for the click, and a
#: desktop that keeps notifications until dismissed (GNOME, or urgent ones in dunst)
#: would keep it waiting for ever; after this the waiting program is ended.
CLICKABLE_SECONDS = 3600
_ICONS = {"down": "outage", "degraded": "degraded", "recovered": "operational"}


def notify_send_path() -> str | None:
    """The ``notify-send`` program, where it is this desktop's way to notify.

    Inside Flatpak notifications go through the desktop portal (plyer's path) instead.
    """
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    if os.environ.get("FLATPAK_ID"):
        return None
    return shutil.which("notify-send")


def icon_state(note: Notification) -> str:
    """The state icon that fits the news: a digest shows its most serious news.

    "While you were away: LinkedIn is back" is good news and shows the operational
    icon; one that also says something is down shows the outage icon.
    """
    kind = note.news[0] if note.kind == "digest" and note.news else note.kind
    return _ICONS.get(kind, "unknown")


def _icon_for(note: Notification) -> str | None:
    """A file path to the state icon for this news, if resources are plain files."""
    from outagetray import assets

    icon = assets.resource(f"icons/{icon_state(note)}.svg")
    return str(icon) if isinstance(icon, Path) and icon.is_file() else None


def stays(note: Notification) -> bool:
    """Whether this notification should stay until dismissed: a platform is down.

    The README promises it: a "down" pop-up that vanished after 10 s while the user was
    looking elsewhere would be missed. An explicit --expire-time of 10 s overrides the
    critical urgency on most notification servers (dunst, KDE, xfce4-notifyd), so the
    urgency alone is not enough.
    """
    return note.urgency == "critical"


def expire_ms(note: Notification) -> int:
    """The freedesktop expire timeout: 0 (never) for a "down", else TIMEOUT_SECONDS."""
    return NEVER_EXPIRES if stays(note) else TIMEOUT_SECONDS * 1000


def plyer_timeout(note: Notification, platform: str | None = None) -> int:
    """plyer's ``timeout`` (seconds) for this notification on this platform.

    On Linux and the BSDs plyer hands it to the notification server (0 there means
    never). On Windows its balloon is removed when the timeout ends, and 0 would
    remove it at once, so a "down" keeps it for as long as it stays clickable instead.
    macOS ignores it.
    """
    if not stays(note):
        return TIMEOUT_SECONDS
    platform = platform or sys.platform
    if platform.startswith(("win32", "cygwin", "darwin")):
        return CLICKABLE_SECONDS
    return NEVER_EXPIRES


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


def escape_markup(text: str) -> str:
    """``&``, ``<`` and ``>`` escaped, so a notification server that reads markup shows them as they are."""
    # html.escape would do the same, but importing html loads its 2,000-entity table.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_body(text: str) -> str:
    """Body text made safe for notification servers.

    The freedesktop spec lets servers read the body as markup, so ``<`` and ``&`` are
    escaped; plyer's portal back-end builds a GVariant string without escaping, so
    straight double quotes become typographic ones.
    """
    return escape_markup(text).replace('"', "”")


def qt_message_body(text: str, platform: str | None = None) -> str:
    """The body for ``QSystemTrayIcon.showMessage``, escaped where it may be read as markup.

    On Linux and the BSDs Qt hands the message to the desktop's notification server
    (the freedesktop spec, where the body may be markup), so a status page's
    ``<a href=…>`` or ``<img>`` must be escaped there as for notify-send. Windows and
    macOS show it as plain text, where escaping would show "&lt;" to the user.
    """
    platform = platform or sys.platform
    return text if platform.startswith(("win32", "cygwin", "darwin")) else escape_markup(text)


def safe_note(note: Notification) -> Notification:
    """The notification without control characters or credentials, whatever back-end shows it.

    Its text holds platform names from the settings file and evidence from status pages;
    a bidi override there would make a line read backwards in the desktop's bubble.
    """
    from dataclasses import replace

    from outagetray.core.redact import one_line, shown

    title, body = one_line(shown(note.title)), shown(note.body)
    if (title, body) == (note.title, note.body):
        return note
    return replace(note, title=title, body=body)


class Notifier(QObject):
    """Shows core Notifications; emits ``clicked`` when the user clicks one (where the platform tells),
    and ``action`` (the notification, the action id) when they press one of its buttons."""

    clicked = Signal()
    action = Signal(object, str)
    #: The notification whose body was clicked (None when the desktop does not say which):
    #: a "down" opens its incident, a "welcome back" its drafts.
    opened = Signal(object)

    def __init__(
        self,
        tray: QSystemTrayIcon | None,
        parent: QObject | None = None,
        *,
        use_plyer: Callable[[], bool] = plyer_usable,
        notify_send: Callable[[], str | None] = notify_send_path,
    ) -> None:
        super().__init__(parent)
        self._tray = tray
        self._use_plyer = use_plyer
        self._plyer_ok: bool | None = None
        self._find_notify_send = notify_send
        self._notify_send: str | None = None
        self._notify_send_checked = False
        self._waiting: set[_NotifySendRun] = set()  # notify-send programs waiting for a click
        self._jobs: Jobs | None = None  # plyer's calls, off the UI thread
        self.shown: list[tuple[str, Notification]] = []  # (back-end, notification), for tests and logs
        #: The last notification shown as a tray balloon: Qt's click says only "a balloon".
        self._balloon: Notification | None = None
        if tray is not None:
            tray.messageClicked.connect(self._balloon_clicked)

    def show(self, note: Notification) -> None:
        note = safe_note(note)
        if note.sound:
            QApplication.beep()
        if not self._notify_send_checked:
            self._notify_send_checked = True
            self._notify_send = self._find_notify_send()
        if self._notify_send is not None:
            self._send_notify_send(self._notify_send, note)
            return
        self._show_plyer_or_fallback(note)

    def _show_plyer_or_fallback(self, note: Notification) -> None:
        if self._plyer_ok is None:
            self._plyer_ok = self._use_plyer()
        if self._plyer_ok:
            if self._jobs is None:
                self._jobs = Jobs(1, "outagetray-notify", self)
            self._jobs.submit(
                lambda: _send_plyer(note), self, lambda outcome: self._plyer_done(note, outcome)
            )
            return
        self._fallback(note)

    def _plyer_done(self, note: Notification, outcome: object) -> None:
        if isinstance(outcome, Exception):  # plyer raises whatever its back-end raises
            log.info("desktop notification failed (%s); falling back", type(outcome).__name__)
            self._plyer_ok = False
            self._fallback(note)
            return
        self._record("plyer", note)

    def _record(self, backend: str, note: Notification) -> None:
        """Remember (for tests) and log where a notification was shown: the log tells what the user saw."""
        self.shown.append((backend, note))
        if backend != "log":
            log.info("notification shown (%s): %s", backend, note.title)

    def shutdown(self) -> None:
        if self._jobs is not None:
            self._jobs.shutdown()
        for run in list(self._waiting):
            run.end()

    def _send_notify_send(self, program: str, note: Notification) -> None:
        args = [
            f"--app-name={APP_NAME}",
            f"--urgency={note.urgency}",
            f"--expire-time={expire_ms(note)}",
            "--hint=string:desktop-entry:outagetray",
            "--print-id",  # the id means the desktop took it (we read it when the program ends)
            f"--action={DEFAULT_ACTION}=Open OutageTray",
        ]
        # Action ids are the core's own words ("incident"); labels are plain text.
        args += [f"--action={name}={plain_body(label)}" for name, label in note.actions]
        icon = _icon_for(note)
        if icon:
            args.append(f"--icon={icon}")
        args += ["--", note.title, plain_body(note.body)]  # "--": a title never reads as an option
        # No Qt parent and no lambdas holding it: the set is its only owner, and it is
        # dropped on the turn of the event loop after it ends (never inside its own
        # signal, and never deleted twice by a parent and by Python).
        run = _NotifySendRun(note)
        run.taken.connect(self._notify_send_taken)
        run.clicked.connect(self._clicked)
        run.action.connect(self.action.emit)
        run.failed.connect(self._notify_send_failed)
        run.ended.connect(self._notify_send_ended)
        self._waiting.add(run)
        run.start(program, args)

    def _clicked(self, note: Notification | None) -> None:
        self.clicked.emit()
        self.opened.emit(note)

    def _balloon_clicked(self) -> None:
        self._clicked(self._balloon)

    def _notify_send_taken(self, run: _NotifySendRun) -> None:
        self._record("notify-send", run.note)

    def _notify_send_ended(self, run: _NotifySendRun) -> None:
        QTimer.singleShot(0, self, lambda: self._waiting.discard(run))

    def _notify_send_failed(self, run: _NotifySendRun, reason: str) -> None:
        note = run.note
        # GLib translates "Unknown option", but the option's own name stays as it is.
        too_old = "unknown option" in reason.lower() or any(opt in reason for opt in _NEWER_OPTIONS)
        if too_old or reason == _NOT_STARTED:
            # libnotify before 0.7.10 has neither --action nor --print-id (or the program
            # is gone): plyer shows notifications from now on, without a click action.
            self._notify_send = None
            log.info(
                "notify-send is unusable here (%s); clicking a notification will not open the window", reason
            )
            self._show_plyer_or_fallback(note)
            return
        # The desktop refused this one (no notification service yet, at login?): this
        # notification goes to the fallback, and the next one tries the desktop again.
        # Not plyer: on Linux it runs the same program and ignores its failure.
        log.info("notify-send could not show the notification (%s); falling back", reason)
        self._fallback(note)

    def _fallback(self, note: Notification) -> None:
        tray = self._tray
        if tray is not None and tray.isVisible() and QSystemTrayIcon.supportsMessages():
            icon = {
                "critical": QSystemTrayIcon.MessageIcon.Critical,
                "normal": QSystemTrayIcon.MessageIcon.Warning,
            }.get(note.urgency, QSystemTrayIcon.MessageIcon.Information)
            # Qt passes the timeout to the desktop's notification server (0: never), and
            # its own balloon (X11 without one) starts no timer for 0, so it waits for a click.
            tray.showMessage(note.title, qt_message_body(note.body), icon, expire_ms(note))
            self._balloon = note
            self._record("qt", note)
            return
        log.warning("could not show a notification (no notification service and no tray): %s", note.title)
        self._record("log", note)


_NOT_STARTED = "the program could not be started"
_NEWER_OPTIONS = ("--action", "--print-id")
#: notify-send prints the notification's id at once, but its output reaches us only when
#: it exits (stdio buffers a pipe). Still running after this long without an error
#: means the desktop took it: a refusal makes it exit at once.
_TAKEN_AFTER_MS = 2000


class _NotifySendRun(QObject):
    """One notify-send program: tells when the desktop has taken the notification
    (its id is printed, it exits cleanly, or it is still waiting after a moment),
    when the user clicks it (the action's name is printed), or why it failed. It ends
    by itself when the notification closes, and is ended after CLICKABLE_SECONDS
    otherwise.
    """

    taken = Signal(object)  # self
    clicked = Signal(object)  # the notification
    action = Signal(object, str)  # the notification, the action id
    failed = Signal(object, str)  # self, why
    ended = Signal(object)  # self

    def __init__(self, note: Notification) -> None:
        super().__init__()
        self.note = note
        self._process = QProcess(self)
        self._output = b""
        self._taken = False
        self._clicked = False
        self._process.readyReadStandardOutput.connect(self._read)
        self._process.finished.connect(self._finished)
        self._process.errorOccurred.connect(self._error)

    def start(self, program: str, args: list[str]) -> None:
        QTimer.singleShot(CLICKABLE_SECONDS * 1000, self, self.end)
        QTimer.singleShot(_TAKEN_AFTER_MS, self, self._still_running)
        self._process.start(program, args)

    def _still_running(self) -> None:
        if self._process.state() == QProcess.ProcessState.Running:
            self._take()

    def _take(self) -> None:
        if not self._taken:
            self._taken = True
            self.taken.emit(self)

    def end(self) -> None:
        """Stop waiting for a click; the notification stays where the desktop put it."""
        if self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()
            self._process.waitForFinished(1000)

    def _read(self) -> None:
        self._output += bytes(self._process.readAllStandardOutput().data())
        lines = [line.strip() for line in self._output.decode("utf-8", "replace").splitlines()]
        if lines and lines[0].isdigit():
            self._take()
        if self._clicked:
            return  # one click, one answer
        pressed = [line for line in lines[1:] if line]
        if DEFAULT_ACTION in pressed:
            self._clicked = True
            self.clicked.emit(self.note)
            return
        actions = {name for name, _ in self.note.actions}
        chosen = next((line for line in pressed if line in actions), None)
        if chosen is not None:
            self._clicked = True
            self.action.emit(self.note, chosen)

    def _finished(self, code: int, _status: QProcess.ExitStatus) -> None:
        self._read()
        normal = self._process.exitStatus() == QProcess.ExitStatus.NormalExit
        if normal and code == 0:
            self._take()
        elif normal and not self._taken:
            error = bytes(self._process.readAllStandardError().data()).decode("utf-8", "replace").strip()
            self.failed.emit(self, error.splitlines()[0] if error else f"exit code {code}")
        self.ended.emit(self)

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self.failed.emit(self, _NOT_STARTED)
            self.ended.emit(self)


def _send_plyer(note: Notification) -> None:
    """Runs on a worker thread: plyer only, never a widget. Its exceptions are the outcome."""
    from plyer import notification

    with warnings.catch_warnings():
        # plyer warns on every call that dbus-python is missing, then uses notify-send.
        warnings.filterwarnings("ignore", message="The Python dbus package is not installed")
        notification.notify(
            title=note.title,
            message=plain_body(note.body),
            app_name=APP_NAME,
            timeout=plyer_timeout(note),
        )
