"""Turns rounds of signals into one verdict per platform, with evidence, and never cries wolf.

The rules, from STATUS-SOURCES.md §2.3, §4 and §5.1:

- Official sources speak at once: a status page that says "major outage" is believed.
- OutageTray's own probes must fail ``confirm_rounds`` rounds in a row (3), with the
  user's connection healthy, before a probe-only outage is declared; every probed host
  failing is a major outage, some hosts failing a partial one.
- Getting better needs ``recover_rounds`` clean rounds in a row (2), for official sources
  and probes alike, so a flapping source is reported once, not once per flap.
- A refusal (429, a bot challenge, LinkedIn's 999, a local block) is no evidence either way.
- An official source that cannot be reached keeps its last verdict, marked stale, and
  turns unknown after ``stale_after`` (twice the poll interval).
- While the user is offline or behind a sign-in page, every platform is unknown "because
  of your connection"; the platform's own track is frozen, so an outage that is still
  there when the connection returns continues without a second alert.
- Platforms of one owner that start failing in the same round are one correlated event.
- A platform whose checks all pass but take far longer than usual (core/latency.py) for
  ``confirm_rounds`` rounds, allowing for how much slower the user's own connection
  checks are, is degraded. Where it has an official source that can be read, that source
  decides "degraded" instead (§5.1).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.latency import ACCEPT_SLOW_AFTER, STEADY, Baselines, LinkSpeed, Slowness, slowness
from outagetray.core.model import Platform, Verdict, worst_known
from outagetray.core.poller import SourceResult
from outagetray.core.probes import ProbeResult

#: Rounds whose probes all failed (on every host) in a row before a probe-only outage.
DEFAULT_CONFIRM_ROUNDS = 3
#: Clean rounds in a row before a platform counts as better again.
DEFAULT_RECOVER_ROUNDS = 2
#: How many poll intervals of nothing but refusals (429, challenges) before we admit we cannot see.
REFUSED_INTERVALS = 10


@dataclass(frozen=True)
class JudgeConfig:
    interval: float = 60.0
    confirm_rounds: int = DEFAULT_CONFIRM_ROUNDS
    recover_rounds: int = DEFAULT_RECOVER_ROUNDS

    @property
    def stale_after(self) -> float:
        return 2 * self.interval

    @property
    def refused_after(self) -> float:
        return REFUSED_INTERVALS * self.interval


@dataclass(frozen=True)
class Round:
    """Everything one poll round learned. ``mono`` is a monotonic time in seconds."""

    at: datetime
    mono: float
    connectivity: ConnectivityReport
    official: Mapping[str, Sequence[SourceResult]] = field(default_factory=dict)
    probes: Mapping[str, Sequence[ProbeResult]] = field(default_factory=dict)
    #: The first round after the computer woke up or the network changed: failures are not trusted.
    after_resume: bool = False


@dataclass(frozen=True)
class PlatformStatus:
    """What the user is shown for one platform right now."""

    platform: Platform
    verdict: Verdict
    since: datetime | None
    evidence: str
    stale: bool = False
    affected: tuple[str, ...] = ()
    official: tuple[SourceResult, ...] = ()
    probes: tuple[ProbeResult, ...] = ()


@dataclass(frozen=True)
class Change:
    """A platform's reported verdict changed.

    ``alert`` says whether a person should be told (down, worse, recovered); a change to
    unknown, or back to the same outage after the user's connection returned, is not news.
    Changes of one correlated event share ``event`` and list each other in ``together``.
    """

    at: datetime
    platform: Platform
    old: Verdict
    new: Verdict
    evidence: str
    alert: bool
    event: int
    together: tuple[str, ...] = ()


@dataclass(frozen=True)
class ConnectivityChange:
    at: datetime
    old: Connectivity
    new: Connectivity
    detail: str


@dataclass
class _Official:
    verdict: Verdict = Verdict.UNKNOWN
    better_rounds: int = 0
    last_read: float | None = None
    evidence: str = ""
    affected: tuple[str, ...] = ()
    results: tuple[SourceResult, ...] = ()
    refused: bool = False
    unreadable: str = ""

    def observe(self, results: Sequence[SourceResult], mono: float, recover: int) -> None:
        self.results = tuple(results)
        readable = [r for r in results if r.reading.verdict is not Verdict.UNKNOWN]
        if not readable:
            first = results[0].reading if results else None
            self.unreadable = (first.detail or first.summary) if first else ""
            # No news: the last verdict stands until it goes stale. A page that only asked
            # us to slow down (429, Retry-After) was reached; it gets the longer grace.
            self.refused = bool(results) and all(
                r.error is not None and r.error.kind in ("rate_limited", "backoff") for r in results
            )
            return
        self.refused = False
        self.unreadable = ""
        self.last_read = mono
        raw = worst_known(r.reading.verdict for r in readable)
        leading = next(r for r in readable if r.reading.verdict is raw)
        if self.verdict is Verdict.UNKNOWN or raw.severity >= self.verdict.severity:
            self.verdict, self.better_rounds = raw, 0
        else:
            self.better_rounds += 1
            if self.better_rounds < recover:
                return  # hold the worse verdict until it is better for long enough
            self.verdict, self.better_rounds = raw, 0
        self.evidence = f"{_source_name(leading)} says: {leading.reading.summary}"
        self.affected = tuple(dict.fromkeys(a for r in readable for a in r.reading.affected))

    def current(self, mono: float, config: JudgeConfig) -> tuple[Verdict, bool]:
        if self.last_read is None:
            return Verdict.UNKNOWN, False
        age = mono - self.last_read
        if age > (config.refused_after if self.refused else config.stale_after):
            return Verdict.UNKNOWN, True
        unreadable = bool(self.results) and all(r.reading.verdict is Verdict.UNKNOWN for r in self.results)
        return self.verdict, unreadable


@dataclass
class _Probes:
    verdict: Verdict = Verdict.UNKNOWN
    streak: list[str] = field(default_factory=list)  # "all" / "some" per failing round
    clean_rounds: int = 0
    first_failure: datetime | None = None
    refused_since: float | None = None
    evidence: str = ""
    results: tuple[ProbeResult, ...] = ()
    latency: Baselines = field(default_factory=Baselines)
    slow_rounds: int = 0
    slow_since: datetime | None = None

    def observe(
        self, results: Sequence[ProbeResult], rnd: Round, config: JudgeConfig, link: LinkSpeed = STEADY
    ) -> None:
        self.results = tuple(results)
        kind, evidence_now = _classify_round(results)
        if kind in ("all", "some"):
            if rnd.after_resume:
                return  # the network may still be waking up; ask again next round
            self.refused_since = None
            self.clean_rounds = 0
            self.slow_rounds, self.slow_since = 0, None
            if not self.streak:
                self.first_failure = rnd.at
            self.streak.append(kind)
            if len(self.streak) >= config.confirm_rounds:
                recent = self.streak[-config.confirm_rounds :]
                self.verdict = (
                    Verdict.MAJOR_OUTAGE if all(k == "all" for k in recent) else Verdict.PARTIAL_OUTAGE
                )
            failing = sum(1 for r in results if r.outcome == "unhealthy")
            # Local time: the same clock the user sees in the window and the menu.
            since = self.first_failure.astimezone().strftime("%H:%M") if self.first_failure else ""
            self.evidence = f"{failing} of {len(results)} checks failed since {since}; {evidence_now}"
        elif kind == "clean":
            self.refused_since = None
            if rnd.after_resume and self.slow_rounds:
                return  # a network waking up says nothing about speed: the slow streak stands
            slow = self._slowness(results, rnd, link)
            if slow is not None:
                self._slow_round(slow, rnd, config)
                return
            self.slow_rounds, self.slow_since = 0, None
            self.clean_rounds += 1
            if self.verdict.is_problem:
                if self.clean_rounds >= config.recover_rounds:
                    self._clear(f"{len(results)} of {len(results)} checks pass again")
            else:
                self._clear(f"all {len(results)} checks pass")
        elif kind == "refused":
            if self.refused_since is None:
                self.refused_since = rnd.mono
            self.evidence = f"no answer we can use: {evidence_now}"
            if self.verdict is not Verdict.UNKNOWN and rnd.mono - self.refused_since > config.refused_after:
                self.verdict, self.streak = Verdict.UNKNOWN, []

    def _slowness(self, results: Sequence[ProbeResult], rnd: Round, link: LinkSpeed) -> Slowness | None:
        """This clean round's slowness, keeping each check's usual time up to date."""
        if rnd.after_resume:
            return None  # a network waking up is slow for everyone
        samples = {f"{r.spec.type} {r.spec.url}": r.elapsed for r in results if r.outcome == "healthy"}
        medians = None if link.slow else self.latency.medians(samples)
        slow = slowness(*medians, link.factor) if medians else None
        if slow is None or self.slow_rounds + 1 >= ACCEPT_SLOW_AFTER:
            self.latency.add(samples)
        return slow

    def _slow_round(self, slow: Slowness, rnd: Round, config: JudgeConfig) -> None:
        self.clean_rounds = 0
        outage = self.verdict in (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)
        if not outage:
            self.streak, self.first_failure = [], None  # checks that pass end a failure streak
        self.slow_rounds += 1
        if self.slow_since is None:
            self.slow_since = rnd.at
        # An outage that answers again, only slowly, is over after recover_rounds (the
        # platform is not well yet); a healthy platform turns degraded after confirm_rounds.
        if self.slow_rounds >= (config.recover_rounds if outage else config.confirm_rounds):
            self.verdict, self.streak, self.first_failure = Verdict.DEGRADED, [], None
        since = self.slow_since.astimezone().strftime("%H:%M")
        self.evidence = f"checks take {_seconds(slow.now)}, usually {_seconds(slow.usual)}, since {since}"

    def _clear(self, evidence: str) -> None:
        self.verdict = Verdict.OPERATIONAL
        self.streak = []
        self.first_failure = None
        self.evidence = evidence


@dataclass
class _Track:
    platform: Platform
    official: _Official = field(default_factory=_Official)
    probes: _Probes = field(default_factory=_Probes)
    reported: Verdict = Verdict.UNKNOWN
    since: datetime | None = None
    evidence: str = "not checked yet"
    stale: bool = False
    #: The last verdict a person was told about; an outage "continues" while this is unchanged.
    told: Verdict = Verdict.OPERATIONAL


class Judge:
    """Keeps every platform's track across rounds and reports what changed."""

    def __init__(self, platforms: Iterable[Platform], config: JudgeConfig | None = None) -> None:
        self.config = config or JudgeConfig()
        self._tracks = {p.id: _Track(p) for p in platforms}
        self._link = Connectivity.UNKNOWN
        self._link_detail = ""
        self._events = itertools.count(1)
        self._link_latency = Baselines()

    @property
    def connectivity(self) -> Connectivity:
        return self._link

    def statuses(self) -> list[PlatformStatus]:
        return [self._status(t) for t in self._tracks.values()]

    def observe(self, rnd: Round) -> list[Change | ConnectivityChange]:
        """Take one round and return the changes it caused, connectivity first."""
        changes: list[Change | ConnectivityChange] = []
        link = rnd.connectivity.state
        if link is not self._link:
            changes.append(ConnectivityChange(rnd.at, self._link, link, rnd.connectivity.detail))
            self._link = link
        self._link_detail = rnd.connectivity.detail
        online = link is Connectivity.ONLINE
        link_speed = self._link_speed(rnd) if online else STEADY
        pending: list[tuple[_Track, Verdict, str]] = []
        for track in self._tracks.values():
            pid = track.platform.id
            if online:
                # Offline rounds say nothing about platforms; their tracks stay frozen.
                if track.platform.sources:
                    track.official.observe(rnd.official.get(pid, ()), rnd.mono, self.config.recover_rounds)
                if track.platform.probes:
                    track.probes.observe(rnd.probes.get(pid, ()), rnd, self.config, link_speed)
            verdict, evidence, stale = self._assess(track, rnd.mono, online, rnd.connectivity)
            track.stale = stale
            if verdict is not track.reported:
                pending.append((track, verdict, evidence))
            else:
                track.evidence = evidence
        changes.extend(self._apply(pending, rnd.at))
        return changes

    # -- internals ---------------------------------------------------------------------------

    def _link_speed(self, rnd: Round) -> LinkSpeed:
        """How the user's own connection checks compare with their usual time this round.

        Their usual time follows every sample, slow ones too, so a move to a slower
        network stops counting as slow after a few rounds.
        """
        if rnd.after_resume:
            return LinkSpeed(slow=True)  # waking up: no round to judge anyone's speed by
        samples = {r.url: r.elapsed for r in rnd.connectivity.controls if r.outcome is Connectivity.ONLINE}
        medians = self._link_latency.medians(samples)
        self._link_latency.add(samples)
        if medians is None:
            return STEADY
        now, usual = medians
        factor = max(1.0, now / usual) if usual > 0 else 1.0
        return LinkSpeed(slow=slowness(now, usual) is not None, factor=factor)

    def _assess(
        self, track: _Track, mono: float, online: bool, link: ConnectivityReport
    ) -> tuple[Verdict, str, bool]:
        if not online:
            if link.state is Connectivity.CAPTIVE_PORTAL:
                return Verdict.UNKNOWN, "unknown because your network shows a sign-in page", False
            return Verdict.UNKNOWN, "unknown because your connection appears down", False
        official, stale = (
            track.official.current(mono, self.config) if track.platform.sources else (Verdict.UNKNOWN, False)
        )
        probe = track.probes.verdict if track.platform.probes else Verdict.UNKNOWN
        if probe is Verdict.DEGRADED and official is not Verdict.UNKNOWN:
            probe = Verdict.UNKNOWN  # slowness: a readable official source decides "degraded" (§5.1)
        verdict = worst_known((official, probe))
        if verdict is Verdict.UNKNOWN:
            if stale:
                return verdict, "its status page has not answered for a while", False
            if track.probes.evidence:
                return verdict, track.probes.evidence, False
            if track.official.unreadable:
                return verdict, f"its status could not be read: {track.official.unreadable}", False
            return verdict, track.official.evidence or "not checked yet", False
        if probe is verdict and probe.is_problem and probe.severity >= official.severity:
            return verdict, track.probes.evidence, False
        if official is verdict:
            note = " (last known; its status page is not answering)" if stale else ""
            return verdict, track.official.evidence + note, stale
        return verdict, track.probes.evidence, False

    def _apply(self, pending: list[tuple[_Track, Verdict, str]], at: datetime) -> list[Change]:
        # Group the alerts of this round by owner: one correlated event per owner.
        alerts: dict[str, list[tuple[_Track, Verdict, str]]] = {}
        quiet: list[tuple[_Track, Verdict, str]] = []
        for item in pending:
            track, verdict, _ = item
            if _is_news(track.told, verdict):
                alerts.setdefault(f"{track.platform.owner}|{_kind(verdict)}", []).append(item)
            else:
                quiet.append(item)
        changes: list[Change] = []
        for group in alerts.values():
            event = next(self._events)
            together = tuple(t.platform.id for t, _, _ in group) if len(group) > 1 else ()
            shared = _correlated_evidence(group, self._link_detail) if together else ""
            for track, verdict, evidence in group:
                changes.append(self._change(track, verdict, shared or evidence, at, True, event, together))
                track.told = verdict
        for track, verdict, evidence in quiet:
            changes.append(self._change(track, verdict, evidence, at, False, next(self._events), ()))
        return changes

    def _change(
        self,
        track: _Track,
        verdict: Verdict,
        evidence: str,
        at: datetime,
        alert: bool,
        event: int,
        together: tuple[str, ...],
    ) -> Change:
        old = track.reported
        track.reported = verdict
        track.evidence = evidence
        if verdict is Verdict.UNKNOWN or verdict is not old:
            onset = track.probes.first_failure if verdict is track.probes.verdict else None
            track.since = onset if (onset and verdict.is_problem) else at
        return Change(at, track.platform, old, verdict, evidence, alert, event, together)

    def _status(self, track: _Track) -> PlatformStatus:
        return PlatformStatus(
            platform=track.platform,
            verdict=track.reported,
            since=track.since,
            evidence=track.evidence,
            stale=track.stale,
            affected=track.official.affected if track.official.verdict.is_problem else (),
            official=track.official.results,
            probes=track.probes.results,
        )


def _classify_round(results: Sequence[ProbeResult]) -> tuple[str, str]:
    """Sort one round of a platform's probes into all / some / clean / refused, with the telling detail.

    Probes are grouped by host: a host fails when any of its checks fails, is healthy when
    none fails and one passes. A round where no host fails and none passes (only 429s,
    challenges, blocks) is "refused": no evidence either way.
    """
    if not results:
        return "none", ""
    hosts: dict[str, list[ProbeResult]] = {}
    for result in results:
        hosts.setdefault(_probe_host(result), []).append(result)
    failing = [h for h, rs in hosts.items() if any(r.outcome == "unhealthy" for r in rs)]
    healthy = [h for h, rs in hosts.items() if h not in failing and any(r.outcome == "healthy" for r in rs)]
    first_bad = next((r for r in results if r.outcome == "unhealthy"), None)
    if failing:
        detail = first_bad.detail if first_bad else ""
        return ("some" if healthy else "all"), detail
    if healthy:
        return "clean", ""
    refusal = next((r for r in results if r.outcome == "ambiguous"), None)
    return "refused", refusal.detail if refusal else ""


def _seconds(value: float) -> str:
    """A duration as a person reads it: "2.5 s", "under 0.1 s"."""
    return "under 0.1 s" if value < 0.1 else f"{value:.1f} s"


def _probe_host(result: ProbeResult) -> str:
    target = result.spec.url
    if result.spec.type == "http_probe":
        target = urlsplit(target).hostname or target
    return target.lower()


def _kind(verdict: Verdict) -> str:
    """What a verdict means to a person: fine, or how bad."""
    if verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE):
        return "ok"
    return verdict.value


def _is_news(told: Verdict, new: Verdict) -> bool:
    """Worth telling someone: a known verdict that differs in meaning from the last one told."""
    return new is not Verdict.UNKNOWN and _kind(new) != _kind(told)


def _source_name(result: SourceResult) -> str:
    return urlsplit(result.spec.url).hostname or result.spec.url


def _correlated_evidence(group: Sequence[tuple[_Track, Verdict, str]], link_detail: str) -> str:
    names = [t.platform.name for t, _, _ in group]
    joined = ", ".join(names[:-1]) + f" and {names[-1]}"
    owner = group[0][0].platform.owner
    verdict = group[0][1]
    what = "back" if not verdict.is_problem else ("down" if verdict.severity >= 3 else "degraded")
    first = group[0][2]
    tail = "; your connection is fine" if link_detail else ""
    return f"{joined} (all {owner}) are {what} together — {first}{tail}"
