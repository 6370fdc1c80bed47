"""Composition root, playbook part: the incident log, drafts, checklist and follow-ups, wired
to the tray, the notifications and the window.

app.py builds the monitor and the shell; this builds what comes after "Facebook is down":
it records each round in the incident log (on the recorder's thread), reads the log back
for the window and the tray, routes the notifications' buttons, and carries the user's
actions (copies, ticks, "I'm on it", exports, template edits) to the core, off the UI
thread. Nothing here decides anything: the core does, and this only connects.

It is built once the first round is under way, never on the start path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from outagetray.core.alerts import Notification
    from outagetray.core.checklist import Checklist
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.followups import FollowUps
    from outagetray.core.http import HttpClient
    from outagetray.core.incident_recorder import Recorder
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change
    from outagetray.core.monitor import RoundReport
    from outagetray.core.readiness import Readiness
    from outagetray.core.records import Incident
    from outagetray.core.secrets import Secrets
    from outagetray.core.settings import Settings
    from outagetray.core.settings_store import SettingsStore
    from outagetray.ui.send_controller import SendController
    from outagetray.ui.tray import Tray
    from outagetray.ui.window import StatusWindow

log = logging.getLogger("outagetray")

#: The History tab's longest view, and how far back an unacknowledged incident stays flagged.
RECENT = timedelta(days=30)


class _Relay(QObject):
    """Hands a worker's outcome to a callback on the UI thread (a queued signal)."""

    done = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(lambda callback, outcome: callback(outcome))

    def when_done(self, future: Future[Any], callback: Callable[[object], None]) -> None:
        def finished(done: Future[Any]) -> None:
            try:
                outcome: object = done.result()
            except BaseException as exc:  # noqa: BLE001 - handed to the callback, which says it plainly
                outcome = exc
            self.done.emit(callback, outcome)

        future.add_done_callback(finished)


class Playbook(QObject):
    """The playbook's running parts for one app; built by App.start_playbook."""

    #: A sentence about the log from the recorder's thread (who records, a damaged file kept aside).
    notice_arrived = Signal(str)

    def __init__(
        self,
        *,
        store: SettingsStore,
        tray: Tray,
        window: Callable[[], StatusWindow],
        window_built: Callable[[], StatusWindow | None],
        open_window: Callable[[], None],
        log_path: Path | None = None,
        now: Callable[[], datetime] | None = None,
        drill: bool = False,
        after: timedelta = timedelta(minutes=15),
        secrets: Secrets | None = None,
        readiness: Callable[[], Readiness] | None = None,
        client_factory: Callable[[], HttpClient] | None = None,
        open_channel_settings: Callable[[], object] | None = None,
    ) -> None:
        """``after`` is how long a platform must stay up before a welcome-back post is suggested."""
        super().__init__()
        from outagetray.core.followups import FollowUps

        self._store = store
        self._tray = tray
        self._window = window
        self._window_built = window_built
        self._open_window = open_window
        self._now = now or (lambda: datetime.now(UTC))
        self._drill = drill
        self._relay = _Relay()
        self.open: tuple[Incident, ...] = ()
        self.recent: tuple[Incident, ...] = ()
        self.library: DraftLibrary | None = None
        self.checklist: Checklist | None = None
        self.log_notice = ""
        self.followups: FollowUps = FollowUps(after)
        self._closing = False
        #: Template edits are written one after another: two at once could lose one of them.
        self._drafts_writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outagetray-drafts")
        self.notice_arrived.connect(self._set_notice)  # before the recorder can say anything
        self._log_path = log_path
        self._secrets = secrets
        self._readiness = readiness
        self._client_factory = client_factory
        self._open_channel_settings = open_channel_settings
        #: Sends from the window (ui/send_controller.py), made when the Incident tab is first built.
        self._sender: SendController | None = None
        self.store_notice: object = None
        self._recorder: Recorder | None = None
        #: Rounds that came before the first look at the log finished, kept for it: one of
        #: them may close an outage the last run left open.
        self._before_look: list[RoundReport] | None = []
        self._loading = False
        self._first_look()

    @property
    def recorder(self) -> Recorder:
        """The log's writer thread, started when there is something to record or to note.

        Most days nothing fails: a tray app that only polls needs no writer thread, no
        database connection and no SQLite in memory (start-up memory is part of the product).
        """
        if self._recorder is None:
            from outagetray.core.incident_recorder import Recorder

            self._recorder = Recorder.start(
                self._log_path, program="tray app", clock=self._now, on_notice=self._notice_from_worker
            )
        return self._recorder

    def _first_look(self) -> None:
        """At start, read what the log holds (a flag to show, an outage still open) on a short-lived thread.

        Without a log file there is nothing to read, and SQLite is not even loaded. An
        outage left open by the last run starts the recorder at once, so the first round
        can close it.
        """
        since = self._now() - RECENT
        drill = self._drill
        path = self._log_path

        def look() -> tuple[list[Incident], list[Incident]]:
            from outagetray.core.records import default_log_path

            if not (path or default_log_path()).exists():
                return [], []
            from outagetray.core.incidents import IncidentLog

            with IncidentLog.open(path, read_only=True) as reader:
                return reader.open_incidents(drill=drill), reader.incidents(since=since, drill=drill)

        self._relay.when_done(_run(look), self._first_looked)

    def _first_looked(self, outcome: object) -> None:
        waiting, self._before_look = self._before_look or [], None
        if self._closing:
            return
        if self._recorder is not None:
            # An outage started the recorder meanwhile: its reading is newer than this look.
            self._read_log()
            return
        self._read_done(outcome)
        if isinstance(outcome, BaseException):
            # A log that cannot be read (damaged?): the recorder keeps it aside and says so.
            self.recorder  # noqa: B018
            self._read_log()
        elif self.open and self._recorder is None:
            # An outage the last run left open: the rounds so far may already say it is over.
            for report in waiting:
                future = self.recorder.record_async(report.changes, report.statuses, drill=self._drill)
                self._relay.when_done(future, self._recorded)

    # -- what the monitor reports ---------------------------------------------------------------

    def on_round(
        self, report: RoundReport, announced_back: Sequence[str], muted: Sequence[str]
    ) -> list[Notification]:
        """File the round in the log, and return the follow-up pop-ups it brings (welcome back, followed)."""
        from outagetray.core.judge import Change  # loaded with the monitor already

        changes = [c for c in report.changes if isinstance(c, Change)]
        if self._recorder is None and not self.open and not any(_about_an_outage(c) for c in changes):
            if self._before_look is not None and changes:
                self._before_look.append(report)  # the log's first look is not done yet
            # Otherwise nothing to record yet: the recorder starts with the first outage.
        elif changes:
            future = self.recorder.record_async(report.changes, report.statuses, drill=self._drill)
            self._relay.when_done(future, self._recorded)
        elif not self.recorder.recording:
            # Another process (outagetray watch) records: what it wrote is read back each round.
            self._read_log()
        notes = self.followups.observe(
            report.changes, report.statuses, self._now(), muted=muted, announced=announced_back
        )
        if any(n.kind == "recovered" for n in notes):
            self._show_following()  # a kept promise is a promise no more
        return notes

    def _recorded(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            log.warning("the outage log could not record this round: %s", outcome)
            return
        if outcome or not self.recorder.recording:
            self._read_log()

    # -- reading the log back ---------------------------------------------------------------------

    def _read_log(self) -> None:
        since = self._now() - RECENT
        drill = self._drill

        def read(incident_log: IncidentLog) -> tuple[list[Incident], list[Incident]]:
            return incident_log.open_incidents(drill=drill), incident_log.incidents(since=since, drill=drill)

        if self._closing:
            return
        self._relay.when_done(self.recorder.submit(read), self._read_done)

    def _read_done(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            log.warning("the outage log could not be read: %s", outcome)
            return
        assert isinstance(outcome, tuple)
        open_, recent = outcome
        self.open, self.recent = tuple(open_), tuple(recent)
        self._show_incidents()

    def _show_incidents(self) -> None:
        from outagetray.core.playbook_history import incident_title, local_time

        now = self._now()
        flagged = [
            (i.id, f"{incident_title(i)}, since {local_time(i.started_at, None, now=now)}")
            for i in (*self.open, *(r for r in self.recent if not r.is_open))
            if not i.acknowledged
        ]
        self._tray.set_playbook(flagged, self.followups.followed)
        window = self._window_built()
        if window is not None:
            window.show_incidents(self.open, self.recent)

    def window_built(self, window: StatusWindow) -> None:
        """Connect a newly built window and give it what is known so far."""
        window.action_taken.connect(self.act)
        window.export_requested.connect(self.export)
        window.follow_requested.connect(self.follow)
        window.template_saved.connect(self.save_template)
        window.template_reset.connect(self.reset_template)
        window.set_playbook(self._store.current, self.library, self.checklist)
        if self._secrets is not None and self._readiness is not None:
            window.cockpit.set_channel_sources(self._secrets, self._readiness, self._open_channel_settings)
        window.cockpit.set_sending(self.send_controller)
        window.set_following(self.followups.followed)
        window.set_log_notice(self.log_notice)
        window.show_incidents(self.open, self.recent)
        self._load_playbook()  # the drafts and the checklist are the window's: loaded when it first opens

    # -- the drafts library and the checklist -----------------------------------------------------

    def _load_playbook(self) -> None:
        if self._loading or self.library is not None:
            return
        self._loading = True

        def load() -> tuple[DraftLibrary, Checklist]:
            from outagetray.core.checklist import load_checklist
            from outagetray.core.drafts import DraftLibrary

            return DraftLibrary(self._drafts_path()), load_checklist()

        self._relay.when_done(_run(load), self._playbook_loaded)

    def _drafts_path(self) -> Path:
        """Beside the settings file in use, so a --config file has its own drafts."""
        return self._store.path.with_name("drafts.toml")

    def _playbook_loaded(self, outcome: object) -> None:
        self._loading = False
        if isinstance(outcome, BaseException):
            log.warning("the drafts or the checklist could not be loaded: %s", outcome)
            self._set_notice(f"Your message drafts could not be loaded: {outcome}")
            return
        assert isinstance(outcome, tuple)
        self.library, self.checklist = outcome
        if self.library is not None and self.library.problems:
            self._set_notice(" ".join(self.library.problems))
        self.settings_changed(self._store.current)

    def settings_changed(self, settings: Settings) -> None:
        self.followups.after = timedelta(minutes=settings.notifications.welcome_back_minutes)
        window = self._window_built()
        if window is not None:
            window.set_playbook(settings, self.library, self.checklist)

    def save_template(self, template: object) -> None:
        library = self.library
        if library is None:
            return
        future = self._drafts_writer.submit(library.save, template)  # type: ignore[arg-type]
        self._relay.when_done(future, self._template_written)

    def reset_template(self, template_id: str) -> None:
        library = self.library
        if library is None:
            return
        self._relay.when_done(self._drafts_writer.submit(library.reset, template_id), self._template_written)

    def _template_written(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            self._show_notice(f"Your draft could not be saved: {outcome}")
            return
        self.settings_changed(self._store.current)

    # -- what the user does -----------------------------------------------------------------------

    def act(self, incident_id: int, kind: str, subject: str) -> None:
        """A copy, a composer opened, a tick, "I'm on it": kept with the incident, off the UI thread."""
        from outagetray.core.records import Action, ActionKind

        at = self._now()
        try:
            action_kind = ActionKind(kind)
        except ValueError:
            log.warning("unknown action %r ignored", kind)
            return
        if action_kind is ActionKind.ACKNOWLEDGED:
            future = self.recorder.acknowledge_async(incident_id, at)
        else:
            action = Action(at, action_kind, subject)
            future = self.recorder.act_async(lambda writer: writer.add_action(incident_id, action))
        self._relay.when_done(future, self._acted)

    def _acted(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            self._show_notice(f"OutageTray could not note this in the outage log: {outcome}")
            return
        self._read_log()

    def export(self, fmt: str, target: object) -> None:
        from outagetray.core.playbook_history import ExportTarget

        if not isinstance(target, ExportTarget):
            return
        now = self._now()
        drill = self._drill

        def write(incident_log: IncidentLog) -> Path:
            from outagetray.core import export as exports
            from outagetray.core.atomic import write_atomic

            if target.incident is not None:
                one = incident_log.incident(target.incident)
                incidents = [one] if one is not None else []
            else:
                chosen = incident_log.incidents(since=target.start, until=target.end, drill=drill)
                incidents = (
                    exports.overlapping(chosen, target.start, target.end, now=now)
                    if (target.start is not None and target.end is not None)
                    else chosen
                )
            from outagetray.core.localzone import local_zone

            tz = local_zone()  # the zone's rules: a July outage exported in December is in summer time
            if fmt == "csv":
                text = exports.to_csv(incidents, tz=tz, now=now)
            else:
                text = exports.to_html(incidents, tz=tz, now=now, start=target.start, end=target.end)
            write_atomic(target.path, text.encode("utf-8"))
            return target.path

        self._relay.when_done(self.recorder.submit(write), self._exported)

    def _exported(self, outcome: object) -> None:
        if isinstance(outcome, BaseException):
            reason = outcome.strerror if isinstance(outcome, OSError) and outcome.strerror else outcome
            self._show_notice(f"The report could not be saved: {reason}")
            return
        self._show_notice(f"Saved the report to {outcome}.")

    def follow(self, platform_id: str, wanted: bool) -> None:
        """ "Tell me when it's back", from the tray or the window."""
        self.followups.follow(platform_id, wanted)
        self._show_following()

    def _show_following(self) -> None:
        followed = self.followups.followed
        window = self._window_built()
        if window is not None:
            window.set_following(followed)
        self._show_incidents()

    # -- notifications and the tray ---------------------------------------------------------------

    def open_incident_of(self, platform_ids: Sequence[str], phase: str | None = None) -> bool:
        """Open the window on the (open, else latest) incident of these platforms; False if none is known."""
        for group in (self.open, self.recent):
            for incident in group:
                if any(pid in incident.platforms for pid in platform_ids):
                    self.open_incident(incident.id, phase)
                    return True
        return False

    def open_incident(self, incident_id: int, phase: str | None = None) -> None:
        self._open_window()
        self._window().show_incident(incident_id, phase)

    def notification_opened(self, note: object) -> None:
        """A click on a pop-up: a problem opens its incident, a welcome-back its drafts."""
        from outagetray.core.alerts import Notification

        if isinstance(note, Notification) and note.platforms:
            if note.kind in ("down", "degraded") and self.open_incident_of(note.platforms):
                return
            if note.kind == "welcome_back" and self.open_incident_of(note.platforms, "welcome_back"):
                return
        self._open_window()

    def notification_action(self, note: object, action: str) -> None:
        from outagetray.core.alerts import Notification

        if not isinstance(note, Notification) or not note.platforms:
            return
        if action == "downdetector":
            self.open_downdetector(note.platforms[0])
        elif action == "incident":
            if not self.open_incident_of(note.platforms):
                self._open_window()
        elif action == "welcome_back" and not self.open_incident_of(note.platforms, "welcome_back"):
            self._open_window()

    def open_downdetector(self, platform_id: str) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from outagetray.core.downdetector import country_from_locale, page_url

        platform = self._store.current.platforms().get(platform_id)
        if platform is None:
            return
        url = page_url(platform, country_from_locale())
        if not QDesktopServices.openUrl(QUrl(url)):
            self._show_notice(
                f"No web browser opened the link. Downdetector's page for {platform.name}: {url}"
            )

    # -- notices ----------------------------------------------------------------------------------

    def _notice_from_worker(self, text: str) -> None:
        # On the recorder's thread: a queued signal carries it to the UI thread.
        self.notice_arrived.emit(text)

    def _set_notice(self, text: str) -> None:
        self.log_notice = text
        window = self._window_built()
        if window is not None:
            window.set_log_notice(text)
        # Not in the tray's tooltip: that line is the settings file's, and one would hide the other.
        # The window shows it when it is built (window_built).

    def _show_notice(self, text: str) -> None:
        self._window().show_notice(text)

    def check_password_store(self, delay_ms: int = 3000) -> None:
        """Soon after start, tell a user who sends through channels when no safe password store exists.

        Only then: a user without channels has nothing to keep. The store is judged on a worker
        (importing keyring and asking D-Bus takes a moment), after the tray is up.
        """
        from outagetray.core.profile import SENDING_TYPES

        if self._secrets is None or not any(c.type in SENDING_TYPES for c in self._store.current.channels):
            return
        from PySide6.QtCore import QTimer

        def judge() -> None:
            from outagetray.core.secrets import check_store

            if not self._closing:
                self._relay.when_done(_run(check_store), self._store_judged)

        QTimer.singleShot(delay_ms, judge)

    def _store_judged(self, outcome: object) -> None:
        from outagetray.core.secrets import StoreStatus

        if self._closing or not isinstance(outcome, StoreStatus) or self._secrets is None:
            return
        from outagetray.ui.secure_store_notice import show_store_notice

        #: Kept so the non-modal box lives until answered.
        self.store_notice = show_store_notice(outcome, self._secrets)

    def send_controller(self) -> SendController:
        """The window's sender on this log, made on first use (no send, no SQLite, no keyring)."""
        if self._sender is None:
            from outagetray.core.records import default_log_path
            from outagetray.core.secrets import Secrets
            from outagetray.ui.send_controller import SendController

            if self._secrets is None:
                self._secrets = Secrets()
            self._sender = SendController(
                self._log_path or default_log_path(), self._secrets, client=self._client_factory
            )
        return self._sender

    def shutdown(self) -> None:
        self._closing = True
        if self._sender is not None:
            self._sender.shutdown()  # a send under way is finished, or left armed for the next start
        self._drafts_writer.shutdown(wait=True)  # an edit being written is finished, not lost
        if self._recorder is not None:
            self._recorder.stop()


def _about_an_outage(change: Change) -> bool:
    """A change the log files: a problem starting, going on, or ending."""
    return change.old.is_problem or change.new.is_problem or bool(change.incident)


def _run(job: Callable[[], Any]) -> Future[Any]:
    """Run a short blocking job (a template write) on a thread of its own."""
    import threading

    future: Future[Any] = Future()

    def work() -> None:
        try:
            future.set_result(job())
        except BaseException as exc:  # noqa: BLE001 - handed to the callback
            future.set_exception(exc)

    threading.Thread(target=work, name="outagetray-playbook", daemon=True).start()
    return future
