"""Who writes the incident log, and on which thread.

- One recorder per computer: the tray app and ``outagetray watch`` may both run, and
  both would file the same outage twice. The first to start takes an OS file lock on
  ``incidents.lock`` in the data folder and writes its pid and name into it; the other
  only watches and can say who records ("The tray app (pid 123) is already recording
  outages; this one only watches."). The OS drops the lock when its holder ends, even
  when it is killed, so a stale lock never blocks recording; the one that only watched
  takes over at its next round.
- Writes happen on the recorder's own thread, never on the UI thread: the Qt shell hands
  it work and gets a ``Future`` back. The SQLite connection lives on that thread only.

How a program uses it::

    recorder = Recorder.start(program="tray app", on_notice=...)   # or "outagetray watch"
    recorder.record_async(report.changes, report.statuses)         # each RoundReport
    recorder.acknowledge_async(incident_id, now); recorder.tick_async(incident_id, item, True, now)
    recorder.submit(lambda log: log.incidents(limit=50))            # reads, off the UI thread
    recorder.stop()                                                 # at quit: drains, closes, unlocks

``on_notice`` is called on the recorder's thread (a Qt shell passes it through its bridge);
a command line can print ``recorder.wait_ready()`` instead.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from outagetray.core.filelock import try_lock, unlock
from outagetray.core.incident_store import Clock, IncidentLogError, default_path, is_damage

if TYPE_CHECKING:
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.judge import Change, ConnectivityChange, PlatformStatus

log = logging.getLogger(__name__)

T = TypeVar("T")
LOCK_NAME = "incidents.lock"
#: The lock is taken on one byte far past what the file holds, so on Windows (where a
#: lock keeps others from reading the bytes it covers) the holder's name stays readable.
_LOCK_OFFSET = 1 << 20
#: A lock file larger than this is not ours.
_MAX_LOCK_TEXT = 512
_PROGRAMS = {
    "tray app": "OutageTray in your system tray",
    "outagetray watch": "OutageTray running in a terminal (outagetray watch)",
}
#: What the copy that does not record still does: shows the log, keeps the user's own ticks.
_ONLY_SHOWS = "; this one shows the same log and does not record outages a second time."


class RecordingLock:
    """Held while this process records; the OS releases it when the process ends however it ends."""

    def __init__(self, fd: int, path: Path, program: str) -> None:
        self._fd: int | None = fd
        self.path = path
        self.program = program

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)  # a reader between release and close must not name us
        unlock(fd, _LOCK_OFFSET)
        os.close(fd)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> RecordingLock:
        return self

    def __exit__(self, *_: object) -> None:
        self.release()


def acquire_recording_lock(
    data_folder: Path, program: str = "tray app", *, name: str = LOCK_NAME
) -> RecordingLock | None:
    """Take the one-recorder lock in ``data_folder``, or None when another process holds it.

    ``program`` names this process for the other one's message: "tray app" or
    "outagetray watch". ``name`` picks another lock of the same kind (the sender's).
    """
    data_folder.mkdir(parents=True, exist_ok=True)
    path = data_folder / name
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if not try_lock(fd, _LOCK_OFFSET):
            os.close(fd)
            return None
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, f"{os.getpid()}\n{program}\n".encode())
        os.fsync(fd)
    except OSError:
        os.close(fd)
        raise
    return RecordingLock(fd, path, program)


def who_holds(data_folder: Path) -> str:
    """A sentence saying who records outages instead of this process."""
    try:
        with open(data_folder / LOCK_NAME, "rb") as file:
            text = file.read(_MAX_LOCK_TEXT).decode("utf-8", "replace")
    except OSError:
        text = ""
    pid_text, _, rest = text.partition("\n")
    program = rest.strip()
    if not pid_text.strip().isdigit() or not program:
        return "Another copy of OutageTray is already recording outages on this computer" + _ONLY_SHOWS
    who = _PROGRAMS.get(program, "Another copy of OutageTray")
    log.info("the outage log is recorded by process %s (%s)", int(pid_text), program)
    return f"{who} is already recording outages on this computer" + _ONLY_SHOWS


_STOP = object()


class Recorder:
    """Owns the incident log on its own thread; everything is handed to it as a job.

    Build it with :meth:`start`. While another process holds the lock this one only
    reads: ``recording`` is False, ``notice`` says who records, jobs get a read-only
    log, and each ``record_async`` tries the lock again, so it takes over when the
    other one ends.
    """

    def __init__(
        self,
        path: Path | None = None,
        *,
        program: str = "tray app",
        clock: Clock | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path if path is not None else default_path()
        self.program = program
        self._clock = clock
        self._on_notice = on_notice
        self._jobs: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._lock: RecordingLock | None = None
        self._log: IncidentLog | None = None
        #: Writes the user's actions while another process records (opened when first needed).
        self._beside: IncidentLog | None = None
        #: A sentence for the user (who records instead, a damaged log kept aside), or "".
        self.notice = ""
        self._ready = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="incident-recorder", daemon=True)

    @classmethod
    def start(
        cls,
        path: Path | None = None,
        *,
        program: str = "tray app",
        clock: Clock | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> Recorder:
        """A recorder with its thread running; the lock and the file are taken on that thread."""
        recorder = cls(path, program=program, clock=clock, on_notice=on_notice)
        recorder._thread.start()
        return recorder

    def wait_ready(self, timeout: float = 5.0) -> str:
        """Wait until the lock was tried and the file opened; return ``notice`` (for a command line).

        The tray app need not wait: ``on_notice`` tells it (on the recorder's thread).
        """
        self._ready.wait(timeout)
        return self.notice

    @property
    def recording(self) -> bool:
        return self._lock is not None and self._lock.held

    def submit(self, fn: Callable[[IncidentLog], T]) -> Future[T]:
        """Run ``fn(log)`` on the recorder's thread; its result or error arrives in the Future."""
        future: Future[T] = Future()
        if self._stopping.is_set():
            future.set_exception(IncidentLogError("The outage log is closed: OutageTray is shutting down."))
            return future
        self._jobs.put((fn, future))
        return future

    def record_async(
        self,
        changes: Sequence[Change | ConnectivityChange],
        statuses: Sequence[PlatformStatus] | None = None,
        *,
        drill: bool = False,
    ) -> Future[list[int]]:
        """File one round's changes off the caller's thread; [] when another process records them."""
        changes, statuses = tuple(changes), tuple(statuses or ())

        def job(incident_log: IncidentLog) -> list[int]:
            if not any(getattr(c, "platform", None) is not None for c in changes):
                return []
            if not self.recording:
                self._take_over()
            if not self.recording or self._log is None:
                return []
            return self._log.record(changes, statuses, drill=drill)

        return self.submit(job)

    def acknowledge_async(self, incident_id: int, at: datetime) -> Future[int]:
        return self.act_async(lambda incident_log: incident_log.acknowledge(incident_id, at))

    def tick_async(self, incident_id: int, item_id: str, done: bool, at: datetime) -> Future[int]:
        return self.act_async(lambda incident_log: incident_log.tick(incident_id, item_id, done, at))

    def act_async(self, fn: Callable[[IncidentLog], T]) -> Future[T]:
        """Run a write of the user's (a tick, "I'm on it") on the recorder's thread.

        The user acts in whichever copy of OutageTray they have in front of them: while another
        process records the rounds, this one still writes the user's actions, through a
        connection of its own (see IncidentLog.open_beside).
        """
        return self.submit(lambda _log: fn(self._writer()))

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the jobs already handed over, close the log and let the lock go."""
        self._stopping.set()
        if self._thread.is_alive():
            self._jobs.put(_STOP)
            self._thread.join(timeout)

    # -- on the recorder's thread -------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._take_over()
        except Exception:
            log.exception("the incident recorder could not start recording")
        finally:
            self._ready.set()
        try:
            while True:
                item = self._jobs.get()
                if item is _STOP:
                    return
                fn, future = item
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    future.set_result(fn(self._current()))
                except Exception as exc:  # noqa: BLE001 - the caller learns of it through the Future
                    future.set_exception(exc)
                    if isinstance(exc, sqlite3.DatabaseError) and is_damage(exc):
                        self._reopen()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None
            if self._beside is not None:
                self._beside.close()
                self._beside = None
            if self._lock is not None:
                self._lock.release()

    def _current(self) -> IncidentLog:
        if self._log is not None and self._log.path is None and not self.recording:
            # Read while the recorder had not created the file yet: look again, it may be there now.
            self._log.close()
            self._log = None
        if self._log is None:
            self._log = self._open(read_only=True)
        return self._log

    def _writer(self) -> IncidentLog:
        """The log to write the user's actions in: the recorder's own, or one opened beside it."""
        if self.recording and self._log is not None:
            return self._log
        if self._beside is None:
            from outagetray.core.incidents import IncidentLog

            self._beside = IncidentLog.open_beside(self.path, clock=self._clock)
        return self._beside

    def _take_over(self) -> None:
        """Become the recorder if nobody else is; otherwise say who is."""
        try:
            lock = acquire_recording_lock(self.path.parent, self.program)
        except OSError as exc:
            log.warning("could not take the incident log's lock in %s: %s", self.path.parent, exc)
            lock = None
        if lock is None:
            self._tell(who_holds(self.path.parent))
            return
        try:
            opened = self._open(read_only=False)
        except (IncidentLogError, OSError) as exc:
            lock.release()
            log.warning("could not open the incident log: %s", exc)
            self._tell(
                str(exc) if isinstance(exc, IncidentLogError) else f"OutageTray cannot record outages: {exc}"
            )
            return
        if self._log is not None:
            self._log.close()  # the read-only view used while another process recorded
        self._log, self._lock = opened, lock
        self._tell(opened.notice)

    def _reopen(self) -> None:
        """The file turned out damaged while in use: open it again, which keeps it aside and starts anew."""
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._lock is None or not self._lock.held:
            return  # only the recorder moves the file; a reader opens it again on its next job
        try:
            self._log = self._open(read_only=False)
        except (IncidentLogError, OSError) as exc:
            log.warning("could not open the incident log again: %s", exc)
            self._lock.release()
            self._lock = None
            self._tell(
                str(exc) if isinstance(exc, IncidentLogError) else f"OutageTray cannot record outages: {exc}"
            )
            return
        self._tell(self._log.notice)

    def _open(self, *, read_only: bool) -> IncidentLog:
        from outagetray.core.incidents import IncidentLog

        return IncidentLog.open(self.path, clock=self._clock, read_only=read_only)

    def _tell(self, notice: str) -> None:
        if notice == self.notice:
            return
        self.notice = notice
        if notice and self._on_notice is not None:
            try:
                self._on_notice(notice)
            except Exception:
                log.exception("a notice listener failed")
