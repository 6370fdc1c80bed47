"""Channel checks and the password store's check, run off the UI thread, answered by Qt signals.

A check talks to a server (up to the core's deadline), and judging the password store
imports ``keyring`` and may wait on D-Bus: neither may freeze a window. The Settings
window's Channels tab, the channel editor's Test and the cockpit's readiness view all
ask through one :class:`ChannelChecks`; each answer comes back as a queued signal.

Worker threads only ever emit on one application-long relay (as in ui/bridge.py): a
closed editor or tab may be deleted while its check still runs, and emitting on a
deleted object can crash Qt outright. An answer for a deleted owner is dropped.
"""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QApplication
from shiboken6 import isValid

from outagetray.ui.when import since_text

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable
    from outagetray.core.readiness import CheckResult, Readiness, SecretSource

__all__ = ["ChannelChecks", "EnteredSecret", "PendingSecrets", "check_words"]

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Lives as long as the application; the only object worker threads emit on."""

    arrived = Signal(int, str, object)


_RELAY: _Relay | None = None
_OWNERS: dict[int, ChannelChecks] = {}
_TICKETS = itertools.count(1)


def _relay() -> _Relay:
    global _RELAY
    if _RELAY is None:
        _RELAY = _Relay(QApplication.instance())
        _RELAY.arrived.connect(_deliver)
    return _RELAY


def _deliver(ticket: int, kind: str, payload: object) -> None:
    owner = _OWNERS.get(ticket)
    if owner is None or not isValid(owner):
        _OWNERS.pop(ticket, None)
        return
    if kind in ("finished", "ran"):
        _OWNERS.pop(ticket, None)
    owner._arrived(ticket, kind, payload)


class ChannelChecks(QObject):
    """Starts checks on worker threads; ``checked``, ``finished``, ``store_checked`` and ``ran`` answer.

    ``readiness`` (when set) records every result on the worker thread, so the state
    file is written off the UI thread too; ``checked`` then carries the result as kept
    (with the moment of the channel's last success).
    """

    #: (ticket, CheckResult): one channel's check ended.
    checked = Signal(int, object)
    #: (ticket, list of CheckResult): every check started under the ticket ended.
    finished = Signal(int, object)
    #: StoreStatus: what the password store can do.
    store_checked = Signal(object)
    #: (ticket, outcome): a job started with :meth:`run` returned this (or raised it).
    ran = Signal(int, object)

    def __init__(
        self,
        parent: QObject | None = None,
        *,
        readiness: Readiness | None = None,
        client_factory: Callable[[], HttpClient | None] | None = None,
    ) -> None:
        super().__init__(parent)
        self.readiness = readiness
        self._client_factory = client_factory
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outagetray-channel-check")
        self._relay = _relay()
        self._running: set[int] = set()

    @property
    def running(self) -> bool:
        """Whether any check asked for here has not answered yet."""
        return bool(self._running)

    def _ticket(self) -> int:
        ticket = next(_TICKETS)
        _OWNERS[ticket] = self
        return ticket

    def test(self, tables: Iterable[ChannelTable], secrets: SecretSource, *, record: bool = True) -> int:
        """Check every channel in ``tables`` at once; returns the ticket its signals carry."""
        from outagetray.core.readiness import check_all

        chosen = list(tables)
        ticket = self._ticket()
        self._running.add(ticket)
        relay, readiness = self._relay, self.readiness if record else None
        factory = self._client_factory

        reported: set[str] = set()
        lock = threading.Lock()

        def report(result: CheckResult) -> None:
            # On a worker thread: record, then hand over through the long-lived relay only. Each
            # channel once (a check past the deadline is reported as such; its late answer is not),
            # and under the lock, so "finished" can never overtake a result still being handed over.
            with lock:
                if result.channel in reported:
                    return
                reported.add(result.channel)
                kept = result
                if readiness is not None:
                    try:
                        kept = readiness.record(result)
                    except Exception as exc:  # noqa: BLE001 - a result still shows when it cannot be kept
                        log.warning("a channel check could not be recorded (%s)", type(exc).__name__)
                relay.arrived.emit(ticket, "checked", kept)

        def job() -> None:
            try:
                client = factory() if factory is not None else None
                results = check_all(chosen, secrets, client=client, on_result=report)
            except Exception as exc:  # noqa: BLE001 - check_all should not raise; if it does, one by one
                log.warning("the channel checks stopped unexpectedly (%s)", type(exc).__name__)
                results = [_check_alone(table, secrets) for table in chosen if table.id not in reported]
            for result in results:
                report(result)  # any whose own report has not run yet (it runs after result() returns)
            relay.arrived.emit(ticket, "finished", results)

        self._pool.submit(job)
        return ticket

    def check_store(self) -> None:
        """Judge the password store on a worker thread; ``store_checked`` carries the StoreStatus."""
        self.run(_judge_store, kind="store")

    def run(self, job: Callable[[], object], *, kind: str = "ran") -> int:
        """Run any blocking call (reading the state file, a keyring look-up) on a worker thread."""
        ticket = self._ticket()
        relay = self._relay

        def work() -> None:
            try:
                outcome: object = job()
            except Exception as exc:  # noqa: BLE001 - handed to the caller, which words it
                outcome = exc
            relay.arrived.emit(ticket, "ran" if kind == "ran" else kind, outcome)

        self._pool.submit(work)
        return ticket

    def _arrived(self, ticket: int, kind: str, payload: object) -> None:
        if kind == "checked":
            self.checked.emit(ticket, payload)
        elif kind == "finished":
            self._running.discard(ticket)
            self.finished.emit(ticket, payload)
        elif kind == "store":
            _OWNERS.pop(ticket, None)
            self.store_checked.emit(payload)
        else:
            self.ran.emit(ticket, payload)

    def shutdown(self) -> None:
        """Drop the answers still due; a running check ends on its own and is then ignored."""
        for ticket in [t for t, owner in _OWNERS.items() if owner is self]:
            _OWNERS.pop(ticket, None)
        self._running.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _check_alone(table: ChannelTable, secrets: SecretSource) -> CheckResult:
    """One channel's check that cannot raise: a settings mistake in its own words, anything else plainly."""
    from outagetray.core.readiness import CheckResult, check_one

    try:
        return check_one(table, secrets)
    except ValueError as exc:  # a channel's settings error: plain words by the channel contract
        return CheckResult(table.id, False, str(exc), datetime.now(UTC))
    except Exception as exc:  # noqa: BLE001 - told plainly; the kind of failure goes to the log only
        log.warning("the check of channel %s failed unexpectedly (%s)", table.id, type(exc).__name__)
        message = "The check failed in an unexpected way; the details are in OutageTray's log."
        return CheckResult(table.id, False, message, datetime.now(UTC))


def _judge_store() -> object:
    from outagetray.core.secrets import check_store

    return check_store()


class PendingSecrets:
    """The passwords as the Settings window holds them: typed in but not yet saved, over the store's.

    Typed secrets stay in memory until the window is saved (then they go to the
    password store only); a removed channel's secret no longer counts for its id.
    """

    def __init__(self, store: SecretSource) -> None:
        self.store = store
        self.typed: dict[str, str] = {}
        self.removed: set[str] = set()

    def get(self, channel_id: str) -> str | None:
        if channel_id in self.typed:
            return self.typed[channel_id]
        if channel_id in self.removed:
            return None
        return self.store.get(channel_id)

    def __repr__(self) -> str:  # never a secret
        return f"PendingSecrets({len(self.typed)} typed, {len(self.removed)} removed)"


class EnteredSecret:
    """One channel's secret as the editor has it: what was typed, else the one kept for it."""

    def __init__(self, entered: str, fallback: SecretSource) -> None:
        self._entered = entered
        self._fallback = fallback

    def get(self, channel_id: str) -> str | None:
        return self._entered or self._fallback.get(channel_id)

    def __repr__(self) -> str:  # never the secret
        return "EnteredSecret()"


def ago(moment: datetime, now: datetime | None = None, tz: tzinfo | None = None) -> str:
    """How long ago, as people say it: "just now", "5 min ago", "3 h ago", else the local time."""
    now = now if now is not None else datetime.now(UTC)
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 12 * 3600:
        return f"{int(seconds // 3600)} h ago"
    return "on " + since_text(moment, now, tz)


def check_words(
    result: CheckResult | None, now: datetime | None = None, tz: tzinfo | None = None
) -> tuple[str, bool | None]:
    """A check as one line for a list, and whether it worked (None: never checked)."""
    from outagetray.core.redact import one_line, shown

    if result is None:
        return "Not checked yet", None
    if result.ok:
        return f"Works · checked {ago(result.at, now, tz)}", True
    return f"Failed: {one_line(shown(result.message))}", False
