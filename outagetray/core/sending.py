"""One click, every channel that still works, each message exactly once (issue 16 item 4).

Why it is built this way:

- One job per (incident, draft, channel) in the outbox, so a second click, a second run
  of ``outagetray send`` or a crash in between finds the first job, never makes another.
  ``draft`` is the playbook phase ("notice"), not a template: switching the tone must
  not send the notice twice.
- Channels go out at once, each on its own thread: one slow server must not hold the
  others, and a send to five channels takes about as long as the slowest one.
- A channel on a platform that is down right now is skipped and the user is told why:
  posting into an outage either fails or vanishes.
- A retry happens only where it is safe: a refusal that posted nothing and may work
  later (a 429, a 503, a connection that never opened) is tried again after the wait the
  service asked for, or a short backoff; an answer lost after the request left is
  retried only where the channel drops a second send with the same key. Everything else
  is left for the user, in plain words.
- An unknown job (armed, no answer recorded) is settled by proof where the channel can
  look the post up, sent again where a second send is harmless, and otherwise left
  unknown ("may have been sent: check and confirm, or send again"), unless the user asks
  to send it again.
- Only one process sends from a log at a time (a lock beside it, held while a send runs),
  and the one that takes the lock first turns every armed job left by a crash into an
  unknown one: an armed job of a sender running right now is never touched.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from outagetray.core.incident_recorder import RecordingLock, acquire_recording_lock
from outagetray.core.outbox import (
    CRASH_REASON,
    UNKNOWN_ADVICE,
    Channel,
    IllegalTransition,
    Job,
    JobState,
    Outbox,
    Receipt,
    safe_lookup,
    send_armed,
)

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable
    from outagetray.core.readiness import SecretSource

__all__ = ["SENDING_LOCK", "Outcome", "Outgoing", "Sender", "SenderBusy", "outcome_of", "words_for"]

log = logging.getLogger(__name__)

SENDING_LOCK = "outbox.lock"
#: Tries of one job in one send (the first and two retries).
MAX_ATTEMPTS = 3
#: A service that asks for a longer wait than this is not waited for: the job stays failed
#: (retryable) with the reason, and the next Send tries it.
MAX_WAIT = 60.0
BACKOFF = 2.0

Clock = Callable[[], datetime]
Builder = Callable[..., Channel]


def _now() -> datetime:
    return datetime.now(UTC)


class SenderBusy(Exception):
    """Another process is sending from this log right now; the message says which."""


@dataclass(frozen=True)
class Outgoing:
    """One channel and the exact words it gets."""

    channel: ChannelTable
    text: str


@dataclass(frozen=True)
class Outcome:
    """Where one channel's message stands, for the window, the CLI and the notification."""

    channel: str
    name: str
    #: confirmed, failed, unknown, skipped, ready (a dry run would send it), sending, or drafted.
    state: str
    receipt: Receipt | None = None
    #: Why it is not confirmed, in plain words ("" when it is).
    error: str = ""
    #: What the user can do about it ("" when nothing is needed).
    advice: str = ""
    job_id: int | None = None
    #: Missing or refused credentials: the window offers Open composer with the text copied.
    needs_credentials: bool = False
    text: str = ""


class Sender:
    """Sends drafts through the outbox; one per log, shared by every send of the process."""

    def __init__(
        self,
        outbox: Outbox,
        secrets: SecretSource,
        *,
        lock_folder: Path | None,
        program: str = "tray app",
        build: Builder | None = None,
        client: HttpClient | None = None,
        clock: Clock = _now,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
        max_wait: float = MAX_WAIT,
    ) -> None:
        self.outbox = outbox
        self.secrets = secrets
        self.lock_folder = lock_folder
        self.program = program
        self._build = build
        self.client = client
        self.clock = clock
        self.sleep = sleep
        self.max_attempts = max_attempts
        self.max_wait = max_wait
        self._guard = threading.Lock()
        self._active = 0
        self._lock: RecordingLock | None = None

    # -- one send -------------------------------------------------------------------------------

    def send(
        self,
        incident_id: int,
        draft: str,
        outgoing: Sequence[Outgoing],
        *,
        down: Mapping[str, str] | None = None,
        resend_unknown: bool = False,
        dry_run: bool = False,
        on_update: Callable[[Outcome], None] | None = None,
    ) -> list[Outcome]:
        """Each channel's outcome, in the order given. ``down``: platform id -> name, down now.

        Raises :class:`SenderBusy` when another process is sending from this log.
        """
        chosen = list(outgoing)
        if not chosen:
            return []
        if not dry_run:
            self._enter()
        try:
            with ThreadPoolExecutor(max_workers=min(8, len(chosen)), thread_name_prefix="send") as pool:
                futures = [
                    pool.submit(
                        self._one, incident_id, draft, item, down or {}, resend_unknown, dry_run, on_update
                    )
                    for item in chosen
                ]
                return [future.result() for future in futures]
        finally:
            if not dry_run:
                self._leave()

    def _one(
        self,
        incident_id: int,
        draft: str,
        item: Outgoing,
        down: Mapping[str, str],
        resend_unknown: bool,
        dry_run: bool,
        on_update: Callable[[Outcome], None] | None,
    ) -> Outcome:
        table = item.channel
        base = Outcome(table.id, table.name or table.id, "failed", text=item.text)
        try:
            outcome = self._settle(incident_id, draft, item, base, down, resend_unknown, dry_run, on_update)
        except IllegalTransition:
            # Another send of this process moved the job first (a second click): report where it stands.
            current = self._existing(incident_id, draft, table.id)
            outcome = outcome_of(base, current) if current else replace(base, error="It was not sent.")
        except Exception as exc:  # noqa: BLE001 - one channel's trouble never stops the others
            log.warning("sending to channel %s failed unexpectedly (%s)", table.id, type(exc).__name__)
            existing = self._safe_existing(incident_id, draft, table.id)
            if existing is not None and existing.state is JobState.ARMED:
                # It was on its way: it may have gone out. The next start (or Send) makes it unknown.
                outcome = replace(
                    base,
                    state="unknown",
                    job_id=existing.id,
                    error="Sending failed in an unexpected way; the details are in OutageTray's log.",
                    advice=UNKNOWN_ADVICE,
                )
            elif existing is not None and existing.state is not JobState.DRAFTED:
                outcome = outcome_of(base, existing)
            else:
                outcome = replace(
                    base,
                    state="failed",
                    job_id=existing.id if existing else None,
                    error="It was not sent: something went wrong before it left; the details are in "
                    "OutageTray's log.",
                    advice="Try Send again in a moment.",
                )
        if on_update is not None:
            on_update(outcome)
        return outcome

    def _settle(
        self,
        incident_id: int,
        draft: str,
        item: Outgoing,
        base: Outcome,
        down: Mapping[str, str],
        resend_unknown: bool,
        dry_run: bool,
        on_update: Callable[[Outcome], None] | None,
    ) -> Outcome:
        from outagetray.core.channels import ChannelConfigError
        from outagetray.core.channels.registry import fields, sends
        from outagetray.core.secrets import SecretStoreError

        table = item.channel
        existing = self._existing(incident_id, draft, table.id)
        if existing is not None and existing.state is JobState.CONFIRMED:
            return outcome_of(base, existing)
        if table.platform in down:
            return replace(
                base,
                state="skipped",
                job_id=existing.id if existing else None,
                error=f"Not sent: {down[table.platform]} is down right now.",
                advice="Send it to this channel when it is back.",
            )
        if not sends(table.type):
            return replace(
                base,
                state="skipped",
                error="OutageTray does not post here itself.",
                advice="Use Open composer: the text is ready to paste.",
            )
        try:
            secret = self.secrets.get(table.id) or ""
        except SecretStoreError as exc:
            return replace(base, error=str(exc), advice=_COMPOSER_ADVICE, needs_credentials=True)
        try:
            _keys, secret_field = fields(table.type)
            if secret_field is not None and secret_field.required and not secret:
                raise ChannelConfigError(
                    f"No {secret_field.label.lower()} is saved for {base.name}. "
                    "Add it in OutageTray's settings."
                )
            channel = self._make(table, secret)
        except ChannelConfigError as exc:
            return replace(base, error=str(exc), advice=_COMPOSER_ADVICE, needs_credentials=True)
        if dry_run:
            if existing is not None and existing.state is JobState.UNKNOWN:
                return outcome_of(base, existing)
            return replace(base, state="ready", job_id=existing.id if existing else None)
        job = self.outbox.create(incident_id, draft, table.id, item.text, self.clock())
        if on_update is not None:
            on_update(replace(base, state="sending", job_id=job.id))
        job = self._attempts(job, channel, item.text, resend_unknown)
        return outcome_of(base, job)

    def _attempts(self, job: Job, channel: Channel, text: str, resend_unknown: bool) -> Job:
        """Send until confirmed, refused for good, unknown, or out of safe tries."""
        if job.state is JobState.UNKNOWN:
            job = self._unknown(job, channel, resend_unknown)
            if job.state is not JobState.DRAFTED and job.state is not JobState.FAILED:
                if job.state is JobState.ARMED:
                    job = send_armed(self.outbox, job, channel, self.clock)
                    return self._retry_harmless(job, channel, 1)
                return job
        if job.state is JobState.FAILED or (job.state is JobState.DRAFTED and job.text != text):
            job = self.outbox.redraft(job.id, self.clock(), text)
        if job.state is not JobState.DRAFTED:
            return job  # armed by another sender of this process: it reports that one
        waits: list[float | None] = []
        for attempt in range(1, self.max_attempts + 1):
            armed = self.outbox.arm(job.id, self.clock())
            waits.clear()
            job = send_armed(self.outbox, armed, channel, self.clock, lambda r: waits.append(r.retry_after))
            if job.state is JobState.UNKNOWN:
                return self._retry_harmless(job, channel, attempt)
            if job.state is not JobState.FAILED or not job.retryable or attempt == self.max_attempts:
                return job
            wait = waits[0] if waits and waits[0] is not None else BACKOFF * 2 ** (attempt - 1)
            if wait > self.max_wait:
                return job
            self.sleep(wait + random.uniform(0, 0.25))
        return job

    def _harmless(self, job: Job, channel: Channel) -> bool:
        """Whether sending this job again cannot make a second post, now.

        A service that forgets keys after a while (Mastodon keeps one for about an hour)
        says so with ``resend_window`` (seconds): an older job is left to the user.
        """
        if not channel.resend_is_harmless:
            return False
        window = getattr(channel, "resend_window", None)
        if not isinstance(window, (int, float)):
            return True
        return (self.clock() - job.created_at).total_seconds() <= window

    def _retry_harmless(self, job: Job, channel: Channel, attempt: int) -> Job:
        """A lost answer is retried with the same key, but only where the service drops a repeat."""
        while job.state is JobState.UNKNOWN and self._harmless(job, channel) and attempt < self.max_attempts:
            self.sleep(BACKOFF * 2 ** (attempt - 1))
            armed = self.outbox.arm(job.id, self.clock(), unknown_because=_HARMLESS)
            job = send_armed(self.outbox, armed, channel, self.clock)
            attempt += 1
        return job

    def _unknown(self, job: Job, channel: Channel, resend_unknown: bool) -> Job:
        """Settle an unknown job by proof, by a harmless resend, or by the user's say-so."""
        found = safe_lookup(channel, job.key)
        if found.state == "not_sent":
            # A server may still be saving a post whose sender died a moment ago: "none yet"
            # proves nothing until the channel's settling time since the job was armed has passed.
            settle = getattr(channel, "settle_seconds", 0.0)
            # From when the request left if the sender died, else from when we stopped waiting.
            since = job.armed_at if job.reason == CRASH_REASON else (job.finished_at or job.armed_at)
            age = (self.clock() - (since or job.created_at)).total_seconds()
            if isinstance(settle, (int, float)) and age < settle:
                self.sleep(settle - age)
                found = safe_lookup(channel, job.key)
        if found.state == "sent" and found.receipt is not None:
            return self.outbox.confirm(job.id, self.clock(), found.receipt.url, found.receipt.id)
        if found.state == "not_sent":
            return self.outbox.fail(
                job.id, self.clock(), "The service shows it was not sent; it is sent now.", True
            )
        if self._harmless(job, channel):
            return self.outbox.arm(job.id, self.clock(), unknown_because=_HARMLESS)
        if resend_unknown:
            return self.outbox.arm(job.id, self.clock(), unknown_because="sent again because the user asked")
        return job

    # -- helpers --------------------------------------------------------------------------------

    def _make(self, table: ChannelTable, secret: str) -> Channel:
        if self._build is not None:
            return self._build(table, secret, client=self.client)
        from outagetray.core.channels.registry import build

        return build(table, secret, client=self.client)

    def _safe_existing(self, incident_id: int, draft: str, channel_id: str) -> Job | None:
        try:
            return self._existing(incident_id, draft, channel_id)
        except Exception:  # noqa: BLE001 - the log itself may be what failed
            return None

    def _existing(self, incident_id: int, draft: str, channel_id: str) -> Job | None:
        for job in self.outbox.jobs(incident_id):
            if job.draft == draft and job.channel == channel_id:
                return job
        return None

    def recover(self) -> None:
        """Turn jobs a crash left armed into unknown ones, when no send runs here or elsewhere.

        The window calls this when it shows an incident, so a job that was on its way when
        OutageTray stopped is shown as "may have been sent", not as "sending" for ever.
        """
        with self._guard:
            if self._active:
                return
        try:
            self._enter()
        except SenderBusy:
            return  # another process sends right now: its armed jobs are its own
        self._leave()

    # -- the lock ------------------------------------------------------------------------------

    def _enter(self) -> None:
        with self._guard:
            if self._active == 0 and self.lock_folder is not None:
                lock = acquire_recording_lock(self.lock_folder, self.program, name=SENDING_LOCK)
                if lock is None:
                    raise SenderBusy(_busy(self.lock_folder))
                self._lock = lock
                # No send of ours is running and no other process sends: an armed job is a crash's.
                for job in self.outbox.mark_unknown_after_crash(self.clock()):
                    log.info("message %s was on its way when OutageTray stopped: now unknown", job.id)
            self._active += 1

    def _leave(self) -> None:
        with self._guard:
            self._active -= 1
            if self._active == 0 and self._lock is not None:
                self._lock.release()
                self._lock = None


def outcome_of(base: Outcome, job: Job) -> Outcome:
    """Where a job stands, told as an outcome: the one mapping the window and the CLI both show."""
    state = job.state
    if state is JobState.CONFIRMED:
        receipt = Receipt(job.receipt_url, job.receipt_id)
        return replace(base, state="confirmed", receipt=receipt, job_id=job.id, text=job.text)
    if state is JobState.UNKNOWN:
        return replace(base, state="unknown", error=job.reason, advice=UNKNOWN_ADVICE, job_id=job.id)
    if state is JobState.FAILED:
        if job.retryable:
            advice = "It will be tried again with the next Send."
        elif any(word in job.reason.lower() for word in _CREDENTIAL_WORDS):
            advice = _COMPOSER_ADVICE
        else:
            advice = "You can post it yourself with Open composer: the text is on the clipboard."
        # A refusal for good (a password, a limit, a rule): the text goes out by hand instead.
        return replace(
            base,
            state="failed",
            error=job.reason,
            advice=advice,
            job_id=job.id,
            needs_credentials=not job.retryable,
        )
    if state is JobState.ARMED:
        return replace(base, state="sending", job_id=job.id, advice="It is being sent right now.")
    return replace(base, state="drafted", job_id=job.id, advice="Not sent yet.")


_HARMLESS = "sent again with the same key: the service drops a second copy"
_COMPOSER_ADVICE = "Fix it in Settings > Channels, or use Open composer: the text is on the clipboard."
_CREDENTIAL_WORDS = ("credential", "token", "password", "keys", "webhook", "sign in", "signed in", "api key")


def _busy(folder: Path) -> str:
    try:
        text = (folder / SENDING_LOCK).read_text("utf-8", "replace")[:512]
    except OSError:
        text = ""
    program = text.partition("\n")[2].strip()
    who = {
        "tray app": "OutageTray in your system tray",
        "outagetray send": "Another outagetray send",
    }.get(program, "Another copy of OutageTray")
    return f"{who} is sending messages from this outage log right now. Try again when it has finished."


def words_for(entry_title: str, entry_text: str, channel_type: str) -> str:
    """The one text a job keeps: blog and email jobs carry their title on a first line of its own."""
    from outagetray.core.drafts import form_for

    form = form_for(channel_type)
    if form == "email" and entry_title:
        return f"Subject: {entry_title}\n\n{entry_text}"
    if form == "blog" and entry_title:
        return f"Title: {entry_title}\n\n{entry_text}"
    return entry_text
