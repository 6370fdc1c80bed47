"""The outbox: what was sent where, kept so that nothing goes out twice (issue 16 item 4).

Why it is built this way:

- A click creates one job per channel, keyed by (incident, draft, channel). The key is a
  UNIQUE constraint in the incident log, so a second click, a second thread or a second
  copy of OutageTray finds the first job instead of making another.
- A job is *armed* (written and committed) before any byte goes out. If OutageTray dies
  while a job is armed, nobody knows whether the service got it: at the next start such
  a job becomes *unknown*, never "failed" and never silently sent again. Only the user
  (who can look at the account) or a channel that can prove the post does not exist
  moves it on. This is what Postiz does with "may have been published, check your
  account"; everyone else posts twice after a timeout.
- Each job carries a stable ``key`` derived from (log salt, incident, draft, channel).
  Channels hand it to the service where it offers a way to make a second send harmless:
  Mastodon's Idempotency-Key, a Bluesky record key, a WordPress or Ghost slug, a Matrix
  transaction id. The salt is random per log file, so a log started afresh never reuses
  a key a service still remembers.
- Every move is one transaction, and is kept in ``outbox_events`` too, so the window can
  show when each step happened.

The channels themselves (core/channels/) are the next step; ``Channel`` below is the
shape they will have. Nothing here touches the network.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from outagetray.core.incident_store import IncidentLogError, LogStore, ReadOnlyLog, utc_text
from outagetray.core.redact import one_line, shown

__all__ = [
    "CANNOT_TELL",
    "NOT_SENT",
    "AnswerLost",
    "Channel",
    "Health",
    "IllegalTransition",
    "Job",
    "JobState",
    "Lookup",
    "Outbox",
    "Receipt",
    "SendRejected",
    "job_key",
    "run_job",
    "safe_lookup",
    "send_armed",
]

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


class JobState(StrEnum):
    DRAFTED = "drafted"
    ARMED = "armed"
    CONFIRMED = "confirmed"
    FAILED = "failed"
    UNKNOWN = "unknown"


#: What the user reads beside an unknown job.
UNKNOWN_ADVICE = "May have been sent: check the account, then confirm it, or send it again."
#: The reason kept when OutageTray stopped while a job was on its way.
CRASH_REASON = "OutageTray stopped while this was being sent, so it may or may not have gone out."


@dataclass(frozen=True, slots=True)
class Job:
    """One message for one channel, and how far it got."""

    id: int
    incident_id: int
    #: The draft it was made from (a template id such as "notice.short.friendly").
    draft: str
    #: The channel id from the settings.
    channel: str
    #: The exact text to send.
    text: str
    #: Stable per (log, incident, draft, channel): what a service uses to drop a second send.
    key: str
    state: JobState
    created_at: datetime
    armed_at: datetime | None
    finished_at: datetime | None
    receipt_url: str
    receipt_id: str
    #: Why it failed or is unknown, in plain words ("" otherwise).
    reason: str
    #: A failed job may be armed again (the service said "not now", or proved it has no copy).
    retryable: bool
    #: How many times it was armed.
    attempts: int


@dataclass(frozen=True, slots=True)
class Receipt:
    """What the service answered: the post's address, and its id there."""

    url: str
    id: str


@dataclass(frozen=True, slots=True)
class Health:
    """A channel's harmless check: do the credentials work? ``message`` is for the user."""

    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a channel can tell about a job key: ``sent`` (with its receipt), ``not_sent`` or ``unknown``."""

    state: str
    receipt: Receipt | None = None


#: The answer of a channel that cannot look a post up (most of them).
CANNOT_TELL = Lookup("unknown")
NOT_SENT = Lookup("not_sent")


class Channel(Protocol):
    """One destination (core/channels/).

    ``send`` raises :class:`SendRejected` when the service answered and refused (nothing
    was posted); any other exception means the answer never came, so the outcome is unknown.
    ``resend_is_harmless`` is True where the service drops a second send with the same key
    (Mastodon's Idempotency-Key, a Bluesky record key, a Matrix transaction id): an unknown
    job may then be sent again. ``lookup`` finds the post a key made, where the service
    allows it (a WordPress or Ghost slug), so an unknown job can be settled by proof.
    """

    resend_is_harmless: bool

    def send(self, text: str, key: str) -> Receipt: ...

    def check(self) -> Health: ...

    def lookup(self, key: str) -> Lookup:
        """``sent`` with the receipt, ``not_sent`` only on proof, else :data:`CANNOT_TELL`."""
        ...


class SendRejected(Exception):
    """The service answered and did not post: bad credentials, over a limit, a 4xx that says why.

    ``reason`` is in plain words; ``retryable`` says whether sending again later may work
    (a rate limit, a 503) rather than fail the same way (a rejected token).
    """

    retry_after: float | None

    def __init__(
        self,
        reason: str,
        *,
        retryable: bool = False,
        retry_after: float | None = None,
        credentials: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        #: The service refused the password, token or key: the window offers Open composer.
        self.credentials = credentials
        #: Seconds the service asked us to wait (Retry-After), when it said.
        self.retry_after = retry_after


class AnswerLost(Exception):
    """A channel's own "the request went out and no answer came"; its text is plain words, safe to keep.

    Anything else a channel raises is kept as a fixed sentence: a library's own text may
    carry an address with a token in it.
    """


class IllegalTransition(IncidentLogError):
    """A job was asked to move where it may not (confirm a drafted job, arm an unknown one)."""


_FIELDS = (
    "id, incident_id, draft, channel, text, key, state, created_at, armed_at, finished_at,"
    " receipt_url, receipt_id, reason, retryable, attempts"
)
_STATES = {state.value: state for state in JobState}


def job_key(salt: str, incident_id: int, draft: str, channel: str) -> str:
    """32 hex digits from (salt, incident, draft, channel).

    Hex fits everywhere a key goes: a Bluesky record key, a slug, a Matrix transaction id,
    an HTTP header. 128 bits make a collision between two jobs out of the question.
    """
    material = "\x1f".join((salt, str(incident_id), draft, channel)).encode()
    return hashlib.sha256(material).hexdigest()[:32]


def _job(row: tuple[Any, ...]) -> Job:
    (ident, incident, draft, channel, text, key, state, created, armed, finished) = row[:10]
    receipt_url, receipt_id, reason, retryable, attempts = row[10:]
    return Job(
        id=ident,
        incident_id=incident,
        draft=draft,
        channel=channel,
        text=text,
        key=key,
        # A state written by a newer version is shown as unknown: never sent on a guess.
        state=_STATES.get(state, JobState.UNKNOWN),
        created_at=datetime.fromisoformat(created),
        armed_at=None if armed is None else datetime.fromisoformat(armed),
        finished_at=None if finished is None else datetime.fromisoformat(finished),
        receipt_url=receipt_url,
        receipt_id=receipt_id,
        reason=reason,
        retryable=bool(retryable),
        attempts=attempts,
    )


class Outbox:
    """The jobs in one incident log.

    Give it a connection of its own (``IncidentLog.open_beside(path)`` or a separate
    ``IncidentLog.open``) when another thread uses the log: one connection serves one
    transaction at a time. Within one Outbox a lock keeps its own threads apart.
    """

    def __init__(self, log: LogStore | sqlite3.Connection) -> None:
        if isinstance(log, LogStore):
            self._conn = log.connection
            self._read_only = log.read_only
        else:
            self._conn = log
            self._read_only = ""
        self._lock = threading.RLock()

    # -- writing -------------------------------------------------------------------------------

    def create(self, incident_id: int, draft: str, channel: str, text: str, at: datetime) -> Job:
        """The job for (incident, draft, channel), made drafted if there is none yet.

        An existing job is returned as it is, whatever its state and text: a second click
        must not make a second message.
        """
        with self._write():
            conn = self._conn
            if conn.execute("SELECT 1 FROM incidents WHERE id = ?", (incident_id,)).fetchone() is None:
                raise IncidentLogError(f"There is no outage number {incident_id} in the log.")
            salt = conn.execute("SELECT salt FROM outbox_meta").fetchone()[0]
            cursor = conn.execute(
                "INSERT INTO outbox_jobs (incident_id, draft, channel, text, key, state, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (incident_id, draft, channel) DO NOTHING",
                (
                    incident_id,
                    draft,
                    channel,
                    text,
                    job_key(salt, incident_id, draft, channel),
                    JobState.DRAFTED.value,
                    utc_text(at),
                ),
            )
            row = conn.execute(
                f"SELECT {_FIELDS} FROM outbox_jobs WHERE incident_id = ? AND draft = ? AND channel = ?",
                (incident_id, draft, channel),
            ).fetchone()
            if cursor.rowcount == 1:
                self._event(row[0], at, JobState.DRAFTED, "")
            return _job(row)

    def arm(self, job_id: int, at: datetime, *, unknown_because: str = "") -> Job:
        """Mark the job as on its way; committed before this returns, so send only after it does.

        An unknown job is armed only with ``unknown_because``: why sending it again is
        safe (the channel drops a second send with the same key) or wanted (the user said so).
        """
        with self._write():
            job = self._get(job_id)
            again = job.state is JobState.UNKNOWN and bool(unknown_because)
            if not (
                again or job.state is JobState.DRAFTED or (job.state is JobState.FAILED and job.retryable)
            ):
                raise IllegalTransition(self._refusal(job, "send"))
            self._conn.execute(
                "UPDATE outbox_jobs SET state = ?, armed_at = ?, finished_at = NULL, reason = '',"
                " retryable = 0, attempts = attempts + 1 WHERE id = ?",
                (JobState.ARMED.value, utc_text(at), job_id),
            )
            self._event(job_id, at, JobState.ARMED, unknown_because if again else "")
            return self._get(job_id)

    def redraft(self, job_id: int, at: datetime, text: str | None = None) -> Job:
        """The user sends a drafted or failed job (again), perhaps with new words: drafted once more.

        A failed job posted nothing (the service refused, or proved it has no copy), so
        sending it again after the user fixed the cause cannot make a second post. An
        unknown job's words never change: a channel's dedupe may depend on them.
        """
        with self._write():
            job = self._get(job_id)
            if job.state not in (JobState.DRAFTED, JobState.FAILED):
                raise IllegalTransition(self._refusal(job, "be sent again"))
            new_text = job.text if text is None else text
            if job.state is JobState.DRAFTED and new_text == job.text:
                return job
            self._conn.execute(
                "UPDATE outbox_jobs SET state = ?, text = ?, finished_at = NULL, reason = '', retryable = 0"
                " WHERE id = ?",
                (JobState.DRAFTED.value, new_text, job_id),
            )
            detail = (
                "the user sends it again" if job.state is JobState.FAILED else "the user changed the words"
            )
            self._event(job_id, at, JobState.DRAFTED, detail)
            return self._get(job_id)

    def confirm(self, job_id: int, at: datetime, receipt_url: str, receipt_id: str) -> Job:
        """The service answered with the post: from armed, or from unknown (a late proof)."""
        with self._write():
            job = self._get(job_id)
            if job.state not in (JobState.ARMED, JobState.UNKNOWN):
                raise IllegalTransition(self._refusal(job, "confirm"))
            self._finish(job_id, at, JobState.CONFIRMED, receipt_url, receipt_id, "", False)
            return self._get(job_id)

    def fail(self, job_id: int, at: datetime, reason: str, retryable: bool) -> Job:
        """The service refused, or proved it has no copy: from armed or unknown, never from drafted."""
        with self._write():
            job = self._get(job_id)
            if job.state not in (JobState.ARMED, JobState.UNKNOWN):
                raise IllegalTransition(self._refusal(job, "mark as failed"))
            self._finish(job_id, at, JobState.FAILED, "", "", reason, retryable)
            return self._get(job_id)

    def mark_unknown(self, job_id: int, at: datetime, reason: str) -> Job:
        """The job was armed and no answer came (a timeout, a dropped connection)."""
        with self._write():
            job = self._get(job_id)
            if job.state is not JobState.ARMED:
                raise IllegalTransition(self._refusal(job, "mark as unknown"))
            self._finish(job_id, at, JobState.UNKNOWN, "", "", reason, False)
            return self._get(job_id)

    def mark_unknown_after_crash(self, at: datetime) -> list[Job]:
        """Every armed job becomes unknown; returns them. Call once at start, before sending.

        Only the one copy of OutageTray that sends may call this: an armed job of a copy
        that is sending right now would be marked unknown under it. A read-only log is
        left as it is (nothing can be sent from it either).
        """
        if self._read_only or not self._has_tables():
            return []
        with self._write():
            ids = [
                row[0]
                for row in self._conn.execute(
                    "SELECT id FROM outbox_jobs WHERE state = ? ORDER BY id", (JobState.ARMED.value,)
                )
            ]
            for job_id in ids:
                self._finish(job_id, at, JobState.UNKNOWN, "", "", CRASH_REASON, False)
            return [self._get(job_id) for job_id in ids]

    def resolve_unknown(self, job_id: int, sent: bool, at: datetime) -> Job:
        """The user looked: it was sent (confirmed), or it was not (drafted again, to be sent)."""
        with self._write():
            job = self._get(job_id)
            if job.state is not JobState.UNKNOWN:
                raise IllegalTransition(self._refusal(job, "settle"))
            if sent:
                self._finish(job_id, at, JobState.CONFIRMED, "", "", "", False)
                self._conn.execute(
                    "UPDATE outbox_events SET detail = 'the user saw it was sent'"
                    " WHERE id = (SELECT max(id) FROM outbox_events WHERE job_id = ?)",
                    (job_id,),
                )
            else:
                self._conn.execute(
                    "UPDATE outbox_jobs SET state = ?, finished_at = NULL, reason = '', retryable = 0"
                    " WHERE id = ?",
                    (JobState.DRAFTED.value, job_id),
                )
                self._event(job_id, at, JobState.DRAFTED, "the user saw it was not sent")
            return self._get(job_id)

    # -- reading -------------------------------------------------------------------------------

    def jobs(self, incident_id: int | None = None) -> list[Job]:
        """Jobs in the order they were made; none from a log older than the outbox."""
        with self._lock:
            if not self._has_tables():
                return []
            if incident_id is None:
                rows = self._conn.execute(f"SELECT {_FIELDS} FROM outbox_jobs ORDER BY id").fetchall()
            else:
                rows = self._conn.execute(
                    f"SELECT {_FIELDS} FROM outbox_jobs WHERE incident_id = ? ORDER BY id", (incident_id,)
                ).fetchall()
            return [_job(row) for row in rows]

    def job(self, job_id: int) -> Job:
        with self._lock:
            return self._get(job_id)

    def events(self, job_id: int) -> list[tuple[datetime, JobState, str]]:
        """Each move of one job: when, to which state, and why (for the window)."""
        with self._lock:
            if not self._has_tables():
                return []
            rows = self._conn.execute(
                "SELECT at, state, detail FROM outbox_events WHERE job_id = ? ORDER BY id", (job_id,)
            ).fetchall()
            return [(datetime.fromisoformat(at), _STATES.get(s, JobState.UNKNOWN), d) for at, s, d in rows]

    # -- inside --------------------------------------------------------------------------------

    def _write(self) -> _Transaction:
        if self._read_only:
            raise ReadOnlyLog(self._read_only)
        return _Transaction(self._conn, self._lock)

    def _has_tables(self) -> bool:
        found = self._conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'outbox_jobs'"
        ).fetchone()
        return found is not None

    def _get(self, job_id: int) -> Job:
        row = self._conn.execute(f"SELECT {_FIELDS} FROM outbox_jobs WHERE id = ?", (job_id,)).fetchone()
        if row is None:
            raise IncidentLogError(f"There is no message number {job_id} in the outbox.")
        return _job(row)

    def _finish(
        self,
        job_id: int,
        at: datetime,
        state: JobState,
        receipt_url: str,
        receipt_id: str,
        reason: str,
        retryable: bool,
    ) -> None:
        self._conn.execute(
            "UPDATE outbox_jobs SET state = ?, finished_at = ?, receipt_url = ?, receipt_id = ?,"
            " reason = ?, retryable = ? WHERE id = ?",
            (state.value, utc_text(at), receipt_url, receipt_id, reason, int(retryable), job_id),
        )
        self._event(job_id, at, state, reason or receipt_url)

    def _event(self, job_id: int, at: datetime, state: JobState, detail: str) -> None:
        self._conn.execute(
            "INSERT INTO outbox_events (job_id, at, state, detail) VALUES (?, ?, ?, ?)",
            (job_id, utc_text(at), state.value, detail),
        )

    @staticmethod
    def _refusal(job: Job, verb: str) -> str:
        state = "failed for good" if job.state is JobState.FAILED else job.state.value
        text = f"The message for {job.channel} cannot {verb} now: it is {state}."
        if job.state is JobState.UNKNOWN:
            text += " " + UNKNOWN_ADVICE
        return text


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT under the outbox's lock; rolled back on any error."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock

    def __enter__(self) -> None:
        self._lock.acquire()
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except BaseException:
            self._lock.release()
            raise

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self._conn.execute("COMMIT")
            elif self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        finally:
            self._lock.release()


def run_job(outbox: Outbox, job: Job, channel: Channel, clock: Clock) -> Job:
    """Send one job once: arm, send, then confirm, fail or leave unknown.

    A job that is not drafted (or failed, retryable) is returned as it is: a confirmed one
    is done, an unknown one waits for the user or for a channel that can settle it, and is
    never sent again from here. A send that ends without an answer is unknown, unless the
    channel proves the service has no such post, which makes it failed and retryable.
    """
    current = outbox.job(job.id)
    if not (current.state is JobState.DRAFTED or (current.state is JobState.FAILED and current.retryable)):
        return current
    return send_armed(outbox, outbox.arm(current.id, clock()), channel, clock)


def send_armed(
    outbox: Outbox,
    armed: Job,
    channel: Channel,
    clock: Clock,
    on_refused: Callable[[SendRejected], None] | None = None,
) -> Job:
    """Send an armed job and record the outcome: confirmed, failed, or unknown.

    ``on_refused`` hears a refusal first (the sender reads its Retry-After for backoff).
    """
    try:
        receipt = channel.send(armed.text, armed.key)
    except SendRejected as refused:
        if on_refused is not None:
            on_refused(refused)
        return outbox.fail(armed.id, clock(), refused.reason, refused.retryable)
    except Exception as exc:  # noqa: BLE001 - any failure without an answer: the outcome is unknown
        found = safe_lookup(channel, armed.key)
        if found.state == "sent" and found.receipt is not None:
            return outbox.confirm(armed.id, clock(), found.receipt.url, found.receipt.id)
        if found.state == "not_sent":
            return outbox.fail(
                armed.id, clock(), f"It was not sent ({_plain(exc)}). It can be sent again.", True
            )
        return outbox.mark_unknown(armed.id, clock(), _plain(exc))
    return outbox.confirm(armed.id, clock(), receipt.url, receipt.id)


def safe_lookup(channel: Channel, key: str) -> Lookup:
    """The channel's lookup; one that fails, or answers oddly, proves nothing."""
    try:
        found = channel.lookup(key)
    except Exception:  # noqa: BLE001 - a lookup that fails proves nothing
        return CANNOT_TELL
    if found.state == "sent" and found.receipt is None:
        return CANNOT_TELL
    return found if found.state in ("sent", "not_sent") else CANNOT_TELL


def _plain(exc: Exception) -> str:
    """What to keep about a send that got no answer: the channel's own words, else a fixed sentence.

    A library's text may carry an address with a token in it (a webhook's token sits in its
    path, where no mask can tell it from a name), so only our own channels' words are kept.
    """
    if isinstance(exc, AnswerLost):
        text = one_line(shown(str(exc))).strip()
        if text:
            return text[:300]
    log.info("a send ended without an answer (%s)", type(exc).__name__)
    return "No answer came back, so it may or may not have gone out."
