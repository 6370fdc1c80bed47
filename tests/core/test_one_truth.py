"""Issue 14, "One truth": the core keeps UTC, and its state survives a settings save."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outagetray.core.alerts import AlertPolicy
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.eventids import EventIds
from outagetray.core.judge import Change, Judge, JudgeConfig, Round
from outagetray.core.ledger import Entry, Ledger, Told, told_of
from outagetray.core.model import Platform, Reading, SourceSpec, Verdict
from outagetray.core.monitor import Event, Monitor, MonitorConfig
from outagetray.core.poller import SourceResult
from outagetray.core.probes import DnsConfig, ProbeResult
from outagetray.core.settings import Notifications
from tests.support.controls import ControlServer

ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")
OFFLINE = ConnectivityReport(Connectivity.OFFLINE, "your connection appears down")
T0 = datetime(2026, 11, 25, 16, 2, tzinfo=UTC)
PROBES = (SourceSpec("dns_probe", "facebook.com"), SourceSpec("http_probe", "https://www.facebook.com/"))
FACEBOOK = Platform("facebook", "Facebook", "Meta", probes=PROBES)


@pytest.fixture
def berlin(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The computer's zone is Berlin (UTC+1 in November) for this test."""
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def failing(platform: Platform) -> dict[str, list[ProbeResult]]:
    return {
        platform.id: [ProbeResult(s, "unhealthy", "servfail", "DNS SERVFAIL", 0.01) for s in platform.probes]
    }


def healthy(platform: Platform) -> dict[str, list[ProbeResult]]:
    return {platform.id: [ProbeResult(s, "healthy", "ok", "ok", 0.01) for s in platform.probes]}


def feed(
    judge: Judge, n: int, probes: dict[str, list[ProbeResult]], link: ConnectivityReport = ONLINE
) -> list[Change]:
    out = judge.observe(Round(T0 + timedelta(minutes=n), 60.0 * n, link, {}, probes))
    return [c for c in out if isinstance(c, Change)]


def test_evidence_times_are_utc_whatever_the_computers_zone(berlin: None) -> None:
    judge = Judge([FACEBOOK], JudgeConfig())
    feed(judge, 0, healthy(FACEBOOK))
    for n in (1, 2, 3):
        changes = feed(judge, n, failing(FACEBOOK))
    assert [c.new for c in changes] == [Verdict.MAJOR_OUTAGE]
    # The first failure was at 16:03 UTC (17:03 in Berlin): the text says UTC and means it.
    assert "failed since 16:03 UTC" in changes[0].evidence
    assert "17:03" not in changes[0].evidence
    # The moment itself is data, in UTC, for the UI to show in local time.
    (status,) = judge.statuses()
    assert status.since == T0 + timedelta(minutes=1)
    assert status.since.utcoffset() == timedelta(0)


# -- item 2: a save reconfigures, it does not rebuild ------------------------------------------

INSTAGRAM = Platform(
    "instagram",
    "Instagram",
    "Meta",
    probes=(SourceSpec("dns_probe", "instagram.com"), SourceSpec("http_probe", "https://www.instagram.com/")),
)


class FakeProbes:
    """Probe answers by host, without a network; counts who was asked."""

    def __init__(self) -> None:
        self.failing: set[str] = set()
        self.retry_after: dict[str, float] = {}
        self.asked: list[str] = []

    def __call__(self, spec: SourceSpec, dns: DnsConfig, *, deadline: float | None = None) -> ProbeResult:
        self.asked.append(spec.url)
        if any(host in spec.url for host in self.failing):
            wait = next((w for host, w in self.retry_after.items() if host in spec.url), None)
            return ProbeResult(
                spec, "unhealthy", "servfail", f"DNS SERVFAIL for {spec.url}", 0.01, None, wait
            )
        return ProbeResult(spec, "healthy", "ok", f"{spec.url} answered", 0.01)


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def platform_changes(events: list[Event], pid: str) -> list[Change]:
    return [c for c in events if isinstance(c, Change) and c.platform.id == pid]


def make_monitor(controls: ControlServer, probes: FakeProbes, tmp_path: Path, **kw: Any) -> Monitor:
    config = MonitorConfig(interval=60, controls=controls.controls, **kw)
    ids = EventIds(tmp_path / "events.json")
    return Monitor([FACEBOOK], config, lambda changes: None, probe=probes, events=ids)


def test_a_save_mid_streak_confirms_on_the_round_it_would_have_without_it(
    controls: ControlServer, tmp_path: Path
) -> None:
    probes = FakeProbes()
    monitor = make_monitor(controls, probes, tmp_path)
    try:
        monitor.run_round()  # healthy
        probes.failing = {"facebook.com"}
        assert platform_changes(monitor.run_round(), "facebook") == []  # 1st failing round
        assert platform_changes(monitor.run_round(), "facebook") == []  # 2nd
        # The user saves settings: another platform, another interval, same confirmation rule.
        monitor.reconfigure([FACEBOOK, INSTAGRAM], MonitorConfig(interval=120, controls=controls.controls))
        third = monitor.run_round()
        (down,) = platform_changes(third, "facebook")
        assert (down.new, down.alert) == (Verdict.MAJOR_OUTAGE, True)  # the 3rd failing round, as before
        assert [c.new for c in platform_changes(third, "instagram")] == [Verdict.OPERATIONAL]
        assert monitor.judge.config.interval == 120
        assert [s.platform.id for s in monitor.statuses()] == ["facebook", "instagram"]
    finally:
        monitor.stop()


def test_a_save_keeps_since_incident_event_numbers_and_retry_after(
    controls: ControlServer, tmp_path: Path
) -> None:
    probes = FakeProbes()
    monitor = make_monitor(controls, probes, tmp_path, confirm_rounds=2)
    try:
        client = monitor.client
        monitor.run_round()
        probes.failing = {"facebook.com"}
        probes.retry_after = {"www.facebook.com": 3600.0}  # the front page asks us to wait an hour
        monitor.run_round()
        (down,) = platform_changes(monitor.run_round(), "facebook")
        (before,) = monitor.statuses()
        asked = len(probes.asked)
        monitor.reconfigure([FACEBOOK, INSTAGRAM], MonitorConfig(interval=60, controls=controls.controls))
        events = monitor.run_round()
        after = next(s for s in monitor.statuses() if s.platform.id == "facebook")
        assert platform_changes(events, "facebook") == []  # the same outage: nothing new to say
        assert (after.verdict, after.since, after.incident) == (before.verdict, before.since, down.event)
        assert monitor.client is client  # its Retry-After memory and cached answers stay
        # The host that asked us to wait is still left alone after the save.
        assert "https://www.facebook.com/" not in probes.asked[asked:]
        # Event numbers go on: the new platform's first change is numbered after the outage.
        (new,) = platform_changes(events, "instagram")
        assert new.event > down.event
    finally:
        monitor.stop()


def test_reconfigure_drops_platforms_no_longer_watched(controls: ControlServer, tmp_path: Path) -> None:
    probes = FakeProbes()
    monitor = make_monitor(controls, probes, tmp_path)
    try:
        monitor.reconfigure([FACEBOOK, INSTAGRAM], MonitorConfig(interval=60, controls=controls.controls))
        monitor.run_round()
        monitor.reconfigure([INSTAGRAM], MonitorConfig(interval=60, controls=controls.controls))
        asked = len(probes.asked)
        monitor.run_round()
        assert [s.platform.id for s in monitor.statuses()] == ["instagram"]
        assert not any("facebook" in url for url in probes.asked[asked:])
    finally:
        monitor.stop()


def test_event_numbers_are_never_handed_out_twice_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "state" / "events.json"
    first = EventIds(path, block=4)
    numbers = [next(first) for _ in range(6)]
    assert numbers == [1, 2, 3, 4, 5, 6]
    # A restart (or a crash) resumes above every number that may have been handed out.
    second = EventIds(path, block=4)
    later = [next(second) for _ in range(3)]
    assert min(later) > max(numbers)
    assert later == sorted(later) and len(set(later)) == 3
    # A judge built on it numbers its changes from there, not from 1 again.
    judge = Judge([FACEBOOK], JudgeConfig(), events=EventIds(path, block=4))
    (change,) = feed(judge, 0, healthy(FACEBOOK))
    assert change.event > max(later)


def test_a_damaged_event_counter_resumes_above_anything_handed_out(tmp_path: Path) -> None:
    path = tmp_path / "events.json"
    path.write_text("{not json")
    assert next(EventIds(path)) > 1_000_000_000_000  # the clock's floor, in milliseconds


# -- item 13: an outage stays in view, as last known, while the user's connection is down -----


def test_offline_keeps_the_last_known_verdict_and_when_without_alerting() -> None:
    judge = Judge([FACEBOOK], JudgeConfig())
    feed(judge, 0, healthy(FACEBOOK))
    for n in (1, 2, 3):
        feed(judge, n, failing(FACEBOOK))
    (seen,) = judge.statuses()
    assert (seen.verdict, seen.last_known, seen.last_known_at) == (
        Verdict.MAJOR_OUTAGE,
        Verdict.UNKNOWN,
        None,
    )
    offline = [c for n in (4, 5) for c in feed(judge, n, {}, OFFLINE)]
    assert [(c.new, c.alert) for c in offline] == [(Verdict.UNKNOWN, False)]  # never news
    (status,) = judge.statuses()
    assert status.verdict is Verdict.UNKNOWN
    assert status.evidence == "unknown because your internet connection seems to be down"
    # What was last seen, and when (the last round that could see it: 16:05 UTC), as data.
    assert (status.last_known, status.last_known_at) == (Verdict.MAJOR_OUTAGE, T0 + timedelta(minutes=3))
    # The connection returns and the outage is still there: it continues, no second alert.
    back = feed(judge, 6, failing(FACEBOOK))
    assert [(c.new, c.alert) for c in back] == [(Verdict.MAJOR_OUTAGE, False)]
    (status,) = judge.statuses()
    assert (status.last_known, status.last_known_at) == (Verdict.UNKNOWN, None)


# -- item 1: one holder of what each platform's news was and what the user was told ------------


def test_the_judge_and_the_policy_share_one_ledger_in_one_vocabulary() -> None:
    ledger = Ledger()
    judge = Judge([FACEBOOK], JudgeConfig(), ledger=ledger)
    policy = AlertPolicy(Notifications(cooldown_minutes=0), tz=UTC, ledger=ledger)
    feed(judge, 0, healthy(FACEBOOK))
    for n in (1, 2, 3):
        changes = feed(judge, n, failing(FACEBOOK))
    assert ledger.entry("facebook") == Entry(announced=Told.DOWN, shown=Told.OK)  # said, not yet shown
    (note,) = policy.decide(changes, T0 + timedelta(minutes=3))
    assert note.kind == "down"
    entry = ledger.entry("facebook")
    assert (entry.announced, entry.shown) == (Told.DOWN, Told.DOWN)
    assert entry.shown_at == {Told.DOWN: T0 + timedelta(minutes=3)}
    # The policy keeps no copy of its own: a policy built anew over the same ledger knows
    # the user was told "down", so the recovery is news to it.
    again = AlertPolicy(Notifications(cooldown_minutes=0), tz=UTC, ledger=ledger)
    assert not any("told" in name or "announced" in name for name in vars(again))
    for n in (4, 5):
        changes = feed(judge, n, healthy(FACEBOOK))
    assert [c.new for c in changes] == [Verdict.OPERATIONAL]
    assert [n.kind for n in again.decide(changes, T0 + timedelta(minutes=5))] == ["recovered"]
    assert ledger.entry("facebook").shown is Told.OK


def test_a_muted_outage_is_announced_by_the_core_but_never_shown() -> None:
    ledger = Ledger()
    judge = Judge([FACEBOOK], JudgeConfig(), ledger=ledger)
    policy = AlertPolicy(Notifications(muted=("facebook",)), tz=UTC, ledger=ledger)
    feed(judge, 0, healthy(FACEBOOK))
    for n in (1, 2, 3):
        assert policy.decide(feed(judge, n, failing(FACEBOOK)), T0) == []
    # One place says both facts: the core's news was "down"; the user saw nothing.
    assert (ledger.announced("facebook"), ledger.shown("facebook")) == (Told.DOWN, Told.OK)


def test_one_vocabulary_for_every_verdict() -> None:
    assert {v: told_of(v) for v in Verdict} == {
        Verdict.OPERATIONAL: Told.OK,
        Verdict.MAINTENANCE: Told.OK,
        Verdict.DEGRADED: Told.DEGRADED,
        Verdict.PARTIAL_OUTAGE: Told.DOWN,
        Verdict.MAJOR_OUTAGE: Told.DOWN,
        Verdict.UNKNOWN: None,
    }


def test_a_save_forgets_the_ledger_lines_of_platforms_no_longer_watched() -> None:
    ledger = Ledger()
    judge = Judge([FACEBOOK, INSTAGRAM], JudgeConfig(confirm_rounds=2), ledger=ledger)
    feed(judge, 0, {**healthy(FACEBOOK), **healthy(INSTAGRAM)})
    for n in (1, 2):
        feed(judge, n, {**failing(FACEBOOK), **failing(INSTAGRAM)})
    assert ledger.announced("instagram") is Told.DOWN
    judge.reconfigure([FACEBOOK], JudgeConfig(confirm_rounds=2))
    assert (ledger.announced("facebook"), ledger.announced("instagram")) == (Told.DOWN, Told.OK)


# -- review of issue 14: what a save or a restart must not lose --------------------------------


def test_a_late_report_for_a_platform_removed_does_not_silence_it_when_watched_again() -> None:
    ledger = Ledger()
    judge = Judge([FACEBOOK, INSTAGRAM], JudgeConfig(confirm_rounds=2), ledger=ledger)
    policy = AlertPolicy(Notifications(cooldown_minutes=0), tz=UTC, ledger=ledger)
    feed(judge, 0, {**healthy(FACEBOOK), **healthy(INSTAGRAM)})
    feed(judge, 1, {**healthy(FACEBOOK), **failing(INSTAGRAM)})
    late = feed(judge, 2, {**healthy(FACEBOOK), **failing(INSTAGRAM)})
    assert [(c.platform.id, c.new, c.alert) for c in late] == [("instagram", Verdict.MAJOR_OUTAGE, True)]
    # The user stops watching Instagram; the monitor applies it before the next round,
    # while the round's report still waits for the UI thread, which then hands it on.
    judge.reconfigure([FACEBOOK], JudgeConfig(confirm_rounds=2))
    policy.decide(late, T0 + timedelta(minutes=2))
    assert ledger.entry("instagram") == Entry()  # no line re-created for a platform not watched
    # Watched again, it goes down: the user hears of it, and of its end.
    judge.reconfigure([FACEBOOK, INSTAGRAM], JudgeConfig(confirm_rounds=2))
    feed(judge, 3, {**healthy(FACEBOOK), **healthy(INSTAGRAM)})
    feed(judge, 4, {**healthy(FACEBOOK), **failing(INSTAGRAM)})
    down = feed(judge, 5, {**healthy(FACEBOOK), **failing(INSTAGRAM)})
    assert [n.kind for n in policy.decide(down, T0 + timedelta(minutes=5))] == ["down"]
    feed(judge, 6, {**healthy(FACEBOOK), **healthy(INSTAGRAM)})
    back = feed(judge, 7, {**healthy(FACEBOOK), **healthy(INSTAGRAM)})
    assert [n.kind for n in policy.decide(back, T0 + timedelta(minutes=7))] == ["recovered"]


def test_event_numbers_stay_unique_across_a_restart_when_the_counter_cannot_be_saved(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outagetray.core.eventids as eventids

    path = tmp_path / "events.json"
    path.write_text('{"next": 10}')

    def refuse(target: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(eventids, "write_atomic", refuse)
        first = EventIds(path, block=4)
        numbers = [next(first) for _ in range(6)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 6
    assert path.read_text() == '{"next": 10}'  # the file still says what it said
    # The next start reads the old file back (and can write again): none of its numbers
    # may be one the run before handed out.
    second = EventIds(path, block=4)
    later = [next(second) for _ in range(6)]
    assert not set(later) & set(numbers)


def test_a_failed_counter_write_keeps_numbers_increasing_within_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outagetray.core.eventids as eventids

    path = tmp_path / "events.json"
    first = EventIds(path, block=2)
    before = [next(first) for _ in range(3)]

    def refuse(target: Path, data: bytes) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(eventids, "write_atomic", refuse)
    after = [next(first) for _ in range(5)]
    numbers = before + after
    assert numbers == sorted(numbers) and len(set(numbers)) == len(numbers)
    assert after[-1] > 1_000_000_000_000  # above the clock's floor once the write failed


def _renamed(platform: Platform) -> Platform:
    return Platform(platform.id, "Facebook at work", platform.owner, probes=platform.probes)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c: ([_renamed(FACEBOOK)], MonitorConfig(interval=3600, controls=c)), id="name"),
        pytest.param(
            lambda c: (
                [Platform("facebook", "Facebook", "Meta", probes=PROBES[:1])],
                MonitorConfig(interval=3600, controls=c),
            ),
            id="probes",
        ),
        pytest.param(
            lambda c: (
                [FACEBOOK],
                MonitorConfig(interval=3600, controls=c, dns=DnsConfig(("127.0.0.1:5353",))),
            ),
            id="name-servers",
        ),
        pytest.param(lambda c: ([FACEBOOK], MonitorConfig(interval=3600, controls=c[:1])), id="controls"),
    ],
)
def test_any_change_of_settings_gets_a_round_at_once(
    controls: ControlServer, tmp_path: Path, change: Any
) -> None:
    rounds: list[object] = []
    seen = threading.Event()

    def on_round(rnd: object) -> None:
        rounds.append(rnd)
        seen.set()

    ids = EventIds(tmp_path / "events.json")
    config = MonitorConfig(interval=3600, controls=controls.controls, jitter=0.0)
    monitor = Monitor(
        [FACEBOOK], config, lambda changes: None, probe=FakeProbes(), events=ids, on_round=on_round
    )
    try:
        monitor.start()
        assert seen.wait(5)
        seen.clear()
        # The same settings saved again are no reason for a round.
        monitor.reconfigure([FACEBOOK], config)
        assert not seen.wait(0.3)
        platforms, new = change(controls.controls)
        monitor.reconfigure(platforms, new)
        assert seen.wait(5), "the save waited for the next interval (an hour)"
        assert len(rounds) == 2
        assert [s.platform for s in monitor.statuses()] == platforms
    finally:
        monitor.stop()


STATUS = SourceSpec("statuspage", "https://status.example.com/api/v2/summary.json")
RIGHT = SourceSpec("statuspage", "https://status.example.org/api/v2/summary.json")


def test_a_platform_whose_status_page_changed_starts_afresh() -> None:
    def page(spec: SourceSpec, verdict: Verdict) -> dict[str, list[SourceResult]]:
        return {"shop": [SourceResult(spec, Reading(verdict, verdict.label))]}

    def fed(judge: Judge, n: int, sources: dict[str, list[SourceResult]]) -> list[Change]:
        out = judge.observe(Round(T0 + timedelta(minutes=n), 60.0 * n, ONLINE, sources, {}))
        return [c for c in out if isinstance(c, Change)]

    ledger = Ledger()
    wrong = Platform("shop", "Shop", "Shop", sources=(STATUS,))
    judge = Judge([wrong], JudgeConfig(recover_rounds=3), ledger=ledger)
    fed(judge, 0, page(STATUS, Verdict.OPERATIONAL))
    (down,) = fed(judge, 1, page(STATUS, Verdict.MAJOR_OUTAGE))  # the wrong page's outage
    assert (down.new, down.alert) == (Verdict.MAJOR_OUTAGE, True)
    # The user fixes the status address: the new page's word counts from its first round,
    # not after recover_rounds of it.
    fixed = Platform("shop", "Shop", "Shop", sources=(RIGHT,))
    judge.reconfigure([fixed], JudgeConfig(recover_rounds=3))
    (status,) = judge.statuses()
    assert status.verdict is not Verdict.MAJOR_OUTAGE
    (over,) = fed(judge, 2, page(RIGHT, Verdict.OPERATIONAL))
    assert (over.new, over.alert) == (Verdict.OPERATIONAL, True)  # the user was told "down": it is over
    assert over.incident == down.event  # and it closes the outage that was opened
    (status,) = judge.statuses()
    assert (status.verdict, status.since, status.incident) == (
        Verdict.OPERATIONAL,
        T0 + timedelta(minutes=2),
        0,
    )
    # Same sources and probes, another name: the track (and its streaks) is kept.
    judge.reconfigure([Platform("shop", "My shop", "Shop", sources=(RIGHT,))], JudgeConfig(recover_rounds=3))
    (status,) = judge.statuses()
    assert (status.platform.name, status.verdict) == ("My shop", Verdict.OPERATIONAL)


def test_a_brief_unknown_before_going_offline_keeps_the_last_known_verdict() -> None:
    shop = Platform("shop", "Shop", "Shop", sources=(STATUS,))

    def fed(n: int, verdict: Verdict | None, link: ConnectivityReport = ONLINE) -> None:
        sources = {"shop": [SourceResult(STATUS, Reading(verdict, verdict.label))]} if verdict else {}
        judge.observe(Round(T0 + timedelta(minutes=n), 60.0 * n, link, sources, {}))

    judge = Judge([shop], JudgeConfig(interval=60.0))
    fed(0, Verdict.PARTIAL_OUTAGE)
    for n in (1, 2, 3):  # the page stops answering as the connection fails: stale, then unknown
        fed(n, Verdict.UNKNOWN)
    assert judge.statuses()[0].verdict is Verdict.UNKNOWN
    fed(4, None, OFFLINE)
    (status,) = judge.statuses()
    # What was last seen is the outage (last seen at 16:04 UTC), not the unknown just before.
    assert (status.last_known, status.last_known_at) == (Verdict.PARTIAL_OUTAGE, T0 + timedelta(minutes=2))
