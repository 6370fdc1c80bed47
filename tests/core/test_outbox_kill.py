"""Killing the sender at any moment never sends twice and never loses a send (issue 16 item 4).

A child process sends as OutageTray would: at start it marks every armed job unknown, then
it makes jobs and runs them through ``run_job`` with a channel that "sends" by appending
the job's key to a file (fsynced, so the file is the service's record of what arrived).
Some sends are refused for now (retryable), some get no answer after sending (unknown),
and now and then an old job is run again. The parent kills it with SIGKILL at random
moments, again and again over one log, and after each kill checks the log against the
file: nothing arrived twice, everything that arrived is confirmed or unknown (armed until
the next start), and nothing confirmed is missing from the file.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import JobState, Outbox

ROOT = Path(__file__).resolve().parents[2]
RUNS = 25

SENDER = textwrap.dedent(
    """
    import os, random, sys
    from datetime import UTC, datetime
    from pathlib import Path

    from outagetray.core.incidents import IncidentLog
    from outagetray.core.outbox import CANNOT_TELL, Outbox, Receipt, SendRejected, run_job

    path, sent_path, run = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    rng = random.Random(run)

    class FileChannel:
        def send(self, text, key):
            roll = rng.random()
            if roll < 0.15:
                raise SendRejected("Too many posts right now.", retryable=True)
            with open(sent_path, "a") as sent:
                sent.write(key + "\\n")
                sent.flush()
                os.fsync(sent.fileno())
            if roll < 0.3:
                raise TimeoutError("no answer")
            return Receipt("https://service.example/" + key, key)

        def check(self):
            raise NotImplementedError

        resend_is_harmless = False

        def lookup(self, key):
            return CANNOT_TELL

    now = lambda: datetime.now(UTC)
    log = IncidentLog.open(path)
    box = Outbox(log)
    box.mark_unknown_after_crash(now())
    print("ready", flush=True)
    channel = FileChannel()
    for step in range(100_000):
        jobs = box.jobs()
        if jobs and rng.random() < 0.3:
            job = rng.choice(jobs)  # run again: only a drafted or retryable job may go out
        else:
            job = box.create(1, f"draft-{run}-{step}", rng.choice(["mastodon", "email"]), "text", now())
        run_job(box, job, channel, now)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="SIGKILL is POSIX")
def test_killing_the_sender_at_random_moments_never_sends_twice_or_loses_a_send(tmp_path: Path) -> None:
    path, sent_path = tmp_path / "incidents.sqlite3", tmp_path / "sent.txt"
    with IncidentLog.open(path) as first:
        first.connection.execute(
            "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
            " VALUES (1, 'Meta', 'major_outage', '2026-03-01T12:00:00+00:00', '2026-03-01T12:00:00+00:00')"
        )
    rng = random.Random(16_4)
    killed_armed = 0
    began = time.monotonic()
    for run in range(1, RUNS + 1):
        child = subprocess.Popen(
            [sys.executable, "-c", SENDER, str(path), str(sent_path), str(run)],
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.01, 0.2))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()

        text = sent_path.read_text() if sent_path.exists() else ""
        lines = text.splitlines()
        if text and not text.endswith("\n"):
            lines = lines[:-1]  # cut by the kill: it did not fully arrive (never seen: one write)
        assert len(lines) == len(set(lines)), f"run {run}: a message arrived twice"
        sent = set(lines)
        with IncidentLog.open(path) as log:
            assert log.notice == ""
            box = Outbox(log)
            jobs = {job.key: job for job in box.jobs()}
            assert sent <= jobs.keys(), f"run {run}: a message arrived without a job"
            for key, job in jobs.items():
                if key in sent:
                    assert job.state in (JobState.CONFIRMED, JobState.UNKNOWN, JobState.ARMED), (run, job)
                else:
                    assert job.state is not JobState.CONFIRMED, (run, job)
                    if job.state is JobState.FAILED:
                        assert job.retryable  # the only failure this channel gives
            killed_armed += sum(job.state is JobState.ARMED for job in jobs.values())
            box.mark_unknown_after_crash(datetime.now(UTC))
            after = box.jobs()
            assert all(job.state is not JobState.ARMED for job in after)
            assert all(
                job.state in (JobState.CONFIRMED, JobState.UNKNOWN) for job in after if job.key in sent
            )
    states = {job.state for job in after}
    assert {JobState.CONFIRMED, JobState.UNKNOWN, JobState.FAILED} <= states
    assert len(sent) > 100
    assert killed_armed >= 1  # at least one kill landed between arming and the answer
    assert time.monotonic() - began < 60
