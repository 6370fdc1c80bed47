"""An intermittent outage is one outage (issue 13 item 5): recovery means healthy, not lucky.

Synthetic rounds straight into the judge; the same scenario against real loopback servers
and the real monitor is in test_replays.py.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from outagetray.core.alerts import AlertPolicy, Notification
from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.judge import (
    FLAP_WINDOW,
    MAX_RECOVER_ROUNDS,
    Change,
    Judge,
    JudgeConfig,
    PlatformStatus,
    Round,
    _duration,
    _state_change,
)
from outagetray.core.model import Platform, Reading, SourceSpec, Verdict
from outagetray.core.poller import SourceResult
from outagetray.core.probes import ProbeResult
from outagetray.core.settings import Notifications

ONLINE = ConnectivityReport(Connectivity.ONLINE, "2 of 2 connection checks passed")
T0 = datetime(2019, 3, 13, 16, 0, tzinfo=UTC)
OUTAGES = (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)


def meta(pid: str, name: str) -> Platform:
    """A Meta app probed on three hosts, as the catalog probes Facebook."""
    hosts = (f"{pid}.com", f"www.{pid}.com", f"graph.{pid}.com")
    return Platform(pid, name, "Meta", probes=tuple(SourceSpec("http_probe", f"https://{h}/") for h in hosts))


APPS = (meta("facebook", "Facebook"), meta("instagram", "Instagram"), meta("messenger", "Messenger"))


def results(platform: Platform, failing: set[int], elapsed: float = 0.02) -> list[ProbeResult]:
    """One round of probes; ``elapsed`` is how long the passing ones took (failures are quick)."""
    return [
        ProbeResult(spec, "unhealthy", "http_5xx", f"{spec.url}: the server answered 502", 0.02)
        if i in failing
        else ProbeResult(spec, "healthy", "ok", f"{spec.url}: 200", elapsed)
        for i, spec in enumerate(platform.probes)
    ]


class Driver:
    def __init__(self, *platforms: Platform, **config: int) -> None:
        self.judge = Judge(platforms, JudgeConfig(**config))  # type: ignore[arg-type]
        self.n = 0
        self.changes: list[Change] = []
        self.statuses: list[dict[str, PlatformStatus]] = []

    def round(
        self,
        probes: dict[str, list[ProbeResult]] | None = None,
        official: dict[str, list[SourceResult]] | None = None,
    ) -> list[Change]:
        rnd = Round(T0 + timedelta(minutes=self.n), 60.0 * self.n, ONLINE, official or {}, probes or {})
        self.n += 1
        out = [c for c in self.judge.observe(rnd) if isinstance(c, Change)]
        self.changes += out
        self.statuses.append({s.platform.id: s for s in self.judge.statuses()})
        return out

    def alerts(self, pid: str) -> list[Change]:
        return [c for c in self.changes if c.alert and c.platform.id == pid]


def downs_and_backs(changes: list[Change]) -> tuple[list[Change], list[Change]]:
    """The alerts a person perceives as "down" and as "back".

    Every alert into an outage from anything else (fine, degraded) is a "down", and every
    alert out of an outage to a known verdict is a "back", "degraded" included: partial →
    degraded → partial is two pop-ups saying "down", not one outage.
    """
    downs: list[Change] = []
    backs: list[Change] = []
    down = False
    for change in changes:
        if change.new in OUTAGES:
            if not down:
                downs.append(change)
            down = True
        elif change.new is not Verdict.UNKNOWN:
            if down:
                backs.append(change)
            down = False
    return downs, backs


def shown(d: Driver) -> list[tuple[datetime, Notification]]:
    """What a person sees: the real alert policy, its cool-down off so that it hides nothing."""
    policy = AlertPolicy(Notifications(cooldown_minutes=0), UTC)
    return [
        (at, n)
        for at in sorted({c.at for c in d.changes})
        for n in policy.decide([c for c in d.changes if c.at == at], at)
    ]


def assert_one_outage_each(d: Driver, apps: tuple[Platform, ...], end: int) -> None:
    """One "down" and one "back" per app, the "back" soon after the end, nothing in between."""
    notes = shown(d)
    for app in apps:
        alerts = d.alerts(app.id)
        downs, backs = downs_and_backs(alerts)
        assert (len(downs), len(backs)) == (1, 1), [(c.at.strftime("%H:%M"), c.new.value) for c in alerts]
        assert backs[0].at <= T0 + timedelta(minutes=end - 1 + MAX_RECOVER_ROUNDS)
        assert MAX_RECOVER_ROUNDS < 20
        # Every change of this outage, from "down" to "back", files under one incident.
        mine = [
            c for c in d.changes if c.platform.id == app.id and c.at >= downs[0].at and c.at <= backs[0].at
        ]
        assert {c.incident for c in mine} == {downs[0].event}
        assert backs[0].event != downs[0].event  # the "back" is its own event, of the same incident
        # The pop-ups: one "down", one "recovered", and no "degraded" while the outage lasts.
        told = [n.kind for at, n in notes if app.id in n.platforms]
        assert told.count("down") == 1 and told.count("recovered") == 1, told
        during = [n.kind for at, n in notes if app.id in n.platforms and downs[0].at <= at < backs[0].at]
        assert during == ["down"], during


@pytest.mark.parametrize("seed", [1, 7, 2019, 31337, 4242])
def test_half_of_all_requests_failing_for_40_rounds_is_one_outage(seed: int) -> None:
    rng = random.Random(seed)
    d = Driver(*APPS)
    for _ in range(3):
        d.round({p.id: results(p, set()) for p in APPS})
    for _ in range(40):
        d.round({p.id: results(p, {i for i in range(3) if rng.random() < 0.5}) for p in APPS})
    end = d.n
    for _ in range(25):
        d.round({p.id: results(p, set()) for p in APPS})
    assert_one_outage_each(d, APPS, end)
    for kind in ("down", "recovered"):
        named = [pid for _, n in shown(d) if n.kind == kind for pid in n.platforms]
        assert sorted(named) == sorted(p.id for p in APPS), kind


@pytest.mark.parametrize("seed", [1, 7, 2019, 31337, 4242])
def test_an_on_and_off_outage_whose_good_answers_are_slow_is_still_one_outage(seed: int) -> None:
    """Overloaded servers answer slowly between failures: passing slowly is not "back" either.

    The rule that moves an outage that answers again, only slowly, to "degraded" once
    took two slow passes, so the verdict went partial → degraded → partial: a "degraded"
    pop-up and a second "down" in the middle of one outage.
    """
    rng = random.Random(seed)
    d = Driver(*APPS)
    for _ in range(8):  # the usual time: a twentieth of a second
        d.round({p.id: results(p, set(), 0.05) for p in APPS})
    for _ in range(40):
        d.round({p.id: results(p, {i for i in range(3) if rng.random() < 0.5}, 3.0) for p in APPS})
    end = d.n
    for _ in range(25):
        d.round({p.id: results(p, set(), 0.05) for p in APPS})
    assert_one_outage_each(d, APPS, end)


def test_an_on_and_off_outage_that_then_answers_slowly_waits_for_a_long_slow_stretch() -> None:
    d = Driver(APPS[0])
    for _ in range(8):
        d.round({"facebook": results(APPS[0], set(), 0.05)})
    for failing in ({0}, {1}, {0, 2}, {1}, {0}):
        d.round({"facebook": results(APPS[0], failing, 3.0)})
    assert d.statuses[-1]["facebook"].verdict is Verdict.PARTIAL_OUTAGE
    for _ in range(4):  # two slow passes once ended it
        assert d.round({"facebook": results(APPS[0], set(), 3.0)}) == []
    status = d.statuses[-1]["facebook"]
    assert status.verdict is Verdict.PARTIAL_OUTAGE
    assert status.evidence.startswith("all checks pass (slowly) 4 times in a row now; as it has been failing")
    for _ in range(MAX_RECOVER_ROUNDS - 4):
        d.round({"facebook": results(APPS[0], set(), 3.0)})
    # Still slow, but it has answered for long enough: degraded, no longer down.
    assert d.statuses[-1]["facebook"].verdict is Verdict.DEGRADED


def test_an_on_and_off_outage_whose_answers_hover_around_the_usual_time_still_ends_in_time() -> None:
    """Slow and fast passes are one clean stretch: alternating ones once held the outage open."""
    d = Driver(APPS[0])
    for _ in range(8):
        d.round({"facebook": results(APPS[0], set(), 0.05)})
    for failing in ({0}, {1}, {0, 2}, {1}, {0}):
        d.round({"facebook": results(APPS[0], failing, 3.0)})
    assert d.statuses[-1]["facebook"].verdict is Verdict.PARTIAL_OUTAGE
    for n in range(MAX_RECOVER_ROUNDS):
        d.round({"facebook": results(APPS[0], set(), 3.0 if n % 2 else 0.05)})
    assert d.statuses[-1]["facebook"].verdict not in OUTAGES  # the last answer was slow: degraded
    downs, backs = downs_and_backs(d.alerts("facebook"))
    assert (len(downs), len(backs)) == (1, 1)


def test_an_intermittent_outage_says_so_instead_of_toggling() -> None:
    rng = random.Random(13)
    d = Driver(APPS[0])
    d.round({"facebook": results(APPS[0], set())})
    for _ in range(40):
        d.round({"facebook": results(APPS[0], {i for i in range(3) if rng.random() < 0.5})})
    status = d.statuses[-1]["facebook"]
    assert (status.verdict, status.intermittent) == (Verdict.PARTIAL_OUTAGE, True)
    assert status.label == "partial outage (on and off)"
    assert "on and off" in status.evidence
    assert status.incident != 0
    labels = {s["facebook"].label for s in d.statuses[10:]}
    assert labels == {"partial outage (on and off)"}
    for _ in range(MAX_RECOVER_ROUNDS):
        d.round({"facebook": results(APPS[0], set())})
    status = d.statuses[-1]["facebook"]
    assert (status.verdict, status.intermittent, status.label, status.incident) == (
        Verdict.OPERATIONAL,
        False,
        "operational",
        0,
    )


@pytest.mark.parametrize(("interval", "wait"), [(60, "about 6 minutes"), (2, "about 12 seconds")])
def test_a_clean_stretch_during_an_intermittent_outage_says_why_it_is_not_back_yet(
    interval: int, wait: str
) -> None:
    """In checks and time, the words a person uses: nobody outside knows what a "round" is."""
    d = Driver(APPS[0], interval=interval)
    d.round({"facebook": results(APPS[0], set())})
    for failing in ({0}, {1}, {0, 2}, {1}, {0}):
        d.round({"facebook": results(APPS[0], failing)})
    assert d.statuses[-1]["facebook"].verdict is Verdict.PARTIAL_OUTAGE
    assert d.round({"facebook": results(APPS[0], set())}) == []
    assert d.round({"facebook": results(APPS[0], set())}) == []  # two lucky rounds are not "back"
    assert d.statuses[-1]["facebook"].evidence == (
        "all checks pass 2 times in a row now; as it has been failing on and off, OutageTray waits "
        f"for 6 good checks in a row ({wait}) before calling it back"
    )


def test_an_intermittent_outage_counts_checks_not_rounds() -> None:
    d = Driver(APPS[0])
    d.round({"facebook": results(APPS[0], set())})
    for failing in ({0}, {1}, set(), {2}, {0}, {1}, set(), {1}, {2}, {0}):
        d.round({"facebook": results(APPS[0], failing)})
    status = d.statuses[-1]["facebook"]
    assert status.intermittent
    assert "8 of the last 11 checks found a problem;" in status.evidence
    assert "round" not in status.evidence


def test_a_steady_outage_still_recovers_after_two_clean_rounds() -> None:
    d = Driver(APPS[0])
    d.round({"facebook": results(APPS[0], set())})
    for _ in range(6):
        d.round({"facebook": results(APPS[0], {1})})  # the same host fails every round
    assert d.statuses[-1]["facebook"].verdict is Verdict.PARTIAL_OUTAGE
    assert not d.statuses[-1]["facebook"].intermittent
    d.round({"facebook": results(APPS[0], set())})
    (back,) = d.round({"facebook": results(APPS[0], set())})
    assert (back.new, back.alert) == (Verdict.OPERATIONAL, True)


def test_an_outage_that_spreads_to_every_host_still_turns_major() -> None:
    d = Driver(APPS[0])
    d.round({"facebook": results(APPS[0], set())})
    for failing in ({0}, {0, 1}, {0, 1, 2}, {0, 1, 2}, {0, 1, 2}):
        d.round({"facebook": results(APPS[0], failing)})
    assert d.statuses[-1]["facebook"].verdict is Verdict.MAJOR_OUTAGE
    assert not d.statuses[-1]["facebook"].intermittent
    d.round({"facebook": results(APPS[0], set())})
    (back,) = d.round({"facebook": results(APPS[0], set())})  # it spread, it never went on and off
    assert back.new is Verdict.OPERATIONAL


STATUS = SourceSpec("statuspage", "https://discordstatus.com/api/v2/summary.json")
DISCORD = Platform("discord", "Discord", "Discord", sources=(STATUS,))


def page(verdict: Verdict) -> dict[str, list[SourceResult]]:
    return {"discord": [SourceResult(STATUS, Reading(verdict, f"{verdict.label}: Voice"))]}


def test_a_status_page_flapping_between_major_and_operational_settles_as_one_outage() -> None:
    d = Driver(DISCORD)
    d.round(official=page(Verdict.OPERATIONAL))
    for n in range(32):  # two reads major, two reads operational, over and over
        d.round(official=page(Verdict.MAJOR_OUTAGE if n % 4 < 2 else Verdict.OPERATIONAL))
    downs, backs = downs_and_backs(d.alerts("discord"))
    assert len(downs) <= 2 and len(backs) <= 1  # the old rule gave 8 "down" and 7 "back"
    status = d.statuses[-1]["discord"]
    assert (status.verdict, status.label) == (Verdict.MAJOR_OUTAGE, "major outage (on and off)")
    for _ in range(MAX_RECOVER_ROUNDS):
        d.round(official=page(Verdict.OPERATIONAL))
    assert d.statuses[-1]["discord"].verdict is Verdict.OPERATIONAL
    assert len(downs_and_backs(d.alerts("discord"))[1]) == len(backs) + 1


def test_an_official_outage_that_ends_for_good_still_recovers_after_two_reads() -> None:
    d = Driver(DISCORD)
    d.round(official=page(Verdict.OPERATIONAL))
    for _ in range(5):
        d.round(official=page(Verdict.MAJOR_OUTAGE))
    d.round(official=page(Verdict.OPERATIONAL))
    (back,) = d.round(official=page(Verdict.OPERATIONAL))
    assert (back.new, back.alert) == (Verdict.OPERATIONAL, True)


@pytest.mark.parametrize(
    ("states", "percent"),
    [
        ([False] * FLAP_WINDOW, 0.0),
        ([n % 2 == 0 for n in range(FLAP_WINDOW)], 100.0),
        ([False] * (FLAP_WINDOW - 1) + [True], 6.25),  # one change, the newest: weight 1.25 of 20
        ([False] + [True] * (FLAP_WINDOW - 1), 3.75),  # one change, the oldest: weight 0.75 of 20
        ([False, True], 6.25),  # a short history sits at the recent end
    ],
)
def test_percent_state_change_weighs_recent_changes_more(states: list[bool], percent: float) -> None:
    assert _state_change(states) == pytest.approx(percent)


def test_a_host_that_only_refused_in_a_round_keeps_its_history_in_step() -> None:
    """A round in which one host only answered 429 still counts as a round for that host.

    Its history once got no entry for that round, so it drifted out of step with the
    platform's and the check for "a host passed again while the platform kept failing"
    looked at the wrong rounds: here it missed that www came back mid-outage, and an
    outage that went on and off was called back after two lucky rounds.
    """
    two = Platform(
        "x",
        "X",
        "X",
        probes=(SourceSpec("http_probe", "https://x.com/"), SourceSpec("http_probe", "https://www.x.com/")),
    )
    refused = ProbeResult(two.probes[0], "ambiguous", "rate_limited", "https://x.com/: 429, slow down", 0.02)
    d = Driver(two)
    d.round({"x": results(two, set())})
    for _ in range(3):
        d.round({"x": results(two, {0, 1})})
    d.round({"x": results(two, {1})})  # x.com passes again while www.x.com keeps failing: on and off
    assert d.statuses[-1]["x"].verdict in OUTAGES
    d.round({"x": [refused, results(two, set())[1]]})  # x.com only refuses; www.x.com passes
    d.round({"x": results(two, set())})
    assert d.statuses[-1]["x"].verdict in OUTAGES, d.statuses[-1]["x"].evidence
    assert "waits for" in d.statuses[-1]["x"].evidence


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(720.0, "12 minutes"), (24.0, "24 seconds"), (60.0, "1 minute"), (1.0, "1 second"), (7200.0, "2 hours")],
)
def test_a_wait_reads_in_minutes_or_seconds(seconds: float, words: str) -> None:
    assert _duration(seconds) == words
