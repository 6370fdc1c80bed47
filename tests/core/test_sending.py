"""The sender: every channel at once, skips for platforms that are down, retries only where safe."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outagetray.core.channels import CANNOT_TELL, NOT_SENT, Health, Lookup, Receipt, SendRejected
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import JobState, Outbox
from outagetray.core.profile import Channel as Table
from outagetray.core.sending import Outcome, Outgoing, Sender, SenderBusy

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
TEXT = "Instagram is down for everyone. We are still here: our newsletter has the news."


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


class Peer:
    """A scripted service: each send takes the next answer; posts are kept by key like a real one."""

    def __init__(self, answers: list[str] | None = None, *, harmless: bool = False) -> None:
        self.answers = list(answers or [])
        self.posts: list[str] = []
        self.calls = 0
        self.resend_is_harmless = harmless
        self.barrier: threading.Barrier | None = None
        self.found: Lookup = CANNOT_TELL

    def send(self, text: str, key: str) -> Receipt:
        self.calls += 1
        if self.barrier is not None:
            self.barrier.wait(timeout=5)
        answer = self.answers.pop(0) if self.answers else "ok"
        if answer == "429":
            raise SendRejected("Too many posts; wait a little.", retryable=True, retry_after=7.0)
        if answer == "429-long":
            raise SendRejected("Too many posts; wait an hour.", retryable=True, retry_after=3600.0)
        if answer == "401":
            raise SendRejected("The service refused the credentials.")
        if not (self.resend_is_harmless and key in self.posts):
            self.posts.append(key)
        if answer == "lost":
            raise TimeoutError("no answer")
        return Receipt(f"https://service.example/{len(self.posts)}", str(len(self.posts)))

    def check(self) -> Health:
        return Health(True, "fine")

    def lookup(self, key: str) -> Lookup:
        return self.found


@pytest.fixture
def log() -> Iterator[IncidentLog]:
    with IncidentLog.empty() as opened:
        opened.connection.execute(
            "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
            " VALUES (1, 'Meta', 'major', ?, ?)",
            (T0.isoformat(), T0.isoformat()),
        )
        yield opened


class Setup:
    def __init__(self, log: IncidentLog, tmp_path: Path, peers: dict[str, Peer]) -> None:
        self.peers = peers
        self.slept: list[float] = []
        self.secrets = {cid: "secret" for cid in peers}
        self.sender = Sender(
            Outbox(log),
            self,
            lock_folder=tmp_path,
            build=self.build,
            clock=Clock(),
            sleep=self.slept.append,
        )

    def get(self, channel_id: str) -> str | None:
        return self.secrets.get(channel_id)

    def build(self, table: Table, secret: str, **_: Any) -> Peer:
        return self.peers[table.id]

    def send(self, *ids: str, **kwargs: Any) -> list[Outcome]:
        outgoing = [
            Outgoing(Table(cid, "mastodon", name=cid.title(), platform=f"p-{cid}"), TEXT) for cid in ids
        ]
        return self.sender.send(1, "notice", outgoing, **kwargs)


def states(outcomes: list[Outcome]) -> list[str]:
    return [o.state for o in outcomes]


def test_every_channel_goes_out_at_once_and_is_confirmed(log: IncidentLog, tmp_path: Path) -> None:
    a, b = Peer(), Peer()
    a.barrier = b.barrier = threading.Barrier(2)  # passes only when both sends run at the same time
    setup = Setup(log, tmp_path, {"a": a, "b": b})
    seen: list[tuple[str, str]] = []
    outcomes = setup.sender.send(
        1,
        "notice",
        [Outgoing(Table(c, "mastodon", name=c), TEXT) for c in ("a", "b")],
        on_update=lambda o: seen.append((o.channel, o.state)),
    )
    assert states(outcomes) == ["confirmed", "confirmed"]
    assert outcomes[0].receipt == Receipt("https://service.example/1", "1")
    assert ("a", "sending") in seen and ("a", "confirmed") in seen
    # A second click sends nothing more.
    assert states(setup.send("a", "b")) == ["confirmed", "confirmed"]
    assert (a.calls, b.calls) == (1, 1)


def test_a_channel_on_a_platform_that_is_down_is_skipped_with_the_reason(
    log: IncidentLog, tmp_path: Path
) -> None:
    setup = Setup(log, tmp_path, {"a": Peer(), "b": Peer()})
    outcomes = setup.send("a", "b", down={"p-b": "Instagram"})
    assert states(outcomes) == ["confirmed", "skipped"]
    assert outcomes[1].error == "Not sent: Instagram is down right now." and setup.peers["b"].calls == 0
    assert [job.channel for job in setup.sender.outbox.jobs()] == ["a"]


def test_a_rate_limit_is_waited_out_as_the_service_asked(log: IncidentLog, tmp_path: Path) -> None:
    setup = Setup(log, tmp_path, {"a": Peer(["429", "ok"])})
    [outcome] = setup.send("a")
    assert outcome.state == "confirmed" and setup.peers["a"].calls == 2
    assert len(setup.slept) == 1 and 7.0 <= setup.slept[0] < 7.5
    assert setup.sender.outbox.job(outcome.job_id or 0).attempts == 2


def test_a_wait_too_long_is_not_waited_for_and_the_next_send_tries_again(
    log: IncidentLog, tmp_path: Path
) -> None:
    setup = Setup(log, tmp_path, {"a": Peer(["429-long"])})
    [outcome] = setup.send("a")
    assert outcome.state == "failed" and "wait an hour" in outcome.error and setup.slept == []
    assert "tried again" in outcome.advice
    assert setup.send("a")[0].state == "confirmed"


def test_a_refusal_for_good_is_not_retried_until_the_user_sends_again(
    log: IncidentLog, tmp_path: Path
) -> None:
    setup = Setup(log, tmp_path, {"a": Peer(["401"])})
    [outcome] = setup.send("a")
    assert outcome.state == "failed" and outcome.needs_credentials and setup.slept == []
    assert setup.peers["a"].calls == 1
    assert setup.send("a")[0].state == "confirmed" and setup.peers["a"].posts != []


def test_a_lost_answer_is_never_sent_again_without_dedupe_unless_asked(
    log: IncidentLog, tmp_path: Path
) -> None:
    peer = Peer(["lost"])
    setup = Setup(log, tmp_path, {"a": peer})
    [outcome] = setup.send("a")
    assert outcome.state == "unknown" and "May have been sent" in outcome.advice
    assert setup.send("a")[0].state == "unknown" and peer.calls == 1
    assert setup.send("a", resend_unknown=True)[0].state == "confirmed"
    assert peer.calls == 2 and len(peer.posts) == 2  # the user chose this: the peer has two
    events = setup.sender.outbox.events(outcome.job_id or 0)
    assert any("the user asked" in detail for _, _, detail in events)


def test_a_lost_answer_is_retried_with_the_same_key_where_a_repeat_is_harmless(
    log: IncidentLog, tmp_path: Path
) -> None:
    peer = Peer(["lost", "ok"], harmless=True)
    setup = Setup(log, tmp_path, {"a": peer})
    [outcome] = setup.send("a")
    assert outcome.state == "confirmed" and peer.calls == 2 and len(peer.posts) == 1


def test_an_unknown_job_is_settled_by_a_lookup_without_sending(log: IncidentLog, tmp_path: Path) -> None:
    peer = Peer(["lost"])
    setup = Setup(log, tmp_path, {"a": peer})
    assert setup.send("a")[0].state == "unknown"
    peer.found = Lookup("sent", Receipt("https://blog.example/post", "42"))
    [outcome] = setup.send("a")
    assert outcome.state == "confirmed" and outcome.receipt == Receipt("https://blog.example/post", "42")
    assert peer.calls == 1


def test_missing_credentials_offer_the_composer_and_arm_nothing(log: IncidentLog, tmp_path: Path) -> None:
    setup = Setup(log, tmp_path, {"a": Peer()})
    setup.secrets.clear()
    [outcome] = setup.send("a")
    assert outcome.state == "failed" and outcome.needs_credentials and "Open composer" in outcome.advice
    assert "No access token is saved for A" in outcome.error
    assert setup.sender.outbox.jobs() == [] and setup.peers["a"].calls == 0


def test_a_dry_run_sends_and_records_nothing(log: IncidentLog, tmp_path: Path) -> None:
    setup = Setup(log, tmp_path, {"a": Peer()})
    assert states(setup.send("a", dry_run=True)) == ["ready"]
    assert setup.sender.outbox.jobs() == [] and setup.peers["a"].calls == 0


def test_a_job_left_armed_by_a_crash_becomes_unknown_when_sending_starts(
    log: IncidentLog, tmp_path: Path
) -> None:
    setup = Setup(log, tmp_path, {"a": Peer(), "b": Peer()})
    box = setup.sender.outbox
    job = box.create(1, "notice", "a", TEXT, T0)
    box.arm(job.id, T0)
    outcomes = setup.send("a", "b")
    assert states(outcomes) == ["unknown", "confirmed"] and setup.peers["a"].calls == 0
    assert "stopped while this was being sent" in outcomes[0].error


def test_another_process_sending_from_the_log_is_said_in_words(log: IncidentLog, tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from outagetray.core.incident_recorder import acquire_recording_lock as a;"
            "l = a(Path(sys.argv[1]), 'outagetray send', name='outbox.lock'); print('held', flush=True);"
            "time.sleep(30)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        setup = Setup(log, tmp_path, {"a": Peer()})
        with pytest.raises(SenderBusy, match="Another outagetray send is sending"):
            setup.send("a")
        assert setup.peers["a"].calls == 0
    finally:
        holder.kill()
        holder.wait()
    assert setup.send("a")[0].state == "confirmed"


def test_one_channel_failing_oddly_never_stops_the_others(log: IncidentLog, tmp_path: Path) -> None:
    class Odd(Peer):
        def send(self, text: str, key: str) -> Receipt:
            raise SendRejected("fine")

        def lookup(self, key: str) -> Lookup:
            raise RuntimeError("boom")

    setup = Setup(log, tmp_path, {"a": Odd(), "b": Peer()})

    def broken(table: Table, secret: str, **_: Any) -> Peer:
        if table.id == "a":
            raise RuntimeError("cannot build")
        return setup.peers[table.id]

    setup.sender._build = broken
    outcomes = setup.send("a", "b")
    # Nothing had left for "a": it is not sent (never "may have been sent"), and "b" went out.
    assert states(outcomes) == ["failed", "confirmed"]
    assert "went wrong before it left" in outcomes[0].error and JobState.CONFIRMED.value == "confirmed"


def test_a_key_the_service_has_forgotten_is_not_trusted(log: IncidentLog, tmp_path: Path) -> None:
    peer = Peer(["lost"], harmless=True)
    peer.resend_window = 3000.0  # type: ignore[attr-defined]
    setup = Setup(log, tmp_path, {"a": peer})
    setup.sender.max_attempts = 1
    assert setup.send("a")[0].state == "unknown"
    setup.sender.clock.now += timedelta(hours=2)  # type: ignore[attr-defined]
    setup.sender.max_attempts = 3
    [outcome] = setup.send("a")
    assert outcome.state == "unknown" and peer.calls == 1


def test_none_yet_is_believed_only_once_a_post_had_time_to_land(log: IncidentLog, tmp_path: Path) -> None:
    peer = Peer(["lost"])
    peer.settle_seconds = 15.0  # type: ignore[attr-defined]
    setup = Setup(log, tmp_path, {"a": peer})
    clock = setup.sender.clock
    real_send = peer.send

    def slow_send(text: str, key: str) -> Receipt:
        clock.now += timedelta(seconds=30)  # type: ignore[attr-defined] # we waited our whole deadline
        return real_send(text, key)

    peer.send = slow_send  # type: ignore[method-assign]
    assert setup.send("a")[0].state == "unknown"
    # The next run asks at once; the blog says "none yet", then shows the post once it landed.
    answers = iter([NOT_SENT, Lookup("sent", Receipt("https://blog.example/p", "7"))])
    peer.lookup = lambda key: next(answers)  # type: ignore[method-assign]
    [outcome] = setup.send("a")
    assert outcome.state == "confirmed" and peer.calls == 1
    assert len(setup.slept) == 1 and 10 < setup.slept[0] <= 15


def test_a_job_a_crash_left_on_its_way_is_shown_unknown_once_nothing_sends(
    log: IncidentLog, tmp_path: Path
) -> None:
    setup = Setup(log, tmp_path, {"a": Peer()})
    box = setup.sender.outbox
    job = box.arm(box.create(1, "notice", "a", TEXT, T0).id, T0)
    setup.sender.recover()
    assert box.job(job.id).state is JobState.UNKNOWN and setup.peers["a"].calls == 0
