"""Turns rounds of signals into one verdict per platform, with evidence, and never cries wolf.

The rules, from STATUS-SOURCES.md §2.3, §4 and §5.1:

- Official sources speak at once: a status page that says "major outage" is believed.
- A hint (a source with ``role = "hint"``: a page about a neighbouring product such as
  Meta Status for Facebook Login or the WhatsApp Business Platform, LinkedIn's API page)
  is heard but not believed as an outage (STATUS-SOURCES.md §1, "Source roles"). On its
  own it makes a platform at most "degraded", in words that say where it comes from
  ("Meta Status reports major disruptions for Facebook Login; Facebook's own pages still
  load"), so it is announced at normal urgency, never as an outage. It is shown as
  evidence, and while it reports a problem the probes confirm an outage one round
  sooner (``confirm_rounds - 1``, never fewer than 2).
- OutageTray's own probes must fail ``confirm_rounds`` rounds in a row (3), with the
  user's connection healthy, before a probe-only outage is declared; every probed host
  failing is a major outage, some hosts failing a partial one.
- Getting better needs ``recover_rounds`` clean rounds in a row (2), for official sources
  and probes alike, so a flapping source is reported once, not once per flap.
- Recovery must mean healthy, not lucky. A platform whose checks go on and off (a clean
  round between failing ones, or a host that fails, passes and fails again) needs a
  longer clean stretch before it is "back": long enough that so many clean rounds in a
  row would happen by chance less than once in ``1 / LUCK`` at the rate it has been
  failing, and longer than any clean stretch it had during this outage, but never more
  than ``MAX_RECOVER_ROUNDS`` (so "back" comes at most that many rounds after the real
  end). Flapping is recognised as Nagios does: the weighted share of state changes over
  the last ``FLAP_WINDOW`` rounds, recent ones weighing more, per platform and per host,
  starts at ``FLAP_HIGH`` percent and ends below ``FLAP_LOW``. While it flaps an outage
  stays one partial outage, marked ``intermittent`` ("partial outage (on and off)"),
  rather than toggling between partial, major and back.
- One outage is one incident: every change from the first problem to "back" carries the
  ``incident`` number of the change that opened it (the ``event`` of that change), so an
  incident log can file them together.
- A refusal (429, a bot challenge, LinkedIn's 999, a local block) is no evidence either way.
- An official source that cannot be reached keeps its last verdict, marked stale, and
  turns unknown after ``stale_after`` (twice the poll interval).
- While the user is offline or behind a sign-in page, every platform is unknown "because
  of your connection"; the platform's own track is frozen, so an outage that is still
  there when the connection returns continues without a second alert.
- Platforms of one owner that start failing in the same round are one correlated event
  (a platform that is degraded on a hint alone stays an event of its own: it is not failing).
- A platform whose checks all pass but take far longer than usual (core/latency.py) for
  ``confirm_rounds`` rounds, allowing for how much slower the user's own connection
  checks are, is degraded. Where it has an official source that can be read, that source
  decides "degraded" instead (§5.1). An outage whose checks pass again, only slowly, is
  "degraded" after the same clean stretch as any recovery (slow and fast passes count
  alike): overloaded servers answer slowly between failures, and nothing may end an
  on-and-off outage sooner than its flakiness allows.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from outagetray.core.connectivity import Connectivity, ConnectivityReport
from outagetray.core.latency import ACCEPT_SLOW_AFTER, STEADY, Baselines, LinkSpeed, Slowness, slowness
from outagetray.core.ledger import Ledger, Told, told_of
from outagetray.core.model import Platform, Verdict, worst_known
from outagetray.core.poller import SourceResult
from outagetray.core.probes import ProbeResult

#: Rounds whose probes all failed (on every host) in a row before a probe-only outage.
DEFAULT_CONFIRM_ROUNDS = 3
#: Clean rounds in a row before a platform counts as better again.
DEFAULT_RECOVER_ROUNDS = 2
#: How many poll intervals of nothing but refusals (429, challenges) before we admit we cannot see.
REFUSED_INTERVALS = 10
#: Rounds the flapping measure looks back over, as in Nagios (21 checks, 20 possible changes).
FLAP_WINDOW = 21
#: Weighted percent of state changes at which a track counts as flapping, and below which it stops
#: (Nagios' host defaults are 20 and 5).
FLAP_HIGH = 20.0
FLAP_LOW = 5.0
#: Oldest and newest weight of a state change in the flapping measure (Nagios uses 0.75 and 1.25).
_FLAP_WEIGHTS = (0.75, 1.25)
#: The longest clean stretch ever asked of a flaky platform before "back". With one-minute
#: rounds the user hears "back" at most twelve minutes late, well inside twenty rounds.
MAX_RECOVER_ROUNDS = 12
#: A flaky platform's clean stretch must be this unlikely to happen by chance at its failure rate.
LUCK = 1e-5
#: How a hint's verdict reads in a sentence ("Meta Status reports major disruptions for …").
_HINT_WORDS = {
    Verdict.DEGRADED: "problems",
    Verdict.PARTIAL_OUTAGE: "disruptions",
    Verdict.MAJOR_OUTAGE: "major disruptions",
}


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
    """What the user is shown for one platform right now.

    ``official`` holds this round's result of every status source, hints included (their
    ``spec.role`` says which is which). ``intermittent`` is true while a problem goes on
    and off: the window and the tray show ``label`` ("partial outage (on and off)") so
    the platform does not seem to toggle. ``incident`` is the number of the outage this
    status belongs to (0 when there is none), the same as on its changes.
    """

    platform: Platform
    verdict: Verdict
    since: datetime | None
    evidence: str
    stale: bool = False
    affected: tuple[str, ...] = ()
    official: tuple[SourceResult, ...] = ()
    probes: tuple[ProbeResult, ...] = ()
    intermittent: bool = False
    incident: int = 0
    #: While the user's own connection is down (``verdict`` is unknown because of it): the
    #: verdict of the last round that could see the platform, and that round's time (UTC),
    #: so an ongoing outage does not vanish from view. Unknown and None otherwise.
    last_known: Verdict = Verdict.UNKNOWN
    last_known_at: datetime | None = None

    @property
    def label(self) -> str:
        """The verdict in plain words, saying "on and off" for an intermittent problem."""
        if self.intermittent and self.verdict.is_problem:
            return f"{self.verdict.label} (on and off)"
        return self.verdict.label


@dataclass(frozen=True)
class Change:
    """A platform's reported verdict changed.

    ``alert`` says whether a person should be told (down, worse, recovered); a change to
    unknown, or back to the same outage after the user's connection returned, is not news.
    Changes of one correlated event share ``event`` and list each other in ``together``.

    ``incident`` ties the changes of one outage together: it is the ``event`` of the change
    that first made the platform a problem, and every later change of that platform up to
    and including the one that says it is fine again carries it (changes to unknown while
    the user is offline too). It is 0 for changes outside any problem. An intermittent
    outage is one incident: at most one "down" and one "back" alert, one number.
    """

    at: datetime
    platform: Platform
    old: Verdict
    new: Verdict
    evidence: str
    alert: bool
    event: int
    together: tuple[str, ...] = ()
    incident: int = 0
    #: When what this change reports began, in UTC: the first round that saw the failure
    #: for a problem (``at`` is when it was confirmed), the first clean round of the
    #: recovery for "back". The incident log keeps both, because a claim needs the onset.
    began: datetime | None = None
    #: For "back": the last round in which this judge saw the platform failing (UTC), None
    #: when it never did (a fresh judge after a restart). A long gap between it and
    #: ``began`` (asleep, offline, closed) means the outage ended somewhere in between.
    last_bad: datetime | None = None


@dataclass(frozen=True)
class ConnectivityChange:
    at: datetime
    old: Connectivity
    new: Connectivity
    detail: str


@dataclass
class _Flaps:
    """How a track has gone on and off lately, and so how long a clean stretch must last.

    ``history`` holds, for the last ``FLAP_WINDOW`` rounds that told something, whether
    the round showed a problem; ``hosts`` the same per probed host, because a partial
    outage whose failing host changes from round to round is intermittent even when no
    round is entirely clean. A host that only refused in such a round (429, LinkedIn's
    999, a bot check), or was not asked, gets None for it, so every host's history stays
    in step with ``history``, round for round.
    """

    history: deque[bool] = field(default_factory=lambda: deque(maxlen=FLAP_WINDOW))
    hosts: dict[str, deque[bool | None]] = field(default_factory=dict)
    flapping: bool = False

    def add(self, problem: bool, hosts: Mapping[str, bool | None] | None = None) -> None:
        self.history.append(problem)
        hosts = hosts or {}
        for host in hosts.keys() - self.hosts.keys():
            # A host first seen now had nothing to say in the rounds before.
            self.hosts[host] = deque([None] * (len(self.history) - 1), maxlen=FLAP_WINDOW)
        for host, states in self.hosts.items():
            states.append(hosts.get(host))
        percent = max([_state_change(self.history), *(_state_change(h) for h in self.hosts.values())])
        if percent >= FLAP_HIGH:
            self.flapping = True
        elif percent < FLAP_LOW:
            self.flapping = False

    def required(self, base: int) -> int:
        """Clean rounds in a row needed before "better" is believed; ``base`` for a steady track.

        The clean rounds of the current stretch are left out: the requirement is set by
        what happened before it, so it does not grow while the platform is healthy again.
        """
        episode, _ = self._episode()
        if not self.flaky():
            return base
        clean = episode.count(False)
        # The chance a round is clean, with one clean and one failing round assumed beforehand so
        # that three failing rounds do not read as "never clean".
        p_clean = (clean + 1) / (len(episode) + 2)
        by_chance = math.ceil(math.log(LUCK) / math.log(p_clean))
        longest = max(
            (len(run) for run in "".join("c" if not x else " " for x in episode).split()), default=0
        )
        return max(base, min(MAX_RECOVER_ROUNDS, max(by_chance, longest + 1)))

    def flaky(self) -> bool:
        """Whether the current problem has been on and off: flapping, a problem that came back
        after a clean round, or a host that passed again while the platform kept failing."""
        episode, clean_now = self._episode()
        if not episode:
            return False
        return self.flapping or _relapse(episode) or self._host_passed_again(len(episode), clean_now)

    def _episode(self) -> tuple[list[bool], int]:
        """The rounds from the first problem in the window up to the current clean stretch,
        and the length of that stretch."""
        past = list(self.history)
        clean_now = 0
        while past and not past[-1]:
            past.pop()
            clean_now += 1
        return (past[past.index(True) :] if True in past else []), clean_now

    def _host_passed_again(self, rounds: int, clean_now: int) -> bool:
        """Whether a host failed and then passed while the platform kept failing.

        A steady partial outage fails on the same hosts every round, and one that spreads
        only adds failing hosts; one whose hosts fail and pass by turns is on and off even
        when no round is entirely clean.
        """
        for states in self.hosts.values():
            # Host histories line up with the platform's, round for round; a round in which
            # the host only refused (None) says nothing about it.
            window = list(states)[: len(states) - clean_now][-rounds:]
            seen = [bad for bad in window if bad is not None]
            if True in seen and False in seen[seen.index(True) :]:
                return True
        return False


def _relapse(states: Sequence[bool]) -> bool:
    """A problem came back after a round without one."""
    seen_problem = seen_clean_after = False
    for problem in states:
        if problem and seen_clean_after:
            return True
        if problem:
            seen_problem = True
        elif seen_problem:
            seen_clean_after = True
    return False


def _state_change(states: Sequence[bool | None]) -> float:
    """Nagios' percent state change: changes between neighbouring rounds, recent ones weighing more.

    Divided by the changes a full window could hold, so a short history reads as calm.
    Rounds that said nothing (None: the host only refused) are skipped.
    """
    items = [state for state in states if state is not None]
    slots = FLAP_WINDOW - 1
    low, high = _FLAP_WEIGHTS
    total = 0.0
    offset = slots - (len(items) - 1)  # a short history sits at the recent end of the window
    for index in range(1, len(items)):
        if items[index] != items[index - 1]:
            position = offset + index - 1
            total += low + (high - low) * position / max(1, slots - 1)
    return 100.0 * total / slots


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
    leading: SourceResult | None = None
    flaps: _Flaps = field(default_factory=_Flaps)
    #: What this round's readable sources said before any holding back: None when none was readable.
    raw_problem: bool | None = None

    def observe(self, results: Sequence[SourceResult], mono: float, recover: int) -> None:
        self.results = tuple(results)
        readable = [r for r in results if r.reading.verdict is not Verdict.UNKNOWN]
        self.raw_problem = worst_known(r.reading.verdict for r in readable).is_problem if readable else None
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
        self.flaps.add(raw.is_problem)
        if self.verdict is Verdict.UNKNOWN or raw.severity >= self.verdict.severity:
            self.verdict, self.better_rounds = raw, 0
        else:
            self.better_rounds += 1
            # A page that went back and forth lately must stay better for longer (see _Flaps).
            if self.better_rounds < self.flaps.required(recover):
                return  # hold the worse verdict until it is better for long enough
            self.verdict, self.better_rounds = raw, 0
        self.leading = leading
        self.evidence = f"{_source_name(leading)} says: {leading.reading.summary}"
        self.affected = tuple(dict.fromkeys(a for r in readable for a in r.reading.affected))

    @property
    def intermittent(self) -> bool:
        return self.flaps.flapping and self.verdict.is_problem

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
    flaps: _Flaps = field(default_factory=_Flaps)
    #: This round's kind ("all", "some", "clean", "refused", "none"); "none" when it said nothing.
    round_kind: str = "none"

    @property
    def intermittent(self) -> bool:
        return self.flaps.flapping and self.verdict in (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)

    def observe(
        self,
        results: Sequence[ProbeResult],
        rnd: Round,
        config: JudgeConfig,
        link: LinkSpeed = STEADY,
        confirm: int | None = None,
    ) -> None:
        """Take one round of this platform's probes; ``confirm`` overrides ``config.confirm_rounds``."""
        confirm = config.confirm_rounds if confirm is None else confirm
        self.results = tuple(results)
        kind, evidence_now = _classify_round(results)
        self.round_kind = "none" if rnd.after_resume and kind in ("all", "some") else kind
        if kind in ("all", "some"):
            if rnd.after_resume:
                return  # the network may still be waking up; ask again next round
            self.flaps.add(True, _host_failures(results))
            self.refused_since = None
            self.clean_rounds = 0
            self.slow_rounds, self.slow_since = 0, None
            if not self.streak:
                self.first_failure = rnd.at
            self.streak.append(kind)
            if len(self.streak) >= confirm:
                recent = self.streak[-confirm:]
                everything = all(k == "all" for k in recent) and not self.flaps.flaky()
                # On and off is a partial outage by nature: it works some of the time.
                self.verdict = Verdict.MAJOR_OUTAGE if everything else Verdict.PARTIAL_OUTAGE
            failing = sum(1 for r in results if r.outcome == "unhealthy")
            # The core keeps UTC: the text says so, and the window shows the local time from ``since``.
            since = _utc_clock(self.first_failure) if self.first_failure else ""
            if self.intermittent:
                recent_bad = sum(self.flaps.history)
                self.evidence = (
                    f"failing on and off since {since}: {recent_bad} of the last "
                    f"{len(self.flaps.history)} checks found a problem; {evidence_now}"
                )
            else:
                self.evidence = f"{failing} of {len(results)} checks failed since {since}; {evidence_now}"
        elif kind == "clean":
            self.refused_since = None
            if rnd.after_resume and self.slow_rounds:
                return  # a network waking up says nothing about speed: the slow streak stands
            if not rnd.after_resume:
                self.flaps.add(False, _host_failures(results))
            slow = self._slowness(results, rnd, link)
            if slow is not None:
                self._slow_round(slow, rnd, config)
                return
            self.slow_rounds, self.slow_since = 0, None
            self.clean_rounds += 1
            if self.verdict.is_problem:
                needed = self.flaps.required(config.recover_rounds)
                if self.clean_rounds >= needed:
                    self._clear(f"{len(results)} of {len(results)} checks pass again")
                elif needed > config.recover_rounds:
                    self.evidence = _waiting(self.clean_rounds, needed, config)
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
        outage = self.verdict in (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)
        self.slow_rounds += 1
        if self.slow_since is None:
            self.slow_since = rnd.at
        if outage:
            # An outage that answers again, only slowly, is over (the platform is not well
            # yet, so "degraded") after the same clean stretch a fast recovery needs: an
            # overloaded server answers slowly between its failures, and an on-and-off
            # outage that left through here after two slow passes came back as a second
            # "down". Slow and fast passes make one stretch, so answers that hover around
            # the usual time cannot hold an outage open past MAX_RECOVER_ROUNDS either.
            self.clean_rounds += 1
            needed = self.flaps.required(config.recover_rounds)
            if self.clean_rounds >= needed:
                self.verdict, self.streak, self.first_failure = Verdict.DEGRADED, [], None
                self.clean_rounds = 0
            elif needed > config.recover_rounds:
                self.evidence = _waiting(self.clean_rounds, needed, config, " (slowly)")
                return
        else:
            # A healthy platform turns degraded after confirm_rounds slow rounds in a row.
            self.clean_rounds = 0
            self.streak, self.first_failure = [], None  # checks that pass end a failure streak
            if self.slow_rounds >= config.confirm_rounds:
                self.verdict = Verdict.DEGRADED
        since = _utc_clock(self.slow_since)
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
    #: Sources with ``role = "hint"``, followed like official ones but weighed apart.
    hints: _Official = field(default_factory=_Official)
    probes: _Probes = field(default_factory=_Probes)
    #: Every source's result this round, in the platform's order, hints included.
    results: tuple[SourceResult, ...] = ()
    #: The open outage's number (the event of the change that opened it), 0 when none.
    incident: int = 0
    #: The verdict rests on a hint alone: a heads-up about one product, never part of a
    #: correlated "down together" event of its owner.
    hint_only: bool = False
    reported: Verdict = Verdict.UNKNOWN
    since: datetime | None = None
    evidence: str = "not checked yet"
    stale: bool = False
    #: The verdict of the last round that could see the platform (the user online), and when.
    known: Verdict = Verdict.UNKNOWN
    known_at: datetime | None = None
    #: This round could not see the platform because of the user's own connection.
    offline: bool = False
    #: The first round of the current run of rounds in which nothing about the platform
    #: looked wrong (None while something does): where a recovery began.
    clean_since: datetime | None = None
    #: The last round in which a part said "problem": where the sight of the outage ends.
    last_bad: datetime | None = None

    def note_round(self, at: datetime) -> None:
        """Keep ``clean_since`` and ``last_bad`` from what this round's parts said, before holding back."""
        said = [self.official.raw_problem, self.hints.raw_problem]
        kind = self.probes.round_kind if self.platform.probes else "none"
        if kind != "none" and kind != "refused":
            said.append(kind != "clean")
        heard = [problem for problem in said if problem is not None]
        if any(heard):
            self.clean_since = None
            self.last_bad = at
        elif heard and self.clean_since is None:
            self.clean_since = at


class Judge:
    """Keeps every platform's track across rounds and reports what changed."""

    def __init__(
        self,
        platforms: Iterable[Platform],
        config: JudgeConfig | None = None,
        *,
        events: Iterator[int] | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.config = config or JudgeConfig()
        self._tracks = {p.id: _Track(p) for p in platforms}
        self._link = Connectivity.UNKNOWN
        self._link_detail = ""
        #: What each platform's last news was (and, for the alert policy, what the user was shown):
        #: the one holder, shared with the policy by the composition root.
        self.ledger = ledger if ledger is not None else Ledger()
        #: Event numbers; the app passes a persistent EventIds so they stay unique across restarts.
        self._events: Iterator[int] = events if events is not None else itertools.count(1)
        self._link_latency = Baselines()

    def reconfigure(self, platforms: Iterable[Platform], config: JudgeConfig) -> None:
        """Take new settings without forgetting what was learned.

        A platform still watched keeps its track (streaks, speed baselines, "since", its
        open incident), with its definition replaced by the new one; a new platform
        starts a fresh track; one no longer watched is dropped. Tracks follow the new
        order. Call it between rounds, on the thread that calls ``observe``.

        A platform whose status sources or own checks changed starts a fresh track too:
        its verdict, streaks and "since" came from the old ones (a wrong status page that
        said "major outage" must not keep saying it until the right one has been fine for
        ``recover_rounds``). Only its open incident number is carried over, so the next
        change continues that outage or closes it; the ledger keeps what the user was
        told, so a problem they heard of and that is gone now is announced as over.
        """
        tracks: dict[str, _Track] = {}
        for platform in platforms:
            track = self._tracks.get(platform.id)
            if track is None:
                track = _Track(platform)
            elif (track.platform.sources, track.platform.probes) != (platform.sources, platform.probes):
                track = _Track(platform, incident=track.incident, last_bad=track.last_bad)
            else:
                track.platform = platform
            tracks[platform.id] = track
        self._tracks = tracks
        self.ledger.keep(tracks)
        self.config = config

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
                results = tuple(rnd.official.get(pid, ()))
                track.results = results
                if _has_official(track.platform):
                    official = [r for r in results if not r.spec.is_hint]
                    track.official.observe(official, rnd.mono, self.config.recover_rounds)
                if _has_hints(track.platform):
                    hints = [r for r in results if r.spec.is_hint]
                    track.hints.observe(hints, rnd.mono, self.config.recover_rounds)
                if track.platform.probes:
                    track.probes.observe(
                        rnd.probes.get(pid, ()),
                        rnd,
                        self.config,
                        link_speed,
                        self._confirm_rounds(track, rnd),
                    )
                track.note_round(rnd.at)
            track.hint_only = False
            verdict, evidence, stale = self._assess(track, rnd.mono, online, rnd.connectivity)
            track.stale = stale
            track.offline = not online
            if online and verdict is not Verdict.UNKNOWN:
                # Remembered for when the connection drops: what could last be seen, and when.
                # An unknown round is not seen, and must not wipe what was.
                track.known, track.known_at = verdict, rnd.at
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

    def _confirm_rounds(self, track: _Track, rnd: Round) -> int:
        """Probe rounds needed to confirm an outage: one fewer while a hint reports a problem (min 2)."""
        confirm = self.config.confirm_rounds
        if _has_hints(track.platform):
            hint, _ = track.hints.current(rnd.mono, self.config)
            if hint.severity >= Verdict.DEGRADED.severity:
                return min(confirm, max(2, confirm - 1))
        return confirm

    def _assess(
        self, track: _Track, mono: float, online: bool, link: ConnectivityReport
    ) -> tuple[Verdict, str, bool]:
        if not online:
            if link.state is Connectivity.CAPTIVE_PORTAL:
                return Verdict.UNKNOWN, "unknown because your network shows a sign-in page", False
            return Verdict.UNKNOWN, "unknown because your internet connection seems to be down", False
        official, stale = (
            track.official.current(mono, self.config)
            if _has_official(track.platform)
            else (Verdict.UNKNOWN, False)
        )
        hint, _ = (
            track.hints.current(mono, self.config) if _has_hints(track.platform) else (Verdict.UNKNOWN, False)
        )
        # A hint never speaks for the platform itself: a problem it reports is at most "degraded",
        # and its all-clear (or maintenance of the neighbouring product) is only a weak all-clear.
        if hint.severity >= Verdict.DEGRADED.severity:
            heard = Verdict.DEGRADED
        elif hint is Verdict.UNKNOWN:
            heard = Verdict.UNKNOWN
        else:
            heard = Verdict.OPERATIONAL
        hint_note = self._hint_words(track) if heard is Verdict.DEGRADED else ""
        probe = track.probes.verdict if track.platform.probes else Verdict.UNKNOWN
        if probe is Verdict.DEGRADED and official is not Verdict.UNKNOWN:
            probe = Verdict.UNKNOWN  # slowness: a readable official source decides "degraded" (§5.1)
        verdict = worst_known((official, probe, heard))
        if verdict is Verdict.UNKNOWN:
            if stale:
                return verdict, "its status page has not answered for a while", False
            if track.probes.evidence:
                return verdict, track.probes.evidence, False
            if track.official.unreadable:
                return verdict, f"its status could not be read: {track.official.unreadable}", False
            return verdict, track.official.evidence or "not checked yet", False
        if probe is verdict and probe.is_problem and probe.severity >= official.severity:
            return verdict, _also(track.probes.evidence, hint_note), False
        if official is verdict:
            note = " (last known; its status page is not answering)" if stale else ""
            return verdict, _also(track.official.evidence + note, hint_note), stale
        if heard is verdict and hint_note:
            track.hint_only = True
            return verdict, hint_note + self._probe_tail(track), False
        if heard is verdict and not track.probes.evidence:
            return verdict, track.hints.evidence, False
        return verdict, track.probes.evidence, False

    @staticmethod
    def _hint_words(track: _Track) -> str:
        leading = track.hints.leading
        return hint_words(leading) if leading is not None else ""

    @staticmethod
    def _probe_tail(track: _Track) -> str:
        """What the platform's own checks say next to a hint, so nobody mistakes it for an outage."""
        name = track.platform.name
        probes = track.probes
        if not track.platform.probes:
            return ""
        if probes.streak and not probes.verdict.is_problem:
            return f"; OutageTray's own checks of {name} fail too, not confirmed yet"
        if probes.verdict is Verdict.OPERATIONAL:
            return f"; {name}'s own pages still load"
        return ""

    def _apply(self, pending: list[tuple[_Track, Verdict, str]], at: datetime) -> list[Change]:
        # Group the alerts of this round by owner: one correlated event per owner.
        alerts: dict[str, list[tuple[_Track, Verdict, str]]] = {}
        quiet: list[tuple[_Track, Verdict, str]] = []
        for item in pending:
            track, verdict, _ = item
            if _is_news(self.ledger.announced(track.platform.id), verdict):
                # Two business products in trouble at once are two heads-ups, not one event.
                alone = f"|{track.platform.id}" if track.hint_only else ""
                alerts.setdefault(f"{track.platform.owner}|{told_of(verdict)}{alone}", []).append(item)
            else:
                quiet.append(item)
        changes: list[Change] = []
        for group in alerts.values():
            event = next(self._events)
            together = tuple(t.platform.id for t, _, _ in group) if len(group) > 1 else ()
            shared = _correlated_evidence(group, self._link_detail) if together else ""
            for track, verdict, evidence in group:
                changes.append(self._change(track, verdict, shared or evidence, at, True, event, together))
                told = told_of(verdict)
                assert told is not None  # news is never "unknown"
                self.ledger.announce(track.platform.id, told)
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
        if verdict.is_problem and not track.incident:
            track.incident = event  # this change opens the outage; later ones refer to it
        incident = track.incident
        began = track.since if verdict.is_problem else at
        last_bad = None
        if verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE):
            track.incident = 0  # fine again: this change closes it
            if old.is_problem and track.clean_since is not None and track.clean_since <= at:
                began = track.clean_since
            if incident:
                last_bad = track.last_bad
        return Change(
            at, track.platform, old, verdict, evidence, alert, event, together, incident, began, last_bad
        )

    def _status(self, track: _Track) -> PlatformStatus:
        if track.official.verdict.is_problem:
            affected = track.official.affected
        elif track.hints.verdict.is_problem:
            affected = track.hints.affected
        else:
            affected = ()
        intermittent = track.reported.is_problem and (
            (track.probes.intermittent and track.reported is track.probes.verdict)
            or (track.official.intermittent and track.reported is track.official.verdict)
        )
        return PlatformStatus(
            platform=track.platform,
            verdict=track.reported,
            since=track.since,
            evidence=track.evidence,
            stale=track.stale,
            affected=affected,
            official=track.results,
            probes=track.probes.results,
            intermittent=intermittent,
            incident=track.incident,
            last_known=track.known if track.offline else Verdict.UNKNOWN,
            last_known_at=track.known_at if track.offline and track.known is not Verdict.UNKNOWN else None,
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


def hint_words(result: SourceResult) -> str:
    """A hint's problem in plain words that say where it comes from and what it is about.

    E.g. "Meta Status reports major disruptions for Facebook Login". Shared with
    ``outagetray check`` so the one-shot check and the monitor say the same thing.
    """
    spec = result.spec
    reading = result.reading
    product = spec.label or _product_in(reading.affected) or _source_name(result)
    what = _HINT_WORDS.get(reading.verdict, reading.verdict.label)
    host = _source_name(result).lower()
    # Meta's orgs list is Meta Status by its format; a feed says so itself (rss_events credits
    # "Meta" only when the feed links to metastatus.com).
    meta = spec.type == "meta_orgs" or reading.summary.startswith("Meta reports")
    if meta or host == "metastatus.com" or host.endswith(".metastatus.com"):
        return f"Meta Status reports {what} for {product}"
    return f"The status page for {product} reports {what}"


def _product_in(affected: Sequence[str]) -> str:
    """The product a reading names first: "Facebook Login" from "Facebook Login › Access Tokens"."""
    return affected[0].split(" › ")[0].strip() if affected else ""


def _also(evidence: str, hint_note: str) -> str:
    return f"{evidence}; {hint_note}" if hint_note else evidence


def _has_official(platform: Platform) -> bool:
    return any(not spec.is_hint for spec in platform.sources)


def _has_hints(platform: Platform) -> bool:
    return any(spec.is_hint for spec in platform.sources)


def _host_failures(results: Sequence[ProbeResult]) -> dict[str, bool | None]:
    """Per probed host, whether it failed this round; None for a host that only refused."""
    hosts: dict[str, bool | None] = {}
    for result in results:
        host = _probe_host(result)
        if result.outcome == "unhealthy":
            hosts[host] = True
        elif result.outcome == "healthy":
            hosts[host] = hosts.get(host) or False
        else:
            hosts.setdefault(host, None)
    return hosts


def _waiting(passed: int, needed: int, config: JudgeConfig, how: str = "") -> str:
    """Why an on-and-off outage that passes again is not "back" yet, in checks and time.

    People do not know what a round is; they know how long they will wait.
    """
    now = "again" if passed == 1 else f"{passed} times in a row now"
    return (
        f"all checks pass{how} {now}; as it has been failing on and off, OutageTray waits for "
        f"{needed} good checks in a row (about {_duration(needed * config.interval)}) "
        "before calling it back"
    )


def _duration(seconds: float) -> str:
    """A wait as a person says it: "12 minutes", "24 seconds", "1 minute", "2 hours"."""
    for unit, size in (("hour", 3600.0), ("minute", 60.0)):
        if seconds >= size * 1.5 or (seconds >= size and seconds % size == 0):
            count = round(seconds / size)
            return f"{count} {unit}{'s' if count != 1 else ''}"
    count = max(1, round(seconds))
    return f"{count} second{'s' if count != 1 else ''}"


def _utc_clock(moment: datetime) -> str:
    """A moment inside evidence text: "16:02 UTC", whatever the computer's time zone.

    Evidence is one sentence that travels everywhere (window, notifications, the log,
    ``watch`` lines): rendered in the machine's zone it changed with TZ and could not be
    compared with the UTC log. The local time of the same moment is the UI's to show,
    from the status's ``since`` (UTC data).
    """
    utc = moment.astimezone(UTC)
    return f"{utc.hour:02d}:{utc.minute:02d} UTC"


def _seconds(value: float) -> str:
    """A duration as a person reads it: "2.5 s", "under 0.1 s"."""
    return "under 0.1 s" if value < 0.1 else f"{value:.1f} s"


def _probe_host(result: ProbeResult) -> str:
    target = result.spec.url
    if result.spec.type == "http_probe":
        target = urlsplit(target).hostname or target
    return target.lower()


def _is_news(announced: Told, new: Verdict) -> bool:
    """Worth telling someone: a known verdict that differs in meaning from the last news announced."""
    told = told_of(new)
    return told is not None and told is not announced


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
