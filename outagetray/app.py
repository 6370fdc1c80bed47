"""Composition root: builds the core objects and the Qt shell and connects them.

Nothing else constructs services. The tray icon is shown first; the monitor (and
with it requests, dnspython and the status formats) is built on the first turn of
the event loop, so start-up costs about what a bare tray app costs.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import Future

    from PySide6.QtWidgets import QDialog

    from outagetray.app_playbook import Playbook
    from outagetray.core.alerts import AlertPolicy
    from outagetray.core.http import HttpClient
    from outagetray.core.monitor import Clock, Monitor, MonitorConfig, RoundReport
    from outagetray.core.readiness import Readiness
    from outagetray.core.settings import Settings
    from outagetray.core.settings_lastgood import AppSettings
    from outagetray.core.settings_store import SettingsStore
    from outagetray.core.state import AppState
    from outagetray.ui.first_run import FirstRun
    from outagetray.ui.gc_guard import MainThreadCollector
    from outagetray.ui.tray import Tray
    from outagetray.ui.window import StatusWindow

log = logging.getLogger("outagetray")


class App:
    """Holds the running pieces and the wiring between them; one per process."""

    def __init__(
        self,
        config: Path | None,
        state_path: Path | None = None,
        interval: float | None = None,
        tray: Tray | None = None,
        reading: Future[tuple[AppSettings, AppState]] | None = None,
        store: SettingsStore | None = None,
    ) -> None:
        """``reading`` is :func:`read_soon` started early by run_app on ``store`` (the app's one
        settings store, for the file ``config``); without them the store is built and read here."""
        from concurrent.futures import ThreadPoolExecutor

        from PySide6.QtWidgets import QSystemTrayIcon

        from outagetray.core import state as state_module
        from outagetray.ui.bridge import RoundBridge
        from outagetray.ui.notify import Notifier
        from outagetray.ui.tray import Tray as TrayIcon

        if store is None:
            if reading is not None:
                # It read into a store of its own, which this app would never see.
                raise TypeError("a reading started by read_soon comes with the store it reads into")
            from outagetray.core.settings_store import SettingsStore

            # The copy of the last settings that loaded is kept beside the state file.
            folder = (state_path or state_module.default_path()).parent
            store = SettingsStore(config, state_folder=folder)
        #: The app's one settings store: the file and the settings in use, shared with the
        #: Settings window, so a save changes what the app runs on in one place.
        self.store = store
        self.state_path = state_path
        self.interval = interval
        #: The monitor's clock; None is real time (benchmarks inject a fast one).
        self.clock: Clock | None = None
        self._client: HttpClient | None = None
        if reading is None:
            reading = read_soon(config, state_path, store=store)
        loaded, self.state = reading.result()
        #: What loading found in the user's file (a mistake is shown until a save fixes it).
        self.loaded = loaded
        self.monitor: Monitor | None = None
        self.policy: AlertPolicy | None = None
        #: The incident log, drafts, checklist and follow-ups: built with the monitor.
        self.playbook: Playbook | None = None
        self.first_run: FirstRun | None = None
        self.last_report: RoundReport | None = None
        self._settings_dialog: QDialog | None = None
        self._autostart_checked = False
        self._closing = False
        #: Set by run_app: collects garbage on the UI thread (see ui/gc_guard.py).
        self.collector: MainThreadCollector | None = None
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outagetray-save")
        from outagetray.core.eventids import EventIds

        #: Event numbers unique for ever: kept beside the state file, read and written by the
        #: monitor's thread on first use (never here, on the UI thread).
        self.event_ids = EventIds((state_path or state_module.default_path()).with_name("events.json"))
        from outagetray.core.secrets import Secrets

        #: The one password store of the app (the keyring is imported only when first asked), so
        #: a "this session only" choice holds for Settings, checks and sends alike.
        self.secrets = Secrets()
        self._readiness: Readiness | None = None

        self.tray = tray or TrayIcon()
        self._window: StatusWindow | None = None
        self._paused_text = ""
        self.bridge = RoundBridge()
        self.has_tray = QSystemTrayIcon.isSystemTrayAvailable()
        self.notifier = Notifier(self.tray.icon if self.has_tray else None)

        notices = []
        if loaded.message:
            notices.append(loaded.message)
            log.warning("%s", loaded.message.replace("\n", " "))
        self.tray.set_problem(f"OutageTray: {loaded.short}" if loaded.short else "")
        if not self.has_tray:
            notices.append(
                "Your desktop shows no system tray (on GNOME, the AppIndicator extension adds one), "
                "so OutageTray runs in this window instead. Alerts still appear as notifications."
            )
        if notices:
            # The button that opens the file goes with a notice about the file, never with others.
            self.window.show_notice("\n\n".join(notices), loaded.path if loaded.problems else None)

        self.bridge.round.connect(self.on_round)
        self.bridge.notice.connect(lambda text: self.window.show_notice(text))
        self.tray.check_requested.connect(self.check_now)
        self.tray.open_requested.connect(self.open_window)
        self.tray.settings_requested.connect(self.open_settings)
        self.tray.pause_requested.connect(self.pause)
        self.tray.quit_requested.connect(self.quit)
        self.notifier.opened.connect(self.open_window)  # until the playbook takes over (start_playbook)

    @property
    def settings(self) -> Settings:
        """The settings the app runs on: the store's."""
        return self.store.current

    @property
    def window(self) -> StatusWindow:
        """The window, built the first time it is needed: most of the day it is never opened."""
        if self._window is None:
            from outagetray.ui.window import StatusWindow

            window = StatusWindow()
            window.set_client_factory(self.http_client)  # a Mastodon draft's limit comes from its server
            window.restore_geometry(self.state.window_geometry)
            window.check_requested.connect(self.check_now)
            window.settings_requested.connect(self.open_settings)
            window.geometry_changed.connect(self.remember_geometry)
            window.geometry_changed.connect(self._collect)  # sent as the window closes
            window.set_paused(self._paused_text)
            window.setup_requested.connect(self.open_welcome)
            if self.last_report is not None:
                window.show_report(self.last_report)
            self._window = window
            if self.playbook is not None:
                self.playbook.window_built(window)
        return self._window

    # -- start and stop -------------------------------------------------------------------------

    def show(self) -> None:
        if self.has_tray:
            self.tray.show()
        if not self.has_tray or (self._window is not None and not self._window.notice.isHidden()):
            self.window.show()

    def start_monitor(self) -> None:
        """Build the core services and start polling (called once the tray is visible)."""
        from outagetray.core.alerts import AlertPolicy
        from outagetray.core.ledger import Ledger
        from outagetray.core.monitor import Monitor

        if self.policy is None:
            # One ledger of what was announced and shown, for the judge and the policy alike.
            self.policy = AlertPolicy(self.settings.notifications, ledger=Ledger())
            pause_end = self.state.pause_end()
            if pause_end is not None and pause_end > datetime.now(UTC):
                self.policy.pause(pause_end)
                self._show_pause(pause_end)
        settings = self.settings
        if self.monitor is not None:
            return  # one monitor for the life of the app: a save reconfigures it (apply_settings)
        self.monitor = Monitor(
            settings.watched(),
            self._monitor_config(settings),
            lambda changes: None,
            on_round=self.bridge.deliver,
            clock=self.clock,
            client=self.http_client(),
            events=self.event_ids,
            ledger=self.policy.ledger,
        )
        self.monitor.start()
        self.start_playbook()
        self._watch_network()
        if settings.start_at_login and not self._autostart_checked:
            self._autostart_checked = True
            self._writer.submit(self._apply_autostart, True)

    def start_playbook(self) -> None:
        """The incident log (its recorder thread), drafts, checklist, follow-ups and the first-run welcome."""
        from datetime import timedelta

        from outagetray.app_playbook import Playbook
        from outagetray.ui.first_run import FirstRun

        if self.playbook is not None:
            return
        self.playbook = Playbook(
            store=self.store,
            tray=self.tray,
            window=lambda: self.window,
            window_built=lambda: self._window,
            open_window=self.open_window,
            now=self.clock.now if self.clock is not None else None,
            after=timedelta(minutes=self.settings.notifications.welcome_back_minutes),
            secrets=self.secrets,
            readiness=self.readiness,
            client_factory=self.http_client,
            open_channel_settings=self.open_channel_settings,
        )
        if self._window is not None:
            self.playbook.window_built(self._window)
        self.playbook.check_password_store()
        playbook = self.playbook
        self.notifier.opened.disconnect(self.open_window)
        self.notifier.opened.connect(playbook.notification_opened)
        self.notifier.action.connect(playbook.notification_action)
        self.tray.incident_requested.connect(playbook.open_incident)
        self.tray.downdetector_requested.connect(playbook.open_downdetector)
        self.tray.follow_requested.connect(playbook.follow)
        self.first_run = FirstRun(self.store)
        self.first_run.saved.connect(self.apply_settings)
        self.first_run.failed.connect(lambda text: self.window.show_notice(text))
        if not self.loaded.problems:
            # With a broken file the profile only looks empty, and a save would be refused.
            self.first_run.start(first_start_only=True)

    def open_welcome(self) -> None:
        if self.first_run is not None:
            self.first_run.open()

    def http_client(self) -> HttpClient:
        """The app's one HTTP client, on the app's clock: the monitor and the Settings window's
        "Test" buttons share it, so Retry-After waits and cached pages are kept in one place."""
        if self._client is None:
            from outagetray.core.http import HttpClient

            monotonic = self.clock.monotonic if self.clock is not None else time.monotonic
            self._client = HttpClient(monotonic=monotonic)
        return self._client

    def _monitor_config(self, settings: Settings) -> MonitorConfig:
        from outagetray.core.monitor import MonitorConfig
        from outagetray.core.probes import DnsConfig

        return MonitorConfig(
            interval=self.interval or float(settings.interval_seconds),
            controls=settings.controls,
            dns=DnsConfig(settings.nameservers),
            confirm_rounds=settings.confirm_rounds,
            recover_rounds=settings.recover_rounds,
        )

    def quit(self) -> None:
        from PySide6.QtWidgets import QApplication

        if self.monitor is not None:
            self.monitor.stop()
        if self.playbook is not None:
            self.playbook.shutdown()
        if self.first_run is not None:
            self.first_run.shutdown()
        self.notifier.shutdown()
        if self._window is not None:
            self._window.close()  # remembers its geometry while the writer still runs
        self._closing = True
        self._writer.shutdown(wait=True)
        QApplication.quit()

    # -- what the core reports ------------------------------------------------------------------

    def on_round(self, report: object) -> None:
        from outagetray.core.monitor import RoundReport

        if not isinstance(report, RoundReport):
            return
        first = self.last_report is None
        self.last_report = report
        if self.collector is not None:
            if first:
                self.collector.settle()  # everything start-up loads is loaded by now
            else:
                self.collector.check()  # the round's garbage, collected here on the UI thread
        _log_changes(report)
        self.tray.show_report(report)
        if self._window is not None:
            self._window.set_busy(False)
            self._window.show_report(report)
        if self.policy is not None:
            now = datetime.now(UTC)
            notes = self.policy.decide(report.changes, now) + self.policy.catch_up(now, report.statuses)
            if self.playbook is not None:
                prefs = self.settings.notifications
                back = [p for note in notes if "recovered" in (note.kind, *note.news) for p in note.platforms]
                later = self.playbook.on_round(report, back, prefs.muted)
                if prefs.enabled and self.policy.paused_until is None:
                    notes += later
            for note in notes:
                self.notifier.show(note)
            if self.policy.paused_until is None and self.state.paused_until:
                self._set_pause_state(None)

    # -- what the user asks for -----------------------------------------------------------------

    def check_now(self) -> None:
        if self.monitor is not None:
            self.monitor.poke()
            self.tray.set_busy(True)
            if self._window is not None:
                self._window.set_busy(True)

    def open_window(self) -> None:
        self.window.show()
        self.window.raise_()
        self.window.activateWindow()

    def pause(self, choice: str) -> None:
        from outagetray.core.state import pause_end_for

        until = pause_end_for(choice, datetime.now(UTC)) if choice else None
        if self.policy is not None:
            self.policy.pause(until)
        self._set_pause_state(until)

    def open_settings(self) -> None:
        from PySide6.QtCore import Qt

        from outagetray.ui.settings.dialog import SettingsDialog

        if self._settings_dialog is not None:
            self._settings_dialog.raise_()
            self._settings_dialog.activateWindow()
            return
        dialog = SettingsDialog(
            store=self.store, client_factory=self.http_client, secrets=self.secrets, readiness=self.readiness
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.saved.connect(self.apply_settings)
        dialog.finished.connect(self._settings_closed)
        self._settings_dialog = dialog
        dialog.open()  # never exec(): no nested event loop

    def open_channel_settings(self) -> None:
        """Settings, on its Channels tab (the readiness view's "Set up channels…")."""
        self.open_settings()
        if self._settings_dialog is not None:
            show = getattr(self._settings_dialog, "show_channels_tab", None)
            if show is not None:
                show()

    def readiness(self) -> Readiness:
        """The record of channel checks, read from its file the first time it is needed (off start)."""
        if self._readiness is None:
            from outagetray.core import state as state_module
            from outagetray.core.readiness import Readiness

            self._readiness = Readiness(
                (self.state_path or state_module.default_path()).with_name("channel-checks.json")
            )
        return self._readiness

    def _settings_closed(self, _code: int) -> None:
        self._settings_dialog = None
        self._collect()

    def _collect(self, *_args: object) -> None:
        if self.collector is not None:
            self.collector.check()

    def apply_settings(self, new: object) -> None:
        """The dialog has written the file; apply it to the running app."""
        from outagetray.core.settings import Settings

        if not isinstance(new, Settings):
            return
        self.store.use(new)  # the store's save has done so already; a caller without a save has not
        if self.loaded.problems:
            # The window reports a save only when the file read back without a mistake, so
            # what the notice and the tooltip said about it is no longer true.
            self.tray.set_problem("")
            if self._window is not None and self._window.notice.text().startswith("Your settings file"):
                self._window.show_notice("")
        if self.policy is not None:
            self.policy.update(new.notifications)
        if self.playbook is not None:
            self.playbook.settings_changed(new)
        # Start at login writes files: off the UI thread, with a message if it fails.
        self._writer.submit(self._apply_autostart, new.start_at_login)
        if self.monitor is None:
            self.start_monitor()
            return
        # Reconfigure, never rebuild: a new monitor would forget confirmation streaks, speed
        # baselines, Retry-After waits and "since" times. It only hands the settings over (no
        # waiting on a round in progress), and the monitor applies them between rounds.
        self.monitor.reconfigure(new.watched(), self._monitor_config(new))

    def _apply_autostart(self, wanted: bool) -> None:
        from outagetray.core import autostart

        try:
            # set_enabled also repairs an entry left pointing at an old or moved install.
            autostart.set_enabled(wanted)
        except autostart.AutostartError as exc:
            log.warning("start at login could not be changed: %s", exc)
            self.bridge.notice.emit(f"Start at login could not be changed: {exc}")

    def remember_geometry(self, encoded: str) -> None:
        from dataclasses import replace

        self._save_state(replace(self.state, window_geometry=encoded))

    # -- internals ------------------------------------------------------------------------------

    def _set_pause_state(self, until: datetime | None) -> None:
        from dataclasses import replace

        self._show_pause(until)
        self._save_state(replace(self.state, paused_until=until.isoformat() if until else None))

    def _show_pause(self, until: datetime | None) -> None:
        self.tray.set_paused(until)
        text = f"Alerts are paused until {until.astimezone().strftime('%a %H:%M')}." if until else ""
        self._paused_text = text
        if self._window is not None:
            self._window.set_paused(text)

    def _save_state(self, new_state: object) -> None:
        from outagetray.core import state as state_module

        assert isinstance(new_state, state_module.AppState)
        self.state = new_state
        if self._closing:
            return  # the writer has finished; the state saved at quit stands
        path = self.state_path
        # State is written off the UI thread: no disk I/O there, ever.
        self._writer.submit(_save_quietly, new_state, path)

    def _watch_network(self) -> None:
        """Ask for a fresh round when the network changes (where Qt can tell)."""
        from PySide6.QtNetwork import QNetworkInformation

        if getattr(self, "_network_watched", False):
            return
        self._network_watched = True
        try:
            if not QNetworkInformation.loadDefaultBackend():
                return
        except Exception:  # noqa: BLE001 - no backend on this desktop: the monitor still notices sleeps
            return
        info = QNetworkInformation.instance()
        if info is not None:
            info.reachabilityChanged.connect(lambda _reachability: self._network_changed())

    def _network_changed(self) -> None:
        if self.monitor is not None:
            self.monitor.poke(resumed=True)


def read_settings_and_state(
    config: Path | None, state_path: Path | None, store: SettingsStore | None = None
) -> tuple[AppSettings, AppState]:
    """The settings the app runs on, read into ``store`` (one built for ``config`` when None),
    and its remembered state; the kept copy of good settings lives beside the state file."""
    from outagetray.core import state as state_module

    if store is None:
        from outagetray.core.settings_store import SettingsStore

        store = SettingsStore(config, state_folder=(state_path or state_module.default_path()).parent)
    return store.load_for_app(), state_module.load(state_path)


def read_soon(
    config: Path | None, state_path: Path | None = None, *, store: SettingsStore | None = None
) -> Future[tuple[AppSettings, AppState]]:
    """Start reading the settings and the state on a thread of its own, and return at once.

    The config folder may sit on a slow network drive, and the UI thread must not wait
    for it: run_app starts this before it sets up Qt, and the App asks the future only
    once the tray icon shows. Nothing here touches Qt.
    """
    import threading
    from concurrent.futures import Future

    future: Future[tuple[AppSettings, AppState]] = Future()

    def work() -> None:
        try:
            future.set_result(read_settings_and_state(config, state_path, store))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
            future.set_exception(exc)

    threading.Thread(target=work, name="outagetray-read", daemon=True).start()
    return future


def _log_changes(report: RoundReport) -> None:
    """Every verdict change, with its evidence, goes to the log: the record of what was seen when."""
    if not report.changes:
        return
    from outagetray.core.watchlog import log_line

    for change in report.changes:
        log.info("%s", log_line(change))


def _save_quietly(new_state: object, path: Path | None) -> None:
    from outagetray.core import state as state_module

    assert isinstance(new_state, state_module.AppState)
    try:
        state_module.save(new_state, path)
    except OSError as exc:
        log.warning("could not save the app state: %s", exc)


def run_app(config: Path | None = None, interval: float | None = None) -> int:
    """Start the tray app and run until the user quits; returns the exit code.

    The order is the start-up budget: ask a running copy to show itself (plain
    sockets), show the tray icon, start reading settings and state on a thread, and
    only on the first turn of the event loop take what was read, build the window and
    start the monitor.
    """
    import os

    if (
        sys.platform.startswith(("linux", "freebsd", "openbsd"))
        and not os.environ.get("QT_QPA_PLATFORM")
        and not os.environ.get("DISPLAY")
        and not os.environ.get("WAYLAND_DISPLAY")
    ):
        # Qt would abort with a core dump here; say what is going on instead.
        print(
            "OutageTray needs a desktop session to show its tray icon, and none was found "
            "(no DISPLAY or WAYLAND_DISPLAY). On a machine without a desktop, use "
            "`outagetray watch` or `outagetray check`.",
            file=sys.stderr,
        )
        return 2

    from outagetray.ui.single_instance import SingleInstance

    if SingleInstance.notify_running():
        print("OutageTray is already running; its window was asked to open.", file=sys.stderr)
        return 0

    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QSystemTrayIcon

    from outagetray.ui.tray import Tray

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("OutageTray")
    app.setDesktopFileName("outagetray")
    app.setQuitOnLastWindowClosed(False)
    tray = Tray()
    if QSystemTrayIcon.isSystemTrayAvailable():
        tray.show()
    # Settings and state are read on a thread while the event loop starts: the UI thread never
    # waits on the disk. Not earlier: the thread's imports and parsing would hold the
    # interpreter while Qt loads, and the icon would show later (bench.startup measured it).
    from outagetray.core.settings_store import SettingsStore

    # The app's one settings store. Its module is small and imports nothing heavy: the
    # reading thread and, later, the Settings window do the work.
    store = SettingsStore(config)
    reading = read_soon(config, store=store)
    running: list[object] = []

    def boot() -> None:
        from outagetray import __version__
        from outagetray.core.logfile import setup as setup_log
        from outagetray.ui.gc_guard import MainThreadCollector

        # Here, after the icon shows: the log's modules cost a few milliseconds of start-up.
        logs = setup_log()
        logs.catch_uncaught()
        running.append(logs)
        log.info("OutageTray %s started; log file: %s", __version__, logs.path or "none")
        instance = SingleInstance()
        if not instance.listen():
            if instance.other_running and SingleInstance.notify_running():
                # Two starts (a double click) both passed the first check, and the other
                # copy is listening by now: it stays, this one hands over and leaves.
                print("OutageTray is already running; its window was asked to open.", file=sys.stderr)
                tray.icon.hide()
                app.quit()
                return
            log.warning("could not make sure only one OutageTray runs: %s", instance.error)
        collector = MainThreadCollector(app)  # before any worker thread starts allocating
        main = App(config, interval=interval, tray=tray, reading=reading, store=store)
        main.collector = collector
        instance.activated.connect(main.open_window)
        running.extend((main, instance, collector))  # kept alive for the life of the event loop
        main.show()
        _say_where(main.has_tray)
        main.start_monitor()

    QTimer.singleShot(0, boot)
    restore_signals = _quit_on_signals(running)
    code = app.exec()
    restore_signals()
    for item in running:
        if isinstance(item, SingleInstance):
            item.close()  # the name and its lock are free at once for the next start
    return code


def started_line(has_tray: bool) -> str:
    """Where the running app is, in one line for whoever started it from a terminal."""
    if has_tray:
        return "OutageTray is running in your system tray."
    return (
        "OutageTray opened its window instead of a tray icon: your desktop shows no system tray "
        "(on GNOME, the AppIndicator extension adds one)."
    )


def _say_where(has_tray: bool) -> None:
    """One line on stdout once the app is up.

    On a desktop whose tray is hidden, nothing else shows that the start worked.
    Without a terminal (no stdout, or a closed pipe) there is nobody to tell.
    """
    import contextlib

    with contextlib.suppress(OSError, ValueError):  # ValueError: stdout already closed
        print(started_line(has_tray), flush=True)


def _quit_on_signals(running: list[object]) -> Callable[[], None]:
    """Ctrl+C or SIGTERM quit cleanly, as the menu's Quit does.

    Python runs signal handlers only when it gets control, which it does not while
    Qt's event loop waits. Rather than a timer that wakes the app a few times a second
    for ever, the signal itself wakes the loop: Python writes a byte to a socket
    (signal.set_wakeup_fd) that a QSocketNotifier watches, and the handler runs as
    soon as that notifier's slot does. An idle app then wakes only to poll.
    """
    import contextlib
    import signal
    import socket

    from PySide6.QtCore import QSocketNotifier, QTimer
    from PySide6.QtWidgets import QApplication

    def request_quit(*_args: object) -> None:
        import os
        import threading

        # A safety net: if something hangs during shutdown, the process still ends.
        backstop = threading.Timer(5.0, os._exit, (0,))
        backstop.daemon = True
        backstop.start()
        # Queued, not called: a signal that lands before the event loop runs (a logout just
        # as the icon shows) would make QApplication.quit() a no-op, and the app would wait
        # for the backstop. A queued call runs as soon as the loop does, or at once if it is.
        QTimer.singleShot(0, finish)

    def finish() -> None:
        main = next((item for item in running if isinstance(item, App)), None)
        if main is not None:
            main.quit()
        else:
            QApplication.quit()

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, request_quit)
    reader, writer = socket.socketpair()
    reader.setblocking(False)
    writer.setblocking(False)
    previous = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    notifier = QSocketNotifier(reader.fileno(), QSocketNotifier.Type.Read, QApplication.instance())

    def drain() -> None:
        with contextlib.suppress(OSError):
            reader.recv(512)  # the signal numbers; Python has already queued the handlers

    notifier.activated.connect(drain)

    def restore() -> None:
        """After the event loop: give the wake-up back to whoever had it and close ours."""
        notifier.setEnabled(False)
        signal.set_wakeup_fd(previous)
        reader.close()
        writer.close()

    return restore
