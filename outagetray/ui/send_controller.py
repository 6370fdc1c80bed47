"""The window's one-click send: the core's Sender, run off the UI thread, reporting through Qt signals.

Why it is built this way:

- One :class:`~outagetray.core.sending.Sender` for the app, made on first use: most days
  nothing is sent, and opening the outage log (SQLite) has no place on the start path. It
  gets a connection of its own (``IncidentLog.open_beside``), because the recorder's
  thread writes the rounds through another one at the same time.
- A send talks to servers that may be slow or down: it never runs on the UI thread. Each
  send, each read of the outbox and each "the user looked" runs on a short-lived thread
  of its own; several can run at once (the core keeps them apart, and its lock keeps
  ``outagetray send`` out meanwhile).
- Worker threads never touch a widget or emit a public signal: they hand a call to
  :attr:`_relay`, a queued connection to this object on the UI thread, which then emits.
  So whoever listens runs on the UI thread, whatever kind of slot it is.
- A read of the outbox and a live update are handed over under one lock, in the order
  they happened, so an older reading can never overwrite a newer state on a card.
- Whatever goes wrong becomes one sentence in :attr:`problem`: a log another copy is
  sending from, a log that is missing or damaged. Never a class name, never a trace.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.profile import Channel as ChannelTable
    from outagetray.core.readiness import SecretSource
    from outagetray.core.sending import Outcome, Sender

__all__ = ["SendController"]

log = logging.getLogger(__name__)

#: How long closing the app waits for sends on their way (a job cut off becomes unknown, never lost).
SHUTDOWN_WAIT = 5.0
UNEXPECTED = "Sending did not work this time; the details are in OutageTray's log."


class SendController(QObject):
    """Sends a phase's drafts, reads the outbox back, and settles unknown messages, for the window."""

    #: incident id, phase, Outcome: each change of one channel's message, as it happens.
    outcome = Signal(int, str, object)
    #: incident id, phase, list of Outcome: a send is over (the list is empty when it never started).
    finished = Signal(int, str, list)
    #: incident id, list of outbox Job: everything the outbox holds for the incident.
    jobs = Signal(int, list)
    #: A plain sentence for the user (another copy is sending, the log cannot be opened...).
    problem = Signal(str)
    _relay = Signal(object)

    def __init__(
        self,
        log_path: Path | None,
        secrets: SecretSource,
        *,
        build: Callable[..., Any] | None = None,
        client: HttpClient | Callable[[], HttpClient] | None = None,
        clock: Callable[[], datetime] | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``log_path`` None: the usual outage log. ``client``: the app's HTTP client, or what makes it."""
        super().__init__(parent)
        self._log_path = log_path
        self._secrets = secrets
        self._build = build
        self._client = client
        self._clock = clock or (lambda: datetime.now(UTC))
        #: Platform id -> name of what is down right now, asked when a send starts without ``down``.
        self.down_source: Callable[[], Mapping[str, str]] = dict
        self._sender: Sender | None = None
        self._log: IncidentLog | None = None
        self._making = threading.Lock()
        #: Held while a reading or an update is handed to the UI thread: they arrive in order.
        self._handing = threading.Lock()
        self._threads: set[threading.Thread] = set()
        self._closing = False
        self._relay.connect(self._on_ui_thread, Qt.ConnectionType.QueuedConnection)

    # -- what the window asks ---------------------------------------------------------------------

    def send(
        self,
        incident_id: int,
        phase: str,
        items: Sequence[tuple[ChannelTable, str]],
        down: Mapping[str, str] | None = None,
        *,
        resend_unknown: bool = False,
    ) -> None:
        """Send each (channel, exact words) for this incident's phase, on a worker thread."""
        chosen = list(items)
        gone = dict(self.down_source() if down is None else down)
        self._start(lambda: self._send_now(incident_id, phase, chosen, gone, resend_unknown))

    def refresh(self, incident_id: int) -> None:
        """Read what the outbox holds for this incident (answered with :attr:`jobs`)."""

        def read() -> None:
            try:
                sender = self._ready()
                sender.recover()  # a job a crash left on its way shows as "may have been sent"
                with self._handing:
                    found = sender.outbox.jobs(incident_id)
                    self._hand(self.jobs.emit, incident_id, found)
            except Exception as exc:  # noqa: BLE001 - told in plain words
                self._hand(self.problem.emit, _plain(exc, "The messages already sent could not be read"))

        self._start(read)

    def settle(
        self,
        job_id: int,
        sent: bool,
        channel: ChannelTable | None = None,
        down: Mapping[str, str] | None = None,
    ) -> None:
        """The user looked at an unknown message: "It was sent" (``sent``), or "Send again".

        "Send again" first lets the channel settle it where it can (a post found by its key,
        a repeat the service drops), and otherwise sends its very words to ``channel`` once
        more; without ``channel`` (no longer in the settings) it is only marked as not sent.
        """
        gone = dict(self.down_source() if down is None else down) if not sent else {}

        def work() -> None:
            from outagetray.ui.cockpit.send_status import outcome_of_job

            try:
                sender = self._ready()
                job = sender.outbox.job(job_id)
                if not sent and channel is not None:
                    # The sender looks the post up first; only then does it send it again.
                    self._send_now(job.incident_id, job.draft, [(channel, job.text)], gone, True)
                    return
                job = sender.outbox.resolve_unknown(job_id, sent, self._clock())
            except Exception as exc:  # noqa: BLE001 - told in plain words
                self._hand(self.problem.emit, _plain(exc, "This message could not be settled"))
                self._read_again(job_id)
                return
            name = (channel.name or channel.id) if channel is not None else job.channel
            with self._handing:
                self._hand(self.outcome.emit, job.incident_id, job.draft, outcome_of_job(job, name))

        self._start(work)

    def shutdown(self, wait: float = SHUTDOWN_WAIT) -> None:
        """Wait a little for sends on their way, then close the log (a send still going keeps it)."""
        self._closing = True
        deadline = time.monotonic() + wait
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        if any(t.is_alive() for t in self._threads):
            log.warning("closing while a message is still on its way: it will show as unknown next time")
            return
        with self._making:
            if self._log is not None:
                self._log.close()
                self._log = None
                self._sender = None

    @property
    def busy(self) -> bool:
        """Something is being sent or read right now."""
        return any(t.is_alive() for t in self._threads)

    # -- on the worker threads ----------------------------------------------------------------------

    def _send_now(
        self,
        incident_id: int,
        phase: str,
        items: list[tuple[ChannelTable, str]],
        down: Mapping[str, str],
        resend_unknown: bool,
    ) -> None:
        from outagetray.core.sending import Outgoing, SenderBusy

        def update(outcome: Outcome) -> None:
            with self._handing:
                self._hand(self.outcome.emit, incident_id, phase, outcome)

        outcomes: list[Outcome] = []
        try:
            sender = self._ready()
            outcomes = sender.send(
                incident_id,
                phase,
                [Outgoing(table, text) for table, text in items],
                down=down,
                resend_unknown=resend_unknown,
                on_update=update,
            )
        except SenderBusy as busy:
            self._hand(self.problem.emit, one_line_of(str(busy)))
        except Exception as exc:  # noqa: BLE001 - told in plain words
            self._hand(self.problem.emit, _plain(exc, "Nothing was sent"))
        self._hand(self.finished.emit, incident_id, phase, outcomes)

    def _read_again(self, job_id: int) -> None:
        """After a refusal to settle, show where the job really stands (someone else moved it)."""
        try:
            sender = self._ready()
            with self._handing:
                job = sender.outbox.job(job_id)
                self._hand(self.jobs.emit, job.incident_id, sender.outbox.jobs(job.incident_id))
        except Exception:  # noqa: BLE001 - the problem was told already
            log.debug("could not read message %s back", job_id)

    def _ready(self) -> Sender:
        """The app's one Sender, made on first use (on a worker: opening the log is disk work)."""
        with self._making:
            if self._sender is None:
                from outagetray.core.incidents import IncidentLog
                from outagetray.core.outbox import Outbox
                from outagetray.core.sending import Sender

                opened = IncidentLog.open_beside(self._log_path)
                client = self._client() if callable(self._client) else self._client
                self._log = opened
                self._sender = Sender(
                    Outbox(opened),
                    self._secrets,
                    lock_folder=opened.path.parent if opened.path is not None else None,
                    program="tray app",
                    build=self._build,
                    client=client,
                    clock=self._clock,
                )
            return self._sender

    def _start(self, work: Callable[[], None]) -> None:
        if self._closing:
            return

        def run() -> None:
            try:
                work()
            finally:
                self._hand(self._threads.discard, threading.current_thread())

        thread = threading.Thread(target=run, name="outagetray-send", daemon=True)
        self._threads.add(thread)
        thread.start()

    def _hand(self, call: Callable[..., object], *args: object) -> None:
        """Run ``call(*args)`` on the UI thread, after everything handed before it."""
        self._relay.emit((call, args))

    def _on_ui_thread(self, handed: object) -> None:
        assert isinstance(handed, tuple)
        call: Callable[..., object] = handed[0]
        args: tuple[object, ...] = handed[1]
        if self._closing and call is not self._threads.discard:
            return
        call(*args)


def one_line_of(text: str) -> str:
    from outagetray.core.redact import one_line, shown

    return one_line(shown(text)).strip()


def _plain(exc: BaseException, what: str) -> str:
    """A sentence for the user: the log's own words where it has them, else a general one."""
    from outagetray.core.incident_store import IncidentLogError

    if isinstance(exc, IncidentLogError):
        return f"{what}: {one_line_of(str(exc))}"
    log.warning("%s: %s", what, type(exc).__name__)
    return UNEXPECTED
