"""The outbox: one job per (incident, draft, channel), armed before sending, never sent twice.

Issue 16 item 4. Every move a job may make and every one it may not; the UNIQUE key under
two threads and two connections; armed jobs becoming unknown after a crash (a child
process that dies between arming and the answer); ``run_job`` with fake channels, and
that it never sends an unknown job again.
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.core.incident_store import MIGRATIONS, SCHEMA_VERSION, IncidentLogError, ReadOnlyLog
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import (
    CANNOT_TELL,
    CRASH_REASON,
    NOT_SENT,
    Health,
    IllegalTransition,
    Job,
    JobState,
    Lookup,
    Outbox,
    Receipt,
    SendRejected,
    run_job,
)

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Clock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def add_incident(log: IncidentLog, incident_id: int = 1) -> int:
    log.connection.execute(
        "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
        " VALUES (?, 'Meta', 'major', ?, ?)",
        (incident_id, T0.isoformat(), T0.isoformat()),
    )
    return incident_id


@pytest.fixture
def log() -> Iterator[IncidentLog]:
    with IncidentLog.empty() as opened:
        add_incident(opened)
        yield opened


@pytest.fixture
def outbox(log: IncidentLog) -> Outbox:
    return Outbox(log)


def drafted(outbox: Outbox, channel: str = "mastodon", draft: str = "notice.short.friendly") -> Job:
    return outbox.create(1, draft, channel, "We know Instagram is down. We'll post here.", at(0))


# -- the moves -------------------------------------------------------------------------------------


def test_a_job_is_created_drafted_with_a_stable_key_and_a_second_click_finds_it(outbox: Outbox) -> None:
    job = drafted(outbox)
    assert job.state is JobState.DRAFTED
    assert (job.incident_id, job.draft, job.channel) == (1, "notice.short.friendly", "mastodon")
    assert job.created_at == at(0) and job.armed_at is None and job.finished_at is None
    assert job.attempts == 0 and job.reason == "" and job.receipt_url == ""
    assert re.fullmatch("[0-9a-f]{32}", job.key)

    again = outbox.create(1, "notice.short.friendly", "mastodon", "other words", at(5))
    assert again == job  # the same job, its first text kept: a second click is not a second message
    other = drafted(outbox, channel="bluesky")
    assert other.id != job.id and other.key != job.key
    assert [j.id for j in outbox.jobs()] == [job.id, other.id] == [j.id for j in outbox.jobs(1)]
    assert outbox.jobs(2) == []


def test_keys_differ_between_log_files_so_a_fresh_log_never_reuses_one(tmp_path: Path) -> None:
    keys = []
    for name in ("a.sqlite3", "b.sqlite3"):
        with IncidentLog.open(tmp_path / name) as opened:
            add_incident(opened)
            keys.append(drafted(Outbox(opened)).key)
        with IncidentLog.open(tmp_path / name) as opened:  # and the key is kept as written
            assert Outbox(opened).jobs()[0].key == keys[-1]
    assert keys[0] != keys[1]


def test_a_job_for_an_outage_not_in_the_log_is_refused_in_plain_words(outbox: Outbox) -> None:
    with pytest.raises(IncidentLogError, match="no outage number 7"):
        outbox.create(7, "notice", "mastodon", "text", at(0))


def test_drafted_armed_confirmed_keeps_the_receipt_and_every_step(outbox: Outbox) -> None:
    job = drafted(outbox)
    armed = outbox.arm(job.id, at(1))
    assert armed.state is JobState.ARMED and armed.armed_at == at(1) and armed.attempts == 1
    done = outbox.confirm(job.id, at(2), "https://mastodon.example/@shop/1", "1")
    assert done.state is JobState.CONFIRMED and done.finished_at == at(2)
    assert (done.receipt_url, done.receipt_id) == ("https://mastodon.example/@shop/1", "1")
    assert [(when, state) for when, state, _ in outbox.events(job.id)] == [
        (at(0), JobState.DRAFTED),
        (at(1), JobState.ARMED),
        (at(2), JobState.CONFIRMED),
    ]


def test_a_permanent_failure_is_final_and_a_retryable_one_may_be_armed_again(outbox: Outbox) -> None:
    permanent = drafted(outbox)
    outbox.arm(permanent.id, at(1))
    failed = outbox.fail(permanent.id, at(2), "The password was not accepted.", retryable=False)
    assert failed.state is JobState.FAILED and failed.reason == "The password was not accepted."
    assert not failed.retryable
    with pytest.raises(IllegalTransition, match="failed for good"):
        outbox.arm(permanent.id, at(3))

    later = drafted(outbox, channel="bluesky")
    outbox.arm(later.id, at(1))
    assert outbox.fail(later.id, at(2), "Too many posts; try again later.", retryable=True).retryable
    again = outbox.arm(later.id, at(3))
    assert again.state is JobState.ARMED and again.attempts == 2 and again.reason == ""
    assert again.armed_at == at(3) and again.finished_at is None


def test_an_unknown_job_is_settled_only_by_the_user(outbox: Outbox) -> None:
    sent = drafted(outbox)
    outbox.arm(sent.id, at(1))
    unknown = outbox.mark_unknown(sent.id, at(2), "No answer came back.")
    assert unknown.state is JobState.UNKNOWN and unknown.reason == "No answer came back."
    with pytest.raises(IllegalTransition, match="May have been sent"):
        outbox.arm(sent.id, at(3))
    seen = outbox.resolve_unknown(sent.id, sent=True, at=at(4))
    assert seen.state is JobState.CONFIRMED and seen.finished_at == at(4)
    assert outbox.events(sent.id)[-1][2] == "the user saw it was sent"

    lost = drafted(outbox, channel="email")
    outbox.arm(lost.id, at(1))
    outbox.mark_unknown(lost.id, at(2), "No answer came back.")
    back = outbox.resolve_unknown(lost.id, sent=False, at=at(3))
    assert back.state is JobState.DRAFTED and back.reason == "" and back.finished_at is None
    assert outbox.arm(lost.id, at(4)).attempts == 2


@pytest.mark.parametrize(
    ("setup", "move"),
    [
        ([], "confirm"),
        ([], "fail"),
        ([], "mark_unknown"),
        ([], "resolve"),
        (["arm"], "arm"),
        (["arm"], "resolve"),
        (["arm", "unknown"], "arm"),
        (["arm", "unknown"], "mark_unknown"),
        (["arm", "confirm"], "arm"),
        (["arm", "confirm"], "confirm"),
        (["arm", "confirm"], "fail"),
        (["arm", "confirm"], "resolve"),
        (["arm", "fail"], "confirm"),
        (["arm", "fail"], "fail"),
        (["arm", "fail"], "mark_unknown"),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(outbox: Outbox, setup: list[str], move: str) -> None:
    job = drafted(outbox)
    moves = {
        "arm": lambda: outbox.arm(job.id, at(9)),
        "confirm": lambda: outbox.confirm(job.id, at(9), "u", "i"),
        "fail": lambda: outbox.fail(job.id, at(9), "no", retryable=False),
        "unknown": lambda: outbox.mark_unknown(job.id, at(9), "no answer"),
        "mark_unknown": lambda: outbox.mark_unknown(job.id, at(9), "no answer"),
        "resolve": lambda: outbox.resolve_unknown(job.id, sent=False, at=at(9)),
    }
    for step in setup:
        moves[step]()
    before, events = outbox.job(job.id), outbox.events(job.id)
    with pytest.raises(IllegalTransition, match="The message for mastodon cannot"):
        moves[move]()
    assert outbox.job(job.id) == before and outbox.events(job.id) == events


def test_a_job_that_is_not_there_is_said_so(outbox: Outbox) -> None:
    with pytest.raises(IncidentLogError, match="no message number 42"):
        outbox.arm(42, at(0))


def test_a_state_written_by_a_newer_version_reads_as_unknown_and_is_never_sent(
    log: IncidentLog, outbox: Outbox
) -> None:
    job = drafted(outbox)
    log.connection.execute("UPDATE outbox_jobs SET state = 'scheduled' WHERE id = ?", (job.id,))
    assert outbox.job(job.id).state is JobState.UNKNOWN
    channel = FakeChannel()
    run_job(outbox, job, channel, Clock())
    assert channel.sent == []


# -- two at once -----------------------------------------------------------------------------------


def test_two_threads_on_two_connections_creating_the_same_job_get_one_job(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with IncidentLog.open(path) as first, IncidentLog.open_beside(path) as second:
        add_incident(first)
        boxes = (Outbox(first), Outbox(second))
        for round_ in range(30):
            barrier = threading.Barrier(2)
            got: list[int] = []

            def click(
                box: Outbox, n: int = round_, wait: threading.Barrier = barrier, out: list[int] = got
            ) -> None:
                wait.wait()
                out.append(box.create(1, f"draft{n}", "mastodon", "text", at(n)).id)

            threads = [threading.Thread(target=click, args=(box,)) for box in boxes]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert len(got) == 2 and got[0] == got[1]
        assert len(boxes[0].jobs()) == 30
        rows = first.connection.execute("SELECT count(*) FROM outbox_events WHERE state = 'drafted'")
        assert rows.fetchone()[0] == 30  # one "drafted" step per job: the loser made nothing


def test_threads_sharing_one_outbox_take_turns(outbox: Outbox) -> None:
    errors: list[BaseException] = []

    def work(channel: str) -> None:
        try:
            for n in range(40):
                job = outbox.create(1, f"d{n}", channel, "text", at(n))
                outbox.arm(job.id, at(n))
                outbox.confirm(job.id, at(n), "u", "i")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"c{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert {job.state for job in outbox.jobs()} == {JobState.CONFIRMED} and len(outbox.jobs()) == 160


def test_the_unique_key_is_the_databases_not_luck(log: IncidentLog) -> None:
    drafted(Outbox(log))
    with pytest.raises(sqlite3.IntegrityError):
        log.connection.execute(
            "INSERT INTO outbox_jobs (incident_id, draft, channel, text, key, state, created_at)"
            " VALUES (1, 'notice.short.friendly', 'mastodon', 't', 'other', 'drafted', 'x')"
        )


# -- a crash between arming and the answer ---------------------------------------------------------

CRASHER = textwrap.dedent(
    """
    import os, sys
    from datetime import UTC, datetime
    from pathlib import Path
    from outagetray.core.incidents import IncidentLog
    from outagetray.core.outbox import Outbox

    log = IncidentLog.open(Path(sys.argv[1]))
    box = Outbox(log)
    now = datetime(2026, 3, 1, 12, 0, 1, tzinfo=UTC)
    done = box.create(1, "notice", "mastodon", "text", now)
    box.arm(done.id, now)
    box.confirm(done.id, now, "https://example.invalid/1", "1")
    lost = box.create(1, "notice", "email", "text", now)
    box.arm(lost.id, now)
    os._exit(0)  # gone between arming and the answer: no close, no commit of anything else
    """
)


def test_an_armed_job_found_at_start_becomes_unknown_after_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with IncidentLog.open(path) as first:
        add_incident(first)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-c", CRASHER, str(path)], check=True, env=env, timeout=60)
    with IncidentLog.open(path) as reopened:
        box = Outbox(reopened)
        assert [(j.channel, j.state) for j in box.jobs()] == [
            ("mastodon", JobState.CONFIRMED),
            ("email", JobState.ARMED),
        ]
        found = box.mark_unknown_after_crash(at(60))
        assert [(j.channel, j.state, j.reason) for j in found] == [("email", JobState.UNKNOWN, CRASH_REASON)]
        assert box.mark_unknown_after_crash(at(61)) == []
        channel = FakeChannel()
        assert run_job(box, found[0], channel, Clock()).state is JobState.UNKNOWN
        assert channel.sent == []


# -- older and read-only logs ----------------------------------------------------------------------


def make_v2_file(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    for script in MIGRATIONS[:2]:
        conn.executescript(script)
    conn.execute(
        "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
        " VALUES (1, 'Meta', 'major', ?, ?)",
        (T0.isoformat(), T0.isoformat()),
    )
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()


def test_a_reader_beside_an_older_recorder_sees_no_jobs_and_the_recorder_migrates_it(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    make_v2_file(path)
    with IncidentLog.open(path, read_only=True) as reader:
        assert [i.id for i in reader.incidents()] == [1]
        box = Outbox(reader)
        assert box.jobs() == [] and box.events(1) == [] and box.mark_unknown_after_crash(at(0)) == []
        with pytest.raises(ReadOnlyLog):
            box.create(1, "notice", "mastodon", "text", at(0))
    assert SCHEMA_VERSION == 3
    with IncidentLog.open(path) as recorder:
        assert recorder.connection.execute("PRAGMA user_version").fetchone()[0] == 3
        assert [i.id for i in recorder.incidents()] == [1]
        assert drafted(Outbox(recorder)).state is JobState.DRAFTED
    with IncidentLog.open(path, read_only=True) as reader:
        assert [j.channel for j in Outbox(reader).jobs()] == ["mastodon"]


def test_a_log_from_a_newer_version_shows_its_jobs_but_never_arms_one(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with IncidentLog.open(path) as first:
        add_incident(first)
        box = Outbox(first)
        job = drafted(box)
        box.arm(drafted(box, channel="email").id, at(1))
        first.connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with IncidentLog.open(path) as newer:
        box = Outbox(newer)
        assert [j.state for j in box.jobs()] == [JobState.DRAFTED, JobState.ARMED]
        assert box.mark_unknown_after_crash(at(2)) == []
        with pytest.raises(ReadOnlyLog, match="newer version"):
            box.arm(job.id, at(2))


def test_an_outbox_on_a_bare_connection_works_too(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite3"
    with IncidentLog.open(path) as first:
        add_incident(first)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        box = Outbox(conn)
        job = drafted(box)
        assert box.arm(job.id, at(1)).state is JobState.ARMED
    finally:
        conn.close()


# -- run_job with fake channels --------------------------------------------------------------------


@dataclass
class FakeChannel:
    """Answers as told; ``sent`` lists every key a send reached the service with."""

    answer: str = "ok"  # ok | rejected | busy | timeout_after_send | refused_before_send
    proof: bool | None = None
    sent: list[str] = field(default_factory=list)

    def send(self, text: str, key: str) -> Receipt:
        if self.answer == "rejected":
            raise SendRejected("The service did not accept the password.")
        if self.answer == "busy":
            raise SendRejected("Too many posts right now; try again in a minute.", retryable=True)
        if self.answer == "refused_before_send":
            raise ConnectionRefusedError("connection refused")
        self.sent.append(key)
        if self.answer == "timeout_after_send":
            raise TimeoutError("timed out waiting for https://user:hunter2@mastodon.example/api")
        return Receipt(f"https://mastodon.example/@shop/{len(self.sent)}", str(len(self.sent)))

    def check(self) -> Health:
        return Health(True, "Signed in.")

    resend_is_harmless = False

    def lookup(self, key: str) -> Lookup:
        if self.proof is None:
            return CANNOT_TELL
        return NOT_SENT if self.proof and key not in self.sent else CANNOT_TELL


def test_a_send_that_answers_is_confirmed_with_its_receipt(outbox: Outbox) -> None:
    channel, clock = FakeChannel(), Clock()
    done = run_job(outbox, drafted(outbox), channel, clock)
    assert done.state is JobState.CONFIRMED
    assert (done.receipt_url, done.receipt_id) == ("https://mastodon.example/@shop/1", "1")
    assert channel.sent == [done.key] and done.attempts == 1
    assert done.armed_at is not None and done.finished_at is not None and done.armed_at < done.finished_at
    assert run_job(outbox, done, channel, clock) == done and channel.sent == [done.key]


def test_a_refusal_is_failed_in_plain_words_and_never_sent_again(outbox: Outbox) -> None:
    channel = FakeChannel("rejected")
    failed = run_job(outbox, drafted(outbox), channel, Clock())
    assert failed.state is JobState.FAILED and not failed.retryable
    assert failed.reason == "The service did not accept the password."
    channel.answer = "ok"
    assert run_job(outbox, failed, channel, Clock()).state is JobState.FAILED and channel.sent == []


def test_a_retryable_refusal_is_sent_again_by_the_next_run(outbox: Outbox) -> None:
    channel = FakeChannel("busy")
    failed = run_job(outbox, drafted(outbox), channel, Clock())
    assert failed.state is JobState.FAILED and failed.retryable
    channel.answer = "ok"
    done = run_job(outbox, failed, channel, Clock())
    assert done.state is JobState.CONFIRMED and done.attempts == 2 and channel.sent == [done.key]


@pytest.mark.parametrize("proof", [None, False])
def test_a_timeout_after_the_send_is_unknown_and_never_sent_again(outbox: Outbox, proof: bool | None) -> None:
    channel = FakeChannel("timeout_after_send", proof=proof)
    unknown = run_job(outbox, drafted(outbox), channel, Clock())
    assert unknown.state is JobState.UNKNOWN
    assert unknown.reason.startswith("No answer came back") and "hunter2" not in unknown.reason
    channel.answer = "ok"
    for _ in range(3):
        assert run_job(outbox, unknown, channel, Clock()).state is JobState.UNKNOWN
    assert channel.sent == [unknown.key]  # once, whatever happens next


def test_a_channel_that_proves_nothing_went_out_makes_it_failed_and_retryable(outbox: Outbox) -> None:
    channel = FakeChannel("refused_before_send", proof=True)
    failed = run_job(outbox, drafted(outbox), channel, Clock())
    assert failed.state is JobState.FAILED and failed.retryable
    # A library's own words are not kept (they may quote an address with a token in it).
    assert "It was not sent" in failed.reason and "connection refused" not in failed.reason
    channel.answer = "ok"
    done = run_job(outbox, failed, channel, Clock())
    assert done.state is JobState.CONFIRMED and channel.sent == [done.key]


def test_a_proof_that_itself_fails_proves_nothing(outbox: Outbox) -> None:
    class Broken(FakeChannel):
        def lookup(self, key: str) -> Lookup:
            raise OSError("lookup failed")

    channel = Broken("timeout_after_send")
    assert run_job(outbox, drafted(outbox), channel, Clock()).state is JobState.UNKNOWN


def test_an_unknown_job_the_user_says_was_not_sent_goes_out_once_more(outbox: Outbox) -> None:
    channel = FakeChannel("timeout_after_send")
    unknown = run_job(outbox, drafted(outbox), channel, Clock())
    back = outbox.resolve_unknown(unknown.id, sent=False, at=at(30))
    channel.answer = "ok"
    done = run_job(outbox, back, channel, Clock())
    assert done.state is JobState.CONFIRMED and channel.sent == [unknown.key, unknown.key]
    assert done.key == unknown.key  # the same key: a service that keeps it drops the second copy


def test_a_crash_inside_send_leaves_the_job_armed_for_the_next_start(outbox: Outbox) -> None:
    class Dies(FakeChannel):
        def send(self, text: str, key: str) -> Receipt:
            raise KeyboardInterrupt

    job = drafted(outbox)
    with pytest.raises(KeyboardInterrupt):
        run_job(outbox, job, Dies(), Clock())
    assert outbox.job(job.id).state is JobState.ARMED
    assert [j.id for j in outbox.mark_unknown_after_crash(at(99))] == [job.id]
