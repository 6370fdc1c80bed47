"""The incident log (issue 15 item 2): what opens, joins and closes an incident, and that it is kept.

The changes come from the real judge, fed synthetic rounds one minute apart (the
judge's tests' Driver): the log is tested against what the judge really emits, with
its incident numbers, correlated events and offline unknowns.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from outagetray.core.incident_recorder import Recorder, acquire_recording_lock, who_holds
from outagetray.core.incident_store import SCHEMA_VERSION
from outagetray.core.incidents import IncidentLog, ReadOnlyLog, default_path
from outagetray.core.judge import Change, Judge, JudgeConfig
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.records import Action, ActionKind
from tests.core.test_judge import (
    DISCORD,
    FACEBOOK,
    INSTAGRAM,
    OFFLINE,
    T0,
    Driver,
    healthy,
    official,
    servfail,
)

ROOT = Path(__file__).resolve().parents[2]


def minute(n: int) -> datetime:
    return T0 + timedelta(minutes=n)


class Logged(Driver):
    """The judge's Driver, each round's changes and statuses filed in a log as the app does."""

    def __init__(self, log: IncidentLog, *platforms: Platform, drill: bool = False) -> None:
        super().__init__(*platforms)
        self.log = log
        self.drill = drill

    def round(self, *args: object, **kwargs: object) -> list[Change]:
        changes = super().round(*args, **kwargs)  # type: ignore[arg-type]
        self.log.record(changes, self.judge.statuses(), drill=self.drill)
        return changes

    def meta(self, failing: tuple[Platform, ...], fine: tuple[Platform, ...] = ()) -> list[Change]:
        return self.round(servfail(*failing) | healthy(*fine))


@pytest.fixture
def log(tmp_path: Path) -> IncidentLog:
    opened = IncidentLog.open(tmp_path / "data" / "incidents.sqlite3")
    yield opened  # type: ignore[misc]
    opened.close()


def test_platforms_of_one_owner_failing_together_are_one_incident_from_onset_to_the_last_back(
    log: IncidentLog,
) -> None:
    d = Logged(log, FACEBOOK, INSTAGRAM)
    d.meta((), (FACEBOOK, INSTAGRAM))  # 16:02 fine: nothing to log
    assert log.incidents() == []
    for _ in range(3):  # 16:03 .. 16:05: confirmed in the third failing round
        d.meta((FACEBOOK, INSTAGRAM))
    [incident] = log.open_incidents()
    assert incident.platforms == ("facebook", "instagram")
    assert incident.names == ("Facebook", "Instagram")
    assert incident.owner == "Meta" and incident.worst is Verdict.MAJOR_OUTAGE
    assert incident.started_at == minute(1)  # the first round that saw it: what a claim needs
    assert incident.confirmed_at == minute(3)
    assert incident.is_open and incident.ended_at is None
    assert incident.evidence.startswith("Facebook and Instagram (all Meta) are down together")
    assert [c.platform for c in incident.changes] == ["facebook", "instagram"]
    assert incident.changes[0].sources == ("facebook.com", "https://www.facebook.com/")

    d.meta((INSTAGRAM,), (FACEBOOK,))
    d.meta((INSTAGRAM,), (FACEBOOK,))  # 16:07 Facebook back; Instagram still down
    assert log.open_for("facebook") is None
    assert log.open_for("instagram") == log.incident(incident.id)
    assert log.incident(incident.id).is_open  # type: ignore[union-attr]
    d.meta((), (FACEBOOK, INSTAGRAM))
    d.meta((), (FACEBOOK, INSTAGRAM))  # 16:09 Instagram back too
    done = log.incident(incident.id)
    assert done is not None and not done.is_open
    assert done.ended_at == minute(6)  # Instagram's first clean round (16:08), confirmed at 16:09
    assert done.duration_s(minute(60)) == 5 * 60
    assert [(c.platform, c.new) for c in done.changes][-2:] == [
        ("facebook", Verdict.OPERATIONAL),
        ("instagram", Verdict.OPERATIONAL),
    ]
    assert len(log.incidents()) == 1


def test_a_platform_of_the_same_owner_failing_later_joins_the_open_incident(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK, INSTAGRAM)
    d.meta((), (FACEBOOK, INSTAGRAM))
    for _ in range(3):
        d.meta((FACEBOOK,), (INSTAGRAM,))
    for _ in range(3):
        d.meta((FACEBOOK, INSTAGRAM))  # Instagram confirmed two rounds later: its own judge number
    events = {c.incident for c in d.changes if isinstance(c, Change) and c.new.is_problem}
    assert len(events) == 2
    [incident] = log.incidents()
    assert incident.platforms == ("facebook", "instagram")
    assert incident.started_at == minute(1) and incident.confirmed_at == minute(3)


def test_other_owners_are_other_incidents_and_worst_is_the_most_severe_ever(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK, DISCORD)
    d.round(healthy(FACEBOOK), {"discord": official(Verdict.DEGRADED, "slow")})
    d.round(servfail(FACEBOOK), {"discord": official(Verdict.MAJOR_OUTAGE, "down")})
    d.round(servfail(FACEBOOK), {"discord": official(Verdict.DEGRADED, "slow")})
    d.round(servfail(FACEBOOK), {"discord": official(Verdict.DEGRADED, "slow")})
    meta, discord = log.incidents()  # newest first: Facebook started later
    assert (meta.owner, meta.platforms) == ("Meta", ("facebook",))
    assert (discord.owner, discord.platforms) == ("Discord", ("discord",))
    assert discord.worst is Verdict.MAJOR_OUTAGE  # it went back to degraded: the worst stays
    assert discord.started_at == minute(0) and discord.changes[0].sources == (
        "https://discordstatus.com/api/v2/summary.json",
    )


def test_the_users_connection_dropping_mid_outage_does_not_close_or_split_it(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(3):
        d.meta((FACEBOOK,))
    offline = d.round(link=OFFLINE)
    assert [c.new for c in offline] == [Verdict.UNKNOWN] and offline[0].incident
    d.round(link=OFFLINE)
    [incident] = log.open_incidents()
    assert incident.changes[-1].new is Verdict.UNKNOWN  # kept, as evidence of the gap
    back = d.meta((FACEBOOK,))  # connection back, Facebook still down: the same judge number
    assert [c.new for c in back] == [Verdict.MAJOR_OUTAGE] and back[0].incident == offline[0].incident
    d.meta((), (FACEBOOK,))
    d.meta((), (FACEBOOK,))
    [closed] = log.incidents()
    assert closed.id == incident.id and not closed.is_open
    assert [c.new for c in closed.changes] == [
        Verdict.MAJOR_OUTAGE,
        Verdict.UNKNOWN,
        Verdict.MAJOR_OUTAGE,
        Verdict.OPERATIONAL,
    ]


def test_the_connection_dropping_as_the_outage_ends_closes_it_only_when_back(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK)
    for _ in range(3):
        d.meta((FACEBOOK,))
    for _ in range(5):
        d.round(link=OFFLINE)
    assert log.open_for("facebook") is not None
    d.meta((), (FACEBOOK,))  # back online: the platform's track resumes where it froze
    d.meta((), (FACEBOOK,))
    assert log.open_incidents() == [] and len(log.incidents()) == 1


def test_a_restart_keeps_filing_under_the_same_incident(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    first = IncidentLog.open(path)
    d = Logged(first, FACEBOOK)
    for _ in range(3):
        d.meta((FACEBOOK,))
    first.close()
    # The same judge (its numbers continue) with the log reopened, as after a recorder restart.
    d.log = IncidentLog.open(path)
    d.round(link=OFFLINE)
    d.meta((FACEBOOK,))
    assert len(d.log.incidents()) == 1
    # The app restarted: a fresh judge, a new number for the same outage, then "back".
    d2 = Logged(d.log, FACEBOOK)
    d2.judge = Judge([FACEBOOK], JudgeConfig(), events=iter(range(1000, 2000)))
    for _ in range(3):
        d2.meta((FACEBOOK,))
    [incident] = d.log.incidents()
    assert incident.is_open and len({c.event for c in incident.changes}) == len(incident.changes)
    d2.judge = Judge([FACEBOOK], JudgeConfig(), events=iter(range(3000, 4000)))
    d2.meta((), (FACEBOOK,))  # restarted while it recovered: the first "operational" has no number
    [incident] = d.log.incidents()
    assert not incident.is_open and incident.changes[-1].new is Verdict.OPERATIONAL
    d.log.close()


def test_unknown_and_fine_changes_outside_any_outage_are_not_logged(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK, DISCORD)
    d.round(healthy(FACEBOOK), {"discord": official(Verdict.OPERATIONAL)})
    d.round(link=OFFLINE)
    d.round(healthy(FACEBOOK), {"discord": official(Verdict.MAINTENANCE)})
    assert log.incidents() == []


def test_the_end_is_the_first_clean_round_when_the_change_says_when_it_began(log: IncidentLog) -> None:
    """``Change.began`` on a recovery is its first clean round: the claim's end, not the confirmation."""
    down = Change(minute(3), FACEBOOK, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 7, (), 7)
    back = Change(minute(9), FACEBOOK, Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL, "back", True, 8, (), 7)
    log.record([down])
    log.record([dataclasses.replace(back, began=minute(8))])
    [incident] = log.incidents()
    assert incident.started_at == minute(3)  # no status, no onset: the change's own time
    assert incident.ended_at == minute(8)
    log.record([dataclasses.replace(down, event=20, incident=20, began=minute(15), at=minute(17))])
    assert log.incidents()[0].started_at == minute(15)


def test_what_the_user_did_is_kept_and_ticks_survive_a_reopen(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    log = IncidentLog.open(path)
    d = Logged(log, FACEBOOK)
    for _ in range(3):
        d.meta((FACEBOOK,))
    [incident] = log.incidents()
    log.acknowledge(incident.id, minute(4))
    log.acknowledge(incident.id, minute(5))  # pressed twice: the first one counts
    log.tick(incident.id, "post-notice", True, minute(5))
    log.tick(incident.id, "pause-ads", True, minute(6))
    log.tick(incident.id, "post-notice", False, minute(7))
    log.add_action(incident.id, Action(minute(8), ActionKind.DRAFT_COPIED, "notice/short", "X"))
    log.close()

    again = IncidentLog.open(path)
    kept = again.incident(incident.id)
    assert kept is not None
    assert kept.acknowledged and kept.acknowledged_at == minute(4)
    assert kept.ticked() == frozenset({"pause-ads"})
    assert [a.kind for a in kept.actions] == [
        ActionKind.ACKNOWLEDGED,
        ActionKind.ACKNOWLEDGED,
        ActionKind.TICKED,
        ActionKind.TICKED,
        ActionKind.UNTICKED,
        ActionKind.DRAFT_COPIED,
    ]
    assert kept.actions[-1] == Action(minute(8), ActionKind.DRAFT_COPIED, "notice/short", "X")
    with pytest.raises(Exception, match="no outage number 999"):
        again.tick(999, "x", True, minute(9))
    again.close()


def test_listing_is_newest_first_overlapping_the_range_and_drills_apart(log: IncidentLog) -> None:
    def outage(pid: str, start: int, end: int | None, *, drill: bool = False) -> None:
        platform = Platform(pid, pid.title(), pid.title())
        number = start * 10 + 1
        log.record(
            [
                Change(
                    minute(start),
                    platform,
                    Verdict.OPERATIONAL,
                    Verdict.MAJOR_OUTAGE,
                    "down",
                    True,
                    number,
                    (),
                    number,
                )
            ],
            drill=drill,
        )
        if end is not None:
            log.record(
                [
                    Change(
                        minute(end),
                        platform,
                        Verdict.MAJOR_OUTAGE,
                        Verdict.OPERATIONAL,
                        "back",
                        True,
                        number + 1,
                        (),
                        number,
                    )
                ],
                drill=drill,
            )

    outage("a", 0, 10)
    outage("b", 20, 30)
    outage("c", 40, None)
    outage("d", 50, 55, drill=True)
    assert [i.platforms[0] for i in log.incidents()] == ["c", "b", "a"]
    assert [i.platforms[0] for i in log.incidents(drill=None)] == ["d", "c", "b", "a"]
    assert [i.platforms[0] for i in log.incidents(drill=True)] == ["d"]
    assert [i.platforms[0] for i in log.incidents(since=minute(5), until=minute(25))] == ["b", "a"]
    assert [i.platforms[0] for i in log.incidents(since=minute(31))] == ["c"]  # open: still going on
    assert [i.platforms[0] for i in log.incidents(until=minute(20))] == ["a"]
    assert [i.platforms[0] for i in log.incidents(limit=2)] == ["c", "b"]
    assert log.incidents(details=False)[0].changes == ()
    assert log.open_for("d") is None and log.open_for("d", drill=True) is None
    assert log.open_for("c") is not None


def test_source_addresses_are_kept_without_their_secrets(log: IncidentLog) -> None:
    secret = SourceSpec("statuspage", "https://user:hunter2@status.example/api?token=abc&x=1")
    platform = Platform("shop", "Shop", "Shop", sources=(secret,))
    log.record([Change(minute(0), platform, Verdict.OPERATIONAL, Verdict.DEGRADED, "slow", True, 5, (), 5)])
    [incident] = log.incidents()
    assert incident.changes[0].sources == ("https://user:***@status.example/api?token=***&x=1",)


def test_the_file_is_wal_with_full_sync_and_numbered_schema(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "incidents.sqlite3"
    log = IncidentLog.open(path)
    log.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 1
    conn.close()
    reopened = IncidentLog.open(path)  # migrations are not applied twice
    assert reopened._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    reopened.close()
    assert default_path().name == "incidents.sqlite3" and "OutageTray" in str(default_path())


def test_a_log_from_a_newer_version_is_read_but_never_written(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    IncidentLog.open(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    log = IncidentLog.open(path)
    assert "newer version of OutageTray" in log.notice and log.read_only
    assert log.incidents() == []
    change = Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 1, (), 1)
    with pytest.raises(ReadOnlyLog, match="Update OutageTray"):
        log.record([change])
    log.close()


@pytest.mark.parametrize("damage", ["garbage", "torn"])
def test_a_damaged_log_is_kept_aside_and_a_new_one_started(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "incidents.sqlite3"
    log = IncidentLog.open(path)
    for n in range(1, 200):
        log.record(
            [Change(minute(n), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "x" * 500, True, n, (), n)]
        )
    log._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    log.close()
    raw = bytearray(path.read_bytes())
    if damage == "garbage":
        raw = bytearray(b"this is not a database at all" * 100)
    else:
        raw[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)  # pages torn in the middle of the file
    path.write_bytes(bytes(raw))
    clock = lambda: datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)  # noqa: E731
    fresh = IncidentLog.open(path, clock=clock)
    kept = tmp_path / "incidents.sqlite3.corrupt-20261201-093005"
    assert kept.exists() and kept.read_bytes() == bytes(raw)
    assert str(kept) in fresh.notice and "damaged" in fresh.notice
    assert fresh.incidents() == []
    fresh.record([Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "x", True, 1, (), 1)])
    assert len(fresh.incidents()) == 1
    fresh.close()


def test_a_reader_beside_the_recorder_sees_committed_incidents(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    assert IncidentLog.open(path, read_only=True).incidents() == []  # nothing there yet
    writer = IncidentLog.open(path)
    reader = IncidentLog.open(path, read_only=True)
    writer.record([Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "x", True, 1, (), 1)])
    assert len(reader.incidents()) == 1
    with pytest.raises(ReadOnlyLog):
        reader.tick(1, "x", True, minute(1))
    reader.close()
    writer.close()


def test_the_recorder_writes_on_its_own_thread(tmp_path: Path) -> None:
    recorder = Recorder.start(tmp_path / "incidents.sqlite3", program="tray app")
    assert recorder.wait_ready() == ""
    change = Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "slow", True, 1, (), 1)
    assert recorder.record_async([change]).result(5) == [1]
    assert recorder.recording and recorder.notice == ""
    where = recorder.submit(lambda log: threading.current_thread().name).result(5)
    assert where == "incident-recorder" != threading.current_thread().name
    assert recorder.tick_async(1, "post", True, minute(1)).result(5) >= 1
    assert recorder.acknowledge_async(1, minute(2)).result(5) >= 1
    failing = recorder.submit(lambda log: log.tick(42, "x", True, minute(3)))
    with pytest.raises(Exception, match="no outage number 42"):
        failing.result(5)
    recorder.stop()
    with pytest.raises(Exception, match="shutting down"):
        recorder.record_async([change]).result(1)
    log = IncidentLog.open(tmp_path / "incidents.sqlite3")
    [incident] = log.incidents()
    assert incident.acknowledged and incident.ticked() == {"post"}
    log.close()


HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from outagetray.core.incident_recorder import acquire_recording_lock
    lock = acquire_recording_lock(Path(sys.argv[1]), sys.argv[2])
    print("held" if lock else "refused", flush=True)
    time.sleep(60)
    """
)


def test_only_one_process_records_and_the_other_says_who_does(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path), "tray app"], stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert acquire_recording_lock(tmp_path, "outagetray watch") is None
        assert who_holds(tmp_path) == (
            "OutageTray in your system tray is already recording outages on this computer; "
            "this one shows the same log and does not record outages a second time."
        )
        watcher = Recorder.start(tmp_path / "incidents.sqlite3", program="outagetray watch")
        assert watcher.wait_ready() == who_holds(tmp_path)
        change = Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "slow", True, 1, (), 1)
        assert watcher.record_async([change]).result(5) == []
        assert not watcher.recording and "in your system tray" in watcher.notice
        assert watcher.submit(lambda log: log.incidents()).result(5) == []  # it can still read
    finally:
        holder.kill()  # killed, not stopped: the OS lets the lock go all the same
        holder.wait()
    again = Change(minute(1), FACEBOOK, Verdict.DEGRADED, Verdict.MAJOR_OUTAGE, "down", True, 2, (), 1)
    assert watcher.record_async([again]).result(5) == [1]  # it takes over at its next round
    assert watcher.recording
    watcher.stop()
    lock = acquire_recording_lock(tmp_path, "tray app")  # stop() let it go
    assert lock is not None
    assert who_holds(tmp_path).startswith("OutageTray in your system tray is already recording")
    lock.release()


def test_a_log_found_damaged_while_recording_is_kept_aside_and_recording_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "incidents.sqlite3"
    heard: list[str] = []
    recorder = Recorder.start(path, on_notice=heard.append)
    first = Change(minute(0), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "slow", True, 1, (), 1)
    assert recorder.record_async([first]).result(5) == [1]

    def damage(log: IncidentLog) -> None:
        # SQLite notices damage only when it reads the broken pages; here it is told at once.
        log.close()
        path.write_bytes(b"garbage!" * 4096)
        raise sqlite3.DatabaseError("database disk image is malformed")

    with pytest.raises(sqlite3.DatabaseError):
        recorder.submit(damage).result(5)
    second = Change(minute(1), FACEBOOK, Verdict.OPERATIONAL, Verdict.DEGRADED, "slow", True, 2, (), 2)
    assert recorder.record_async([second]).result(5) == [1]  # a new log: numbering starts again
    assert recorder.recording and "kept aside" in recorder.notice and heard == [recorder.notice]
    recorder.stop()
    assert len(list(tmp_path.glob("incidents.sqlite3.corrupt-*"))) == 1


def test_a_judge_counting_from_one_again_opens_a_new_incident_not_an_old_one(log: IncidentLog) -> None:
    """Fire drills run a judge of their own whose numbers start at 1 each time."""
    for _ in range(2):
        d = Logged(log, FACEBOOK, INSTAGRAM, drill=True)  # a new judge: numbers from 1 again
        for _ in range(3):
            d.meta((FACEBOOK, INSTAGRAM))
        d.meta((), (FACEBOOK, INSTAGRAM))
        d.meta((), (FACEBOOK, INSTAGRAM))
    first, second = log.incidents(drill=True)
    assert first.id != second.id and len(first.changes) == len(second.changes) == 4
    assert not first.is_open and not second.is_open and log.incidents() == []


def test_the_sentence_names_the_command_line_too(tmp_path: Path) -> None:
    lock = acquire_recording_lock(tmp_path, "outagetray watch")
    assert lock is not None
    assert who_holds(tmp_path).startswith(
        "OutageTray running in a terminal (outagetray watch) is already recording outages on this computer; "
    )
    lock.release()
    assert who_holds(tmp_path).startswith("Another copy of OutageTray is already recording outages")


def test_a_reused_number_of_an_outage_still_open_does_not_file_another_owner_under_it(
    log: IncidentLog,
) -> None:
    ok, down = Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE
    log.record([Change(minute(0), FACEBOOK, ok, down, "down", True, 4, (), 4)])
    # A second judge (a watch started without the saved counter) hands out 4 again, for Discord.
    log.record([Change(minute(5), DISCORD, ok, down, "down", True, 4, (), 4)])
    meta, discord = sorted(log.open_incidents(), key=lambda i: i.id)
    assert (meta.platforms, discord.platforms) == (("facebook",), ("discord",))
    log.record([Change(minute(9), DISCORD, down, ok, "back", True, 5, (), 4)])
    assert log.open_for("discord") is None and log.open_for("facebook") is not None


# -- time nobody watched (the end of an outage OutageTray did not see closely) ---------------


def test_a_recovery_watched_closely_ends_at_its_first_clean_round_for_certain(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(3):  # minutes 1-3: down
        d.meta((FACEBOOK,))
    for _ in range(2):  # minutes 4-5: back
        d.meta((), (FACEBOOK,))
    [incident] = log.incidents()
    assert incident.ended_at == minute(4)
    assert incident.last_seen_down == minute(3)
    assert not incident.end_uncertain


def test_an_outage_the_computer_slept_through_ended_somewhere_between_two_checks(log: IncidentLog) -> None:
    """The reviewer's case: asleep 15 hours mid-outage. The end stays the first clean round
    (nothing shortened silently), and the log says when the failure was last seen."""
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(5):  # minutes 1-5: down, confirmed at 3
        d.meta((FACEBOOK,))
    d.n += 15 * 60  # the laptop sleeps 15 hours; Facebook recovered long before it woke
    d.round(healthy(FACEBOOK), after_resume=True)
    for _ in range(3):
        d.meta((), (FACEBOOK,))
    [incident] = log.incidents()
    assert incident.started_at == minute(1)
    assert incident.ended_at == minute(6 + 15 * 60)  # the first check after the wake-up
    assert incident.last_seen_down == minute(5)  # the last check before the sleep
    assert incident.end_uncertain
    assert incident.duration_s(minute(10_000)) == (15 * 60 + 5) * 60


def test_an_outage_left_open_while_the_app_was_closed_ended_somewhere_between_two_checks(
    log: IncidentLog,
) -> None:
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(3):  # down at minutes 1-3, confirmed at 3; the app quits
        d.meta((FACEBOOK,))
    d2 = Logged(log, FACEBOOK)  # three days later: a fresh judge that never saw the outage
    d2.judge = Judge([FACEBOOK], JudgeConfig(), events=iter(range(5000, 6000)))
    d2.n = 3 * 24 * 60
    d2.meta((), (FACEBOOK,))
    [incident] = log.incidents()
    assert incident.ended_at == minute(3 * 24 * 60)
    assert incident.last_seen_down == minute(3)  # the last change the log has of it failing
    assert incident.end_uncertain


def test_a_restart_a_moment_later_leaves_the_end_certain(log: IncidentLog) -> None:
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(3):
        d.meta((FACEBOOK,))
    d2 = Logged(log, FACEBOOK)
    d2.judge = Judge([FACEBOOK], JudgeConfig(), events=iter(range(5000, 6000)))
    d2.n = 5  # restarted two minutes after the last failing check
    d2.meta((), (FACEBOOK,))
    [incident] = log.incidents()
    assert incident.ended_at == minute(5) and incident.last_seen_down == minute(3)
    assert not incident.end_uncertain


def test_an_incident_failing_again_is_no_longer_uncertain(log: IncidentLog) -> None:
    down = Change(minute(3), FACEBOOK, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down", True, 7, (), 7)
    back = Change(minute(90), FACEBOOK, Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL, "back", True, 8, (), 7)
    log.record([down])
    log.record([dataclasses.replace(back, began=minute(89), last_bad=minute(20))])
    [incident] = log.incidents()
    assert incident.end_uncertain and incident.last_seen_down == minute(20)
    again = Change(minute(91), FACEBOOK, Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "again", True, 9, (), 7)
    log.record([again])
    [incident] = log.incidents()
    assert incident.is_open and not incident.end_uncertain and incident.last_seen_down is None


# -- open incidents nobody closes ----------------------------------------------------------------


def test_an_incident_left_open_long_ago_does_not_swallow_a_later_outage_of_its_owner(
    log: IncidentLog,
) -> None:
    d = Logged(log, FACEBOOK)
    d.meta((), (FACEBOOK,))
    for _ in range(3):  # Facebook down; then the user stops watching it (or the app is closed)
        d.meta((FACEBOOK,))
    later = Logged(log, INSTAGRAM)
    later.judge = Judge([INSTAGRAM], JudgeConfig(), events=iter(range(5000, 6000)))
    later.n = 7 * 60  # seven hours without a word of the Facebook outage
    later.meta((), (INSTAGRAM,))
    for _ in range(3):
        later.meta((INSTAGRAM,))
    for _ in range(2):
        later.meta((), (INSTAGRAM,))
    instagram, facebook = log.incidents()
    assert facebook.platforms == ("facebook",) and facebook.is_open
    assert instagram.platforms == ("instagram",) and not instagram.is_open
    assert instagram.started_at == minute(7 * 60 + 1)


def test_a_long_outage_still_going_takes_in_its_owners_next_platform(log: IncidentLog) -> None:
    """Hours without a change are no sign of a dead incident when the judge still sees it failing."""
    d = Logged(log, FACEBOOK, INSTAGRAM)
    d.meta((), (FACEBOOK, INSTAGRAM))
    for _ in range(3):  # Facebook down from minute 1
        d.meta((FACEBOOK,), (INSTAGRAM,))
    d.n += 7 * 60  # seven hours of the same outage: rounds without a change
    for _ in range(3):  # now Instagram fails too
        d.meta((FACEBOOK, INSTAGRAM))
    [incident] = log.incidents()
    assert incident.platforms == ("facebook", "instagram")
    assert incident.started_at == minute(1)


def test_a_log_of_version_one_is_read_beside_its_recorder_and_migrated_keeping_its_incidents(
    tmp_path: Path,
) -> None:
    from outagetray.core.incident_store import MIGRATIONS

    path = tmp_path / "incidents.sqlite3"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute(
        "INSERT INTO incidents (owner, worst, started_at, confirmed_at, ended_at) VALUES (?, ?, ?, ?, ?)",
        ("Meta", "major_outage", minute(1).isoformat(), minute(3).isoformat(), minute(900).isoformat()),
    )
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    reader = IncidentLog.open(path, read_only=True)
    [old] = reader.incidents()
    assert old.ended_at == minute(900) and old.last_seen_down is None and not old.end_uncertain
    reader.close()
    log = IncidentLog.open(path)
    assert log._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION >= 2
    assert log.incidents() == [old]  # not known then, so not claimed now
    log.close()
