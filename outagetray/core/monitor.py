"""The live monitor: polls every source and probe off the caller's thread, round after round.

What it promises:

- Work runs on daemon threads, so a request stuck in its timeout can never hold up
  ``stop()`` or the end of the process.
- Never two requests to the same host at once: all work for one host runs in order in
  one job, and a status URL shared by several platforms is fetched once per round. A
  host still busy with an earlier round's job is not asked again until that job ends.
- A round ends at its deadline (``round_deadline``), however slow one host is. What has
  not answered by then is "unknown (too slow)" for that item alone, never evidence of an
  outage, and every other verdict is reported on time.
- A round lasts about one timeout however many hosts hang at once: while work queues
  behind workers stuck on the network, the pool adds workers (up to a cap), and they
  retire once idle. There is no thread per source, and nothing wakes while idle.
- Rounds come every ``interval`` seconds with jitter, so many copies of OutageTray do not
  knock on a status page in the same second. Retry-After and conditional GET are handled
  by the one HTTP client.
- ``poke()`` asks for a fresh round now (the network changed, the user pressed "Check
  now"); after the computer wakes from sleep the first round's failures are not trusted.
  A sleep is noticed on its own: the wall clock jumps while the monotonic clock did not.
- A check that fails inside OutageTray (a bug, an address nothing foresaw) is logged with
  its traceback and makes that one item "unknown"; it never fails the round, because one
  mistyped source must not silence every other platform.
- Changes are reported through one callback, called on the monitor's own thread.
- Time comes from a clock object, so tests can run hours of polling in seconds. The round
  deadline alone is kept in real time (``time.monotonic``): it bounds real waiting on
  real sockets, which a test clock does not move.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol
from urllib.parse import urlsplit

from outagetray.core import connectivity
from outagetray.core.connectivity import Connectivity, ConnectivityReport, ControlResult
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.judge import Change, ConnectivityChange, Judge, JudgeConfig, PlatformStatus, Round
from outagetray.core.ledger import Ledger
from outagetray.core.model import Platform, SourceSpec, Verdict, worst_known
from outagetray.core.poller import SourceResult, poll_url
from outagetray.core.probes import DnsConfig, ProbeResult, run_probe
from outagetray.core.redact import mask_url
from outagetray.core.settings import ControlCheck
from outagetray.core.sources._common import unknown

log = logging.getLogger(__name__)

#: Workers free to work at once. More would only compete with the UI thread for the GIL
#: (8 gave UI stalls of 20-30 ms, 4 about 15 ms); workers stuck waiting on the network use
#: no CPU and do not count (see DaemonPool).
DEFAULT_WORKERS = 4
#: At most this many workers, stuck ones included: 28 hosts can hang before rounds slow down.
MAX_WORKERS = 32
#: A worker busy this long on one job is waiting on the network, not computing.
BUSY_GRACE = 0.5
#: An extra worker idle this long ends, so a quiet app keeps only DEFAULT_WORKERS threads.
RETIRE_AFTER = 30.0
#: Seconds a round may take. Just above the HTTP client's own whole-exchange deadline
#: (probes 10 s), so a host that answers slowly still gets its own verdict first.
ROUND_DEADLINE = 15.0
#: How often the monitor thread looks at a round in progress (it is awake anyway).
ROUND_TICK = 0.2
DEFAULT_JITTER = 0.1
#: A wall-clock jump this much bigger than the monotonic one means the computer slept.
SLEEP_GAP = 30.0
#: What an item reads when its check failed inside OutageTray; the traceback is in the log.
INTERNAL_ERROR = "OutageTray could not check this (an internal error; the details are in its log)"

Event = Change | ConnectivityChange
OnChange = Callable[[list[Event]], None]


@dataclass(frozen=True)
class RoundReport:
    """A snapshot after each round, safe to hand to another thread: nothing in it changes later."""

    at: datetime
    connectivity: ConnectivityReport
    statuses: tuple[PlatformStatus, ...]
    changes: tuple[Event, ...]

    @property
    def overall(self) -> Verdict:
        """The one verdict for everything watched, as the tray icon shows it (see ``overall``)."""
        return overall(self.connectivity, self.statuses)


def overall(link: ConnectivityReport, statuses: Sequence[PlatformStatus]) -> Verdict:
    """The worst known problem wins; unknown only when nothing is known or the user is offline.

    Decided here, not in the tray: one platform that cannot be checked right now (its
    status page is down, its probes were refused) says nothing about the others, so it
    must not turn a board of working platforms grey. While the user's own connection is
    down nothing can be known now, whatever was known before.
    """
    if link.state is not Connectivity.ONLINE:
        return Verdict.UNKNOWN
    return worst_known(s.verdict for s in statuses)


OnRound = Callable[[RoundReport], None]


class ProbeRunner(Protocol):
    """Runs one probe; ``deadline`` (time.monotonic()) is when the round needs its answer."""

    def __call__(self, spec: SourceSpec, dns: DnsConfig, *, deadline: float | None = None) -> ProbeResult: ...


class Clock(Protocol):
    """Where the monitor gets time from; tests pass a fake that never really sleeps."""

    def monotonic(self) -> float: ...
    def now(self) -> datetime: ...
    def wait(self, event: threading.Event, timeout: float) -> bool: ...


class SystemClock:
    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait(self, event: threading.Event, timeout: float) -> bool:
        return event.wait(max(0.0, timeout))


@dataclass(frozen=True)
class MonitorConfig:
    interval: float = 60.0
    controls: tuple[ControlCheck, ...] = ()
    dns: DnsConfig = field(default_factory=DnsConfig)
    confirm_rounds: int = 3
    recover_rounds: int = 2
    workers: int = DEFAULT_WORKERS
    jitter: float = DEFAULT_JITTER
    #: Seconds after which a round ends; anything still unanswered is "too slow" (unknown).
    round_deadline: float = ROUND_DEADLINE
    max_workers: int = MAX_WORKERS
    busy_grace: float = BUSY_GRACE

    def __post_init__(self) -> None:
        if not self.round_deadline > 0:
            raise ValueError("round_deadline must be a positive number of seconds")


class DaemonPool:
    """Daemon worker threads fed from a queue: ``workers`` always, more while those are stuck.

    ``concurrent.futures.ThreadPoolExecutor`` joins its workers when the interpreter
    exits, so one request hanging in a 10 s timeout would hold up quitting the app;
    these threads are daemons and simply vanish with the process.

    A fixed pool sums timeouts: with four workers, five hanging hosts take two timeouts,
    on the very day (one CDN down) when many hang at once. A worker busy on one job for
    ``busy_grace`` seconds is waiting on the network and uses no CPU, so while jobs queue
    behind such workers, ``grow()`` adds workers until ``workers`` of them are free again,
    up to ``max_workers``. Extra workers end after ``retire_after`` idle seconds. Only
    extra workers wait with a timeout: an idle pool of ``workers`` threads never wakes.
    ``grow()`` is called by whoever waits for the jobs (the monitor, during a round), so
    no supervisor thread is needed.
    """

    def __init__(
        self,
        workers: int,
        name: str = "outagetray-poll",
        *,
        max_workers: int = MAX_WORKERS,
        busy_grace: float = BUSY_GRACE,
        retire_after: float = RETIRE_AFTER,
    ) -> None:
        self.core = max(1, workers)
        self.max_workers = max(self.core, max_workers)
        self.busy_grace = busy_grace
        self.retire_after = retire_after
        self._name = name
        self._cond = threading.Condition()
        self._jobs: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        #: Every live worker, with the monotonic time it started its current job (None: idle).
        self._workers: dict[int, float | None] = {}
        self._serial = 0
        self._closed = False
        with self._cond:
            for _ in range(self.core):
                self._spawn()

    @property
    def size(self) -> int:
        """How many worker threads are alive now."""
        with self._cond:
            return len(self._workers)

    def submit(self, job: Callable[[], Any]) -> Future[Any]:
        """Queue ``job``; after ``shutdown()`` it is cancelled at once instead."""
        future: Future[Any] = Future()
        with self._cond:
            if not self._closed:
                self._jobs.append((future, job))
                self._cond.notify()
                return future
        future.cancel()
        return future

    def grow(self) -> float | None:
        """Add workers if jobs wait behind workers stuck on theirs.

        Returns the seconds until it is worth asking again (when the next busy worker
        would count as stuck), or None while no job waits.
        """
        now = time.monotonic()
        with self._cond:
            if self._closed or not self._jobs:
                return None
            started = [t for t in self._workers.values() if t is not None]
            stuck = sum(1 for t in started if now - t >= self.busy_grace)
            free = len(self._workers) - stuck
            wanted = min(len(self._jobs), self.core - free, self.max_workers - len(self._workers))
            for _ in range(wanted):
                self._spawn()
            fresh = [t + self.busy_grace - now for t in started if now - t < self.busy_grace]
            return min(fresh) if fresh else self.busy_grace

    def shutdown(self) -> None:
        """Take no more jobs and cancel queued ones; running jobs end on their own (daemons)."""
        with self._cond:
            self._closed = True
            queued = list(self._jobs)
            self._jobs.clear()
            self._cond.notify_all()
        for future, _ in queued:
            future.cancel()

    def _spawn(self) -> None:
        """Start one worker; the caller holds the lock."""
        self._serial += 1
        ident = self._serial
        self._workers[ident] = None
        thread = threading.Thread(target=self._work, args=(ident,), name=f"{self._name}-{ident}", daemon=True)
        thread.start()

    def _work(self, ident: int) -> None:
        while True:
            with self._cond:
                self._workers[ident] = None
                while not self._jobs and not self._closed:
                    extra = len(self._workers) > self.core
                    woken = self._cond.wait(self.retire_after if extra else None)
                    if not woken and not self._jobs and len(self._workers) > self.core:
                        del self._workers[ident]
                        return
                if self._closed:
                    del self._workers[ident]
                    return
                future, job = self._jobs.popleft()
                self._workers[ident] = time.monotonic()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)


@dataclass(frozen=True)
class _Job:
    """One item of a host's work in a round.

    ``run`` is handed the round's deadline (a ``time.monotonic()`` value) so the request
    can be bounded by it; ``late`` makes the item's result when it got no answer in time,
    from the reason in plain words and the seconds waited; ``failed`` makes it when ``run``
    raised, from the reason in plain words (unknown, ambiguous or offline: never an outage).
    """

    tag: str
    run: Callable[[float], Any]
    late: Callable[[str, float], Any]
    failed: Callable[[str], Any]


class Monitor:
    """Polls, judges and reports; see the module docstring for its promises."""

    def __init__(
        self,
        platforms: Sequence[Platform],
        config: MonitorConfig,
        on_change: OnChange,
        *,
        clock: Clock | None = None,
        client: HttpClient | None = None,
        rng: random.Random | None = None,
        probe: ProbeRunner = run_probe,
        on_round: OnRound | None = None,
        events: Iterator[int] | None = None,
        ledger: Ledger | None = None,
    ) -> None:
        self.platforms = list(platforms)
        self.config = config
        self.clock = clock or SystemClock()
        self.client = client or HttpClient(monotonic=self.clock.monotonic)
        self.judge = Judge(self.platforms, _judge_config(config), events=events, ledger=ledger)
        #: Settings waiting to be applied at the start of the next round (see reconfigure).
        self._pending: tuple[list[Platform], MonitorConfig] | None = None
        #: The pending settings change what is watched or when: they get a round at once.
        self._pending_urgent = False
        self._on_change = on_change
        self._on_round = on_round
        self._rng = rng or random.Random()
        self._probe = probe
        self._pool = DaemonPool(config.workers, max_workers=config.max_workers, busy_grace=config.busy_grace)
        #: Hosts whose job from an earlier round is still running: never asked twice at once.
        self._busy_hosts: dict[str, Future[Any]] = {}
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._resume = False
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        #: Probe hosts that asked us to wait (Retry-After), until a monotonic time.
        self._probe_not_before: dict[str, float] = {}
        self.rounds = 0
        self.last_round: RoundReport | None = None

    # -- control ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start polling on a background thread; the first round runs at once."""
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="outagetray-monitor", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 1.0) -> bool:
        """Stop polling; returns within ``timeout`` and reports nothing afterwards."""
        self._stop.set()
        self._wake.set()
        self._pool.shutdown()
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def reconfigure(self, platforms: Sequence[Platform], config: MonitorConfig) -> None:
        """Apply new settings between rounds, keeping everything learned; returns at once.

        Called from any thread (the UI thread after a save): it only hands the settings
        over. The monitor thread applies them before its next round, so a round in
        progress finishes with the settings it started with. The judge keeps the tracks of
        platforms still watched (confirmation streaks, speed baselines, "since", open
        incidents), the HTTP client keeps its Retry-After waits and cached answers, probe
        hosts that asked us to wait are still left alone, and event numbers go on. A new
        list of platforms, or any other change (a platform's status address, name or
        probes; the connection checks, name servers or interval), gets a round at once, so
        a fix shows now and not an interval later; the pool keeps its size.
        """
        urgent = list(platforms) != list(self.platforms) or config != self.config
        with self._lock:
            self._pending = (list(platforms), config)
            self._pending_urgent = self._pending_urgent or urgent
        if urgent:
            self._wake.set()

    def _apply_pending(self) -> None:
        """On the monitor thread, between rounds: take the settings ``reconfigure`` handed over."""
        with self._lock:
            pending, self._pending, self._pending_urgent = self._pending, None, False
        if pending is None:
            return
        platforms, config = pending
        self.platforms = platforms
        self.config = config
        self.judge.reconfigure(platforms, _judge_config(config))
        log.info("settings applied: %d platforms, a round every %.0f s", len(platforms), config.interval)

    def poke(self, resumed: bool = False) -> None:
        """Run a fresh round now; ``resumed`` after the computer woke from sleep."""
        with self._lock:
            self._resume = self._resume or resumed
        self._wake.set()

    def statuses(self) -> list[PlatformStatus]:
        return self.judge.statuses()

    # -- one round -------------------------------------------------------------------------

    def run_round(self, after_resume: bool = False) -> list[Event]:
        """Poll everything once, judge it, and return the changes (also used directly by tests)."""
        self._apply_pending()
        rnd = self.collect(after_resume)
        if rnd is None:
            return []
        changes = self.judge.observe(rnd)
        self.rounds += 1
        self.last_round = RoundReport(rnd.at, rnd.connectivity, tuple(self.judge.statuses()), tuple(changes))
        return changes

    def collect(self, after_resume: bool = False) -> Round | None:
        """Poll every control, source and probe once, without judging; None when stopped meanwhile.

        Returns by the round's deadline at the latest. An item without an answer by then is
        "too slow" (unknown, never an outage); the items of a host still busy with an earlier
        round wait for it rather than asking it twice at once.
        """
        started_at, started = self.clock.now(), self.clock.monotonic()
        limit = self.config.round_deadline
        deadline = time.monotonic() + limit
        results: dict[str, list[tuple[str, Any]]] = {}
        running: dict[str, tuple[Future[Any], list[tuple[str, Any]], list[_Job]]] = {}
        self._busy_hosts = {host: job for host, job in self._busy_hosts.items() if not job.done()}
        for host, work in self._plan().items():
            if host in self._busy_hosts:
                why = f"OutageTray is still waiting for {host} to answer the previous check"
                results[host] = [(job.tag, job.late(why, 0.0)) for job in work]
                continue
            done: list[tuple[str, Any]] = []
            running[host] = (self._pool.submit(_sequence(work, deadline, done)), done, work)
        pending = {future for future, _, _ in running.values()}
        while pending and not self._stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                break
            # This thread is awake during a round anyway: it minds the pool too.
            again = self._pool.grow()
            tick = min(ROUND_TICK, left, ROUND_TICK if again is None else max(again, 0.01))
            _, pending = wait_futures(pending, timeout=tick)
        if self._stop.is_set():
            for future, _, _ in running.values():
                future.cancel()
            return None
        slow: list[str] = []
        for host, (future, done, work) in running.items():
            # The future's state is decided first and ``done`` copied after it: copied first, a
            # job finishing in between would read "done" with answers missing from the copy,
            # and its host would be reported as never asked.
            broken: BaseException | None = None
            if future.done() and not future.cancelled():
                broken = future.exception()  # each job's own failure is caught in _sequence
                asking = False
            elif future.cancel():
                asking = False  # never started: the host was not asked at all
            else:
                asking = True
                self._busy_hosts[host] = future  # still at work: asked nothing until it ends
                # Nobody reads this future's result any more: a failure must still reach the log.
                future.add_done_callback(partial(_log_late_failure, host))
            got = list(done)  # what the worker finished in time; later answers are ignored
            rest = work[len(got) :]
            if broken is not None:
                log.error("the checks of %s failed inside OutageTray", host, exc_info=broken)
                results[host] = got + [(job.tag, job.failed(INTERNAL_ERROR)) for job in rest]
                continue
            if not rest:
                results[host] = got
                continue
            slow.append(host)
            within = _seconds(limit)
            if asking:
                first, rest = rest[0], rest[1:]
                got.append((first.tag, first.late(f"{host} did not answer within {within}", limit)))
            if got:
                why = f"not checked: {host} was still answering an earlier check after {within}"
            else:
                why = f"not checked: other sites were too slow to leave time for {host} within {within}"
            results[host] = got + [(job.tag, job.late(why, 0.0)) for job in rest]
        if slow:
            log.warning("round deadline of %s reached; too slow: %s", _seconds(limit), ", ".join(slow))
        return self._assemble(results, started_at, started, after_resume)

    def _plan(self) -> dict[str, list[_Job]]:
        """Group all work of a round by host, so each host is asked one thing at a time."""
        jobs: dict[str, list[_Job]] = {}

        def add(host: str, job: _Job) -> None:
            jobs.setdefault(host.lower(), []).append(job)

        for index, control in enumerate(self.config.controls):
            add(
                _host_of(control.url),
                _Job(
                    f"control:{index}",
                    partial(self._run_control, control),
                    partial(_late_control, control),
                    partial(_failed_control, control),
                ),
            )
        by_url: dict[str, list[SourceSpec]] = {}
        for platform in self.platforms:
            for spec in platform.sources:
                by_url.setdefault(spec.url, []).append(spec)
        for url, specs in by_url.items():
            add(
                _host_of(url),
                _Job(
                    f"url:{url}",
                    partial(self._run_source, url, specs),
                    partial(_late_source, url, specs),
                    partial(_failed_source, specs),
                ),
            )
        seen: set[tuple[str, str]] = set()
        for platform in self.platforms:
            for spec in platform.probes:
                if (spec.type, spec.url) in seen:
                    continue
                seen.add((spec.type, spec.url))
                host = spec.url if spec.type == "dns_probe" else _host_of(spec.url)
                wait = self._probe_not_before.get(host, 0.0) - self.clock.monotonic()
                run = partial(_waiting, spec, host, wait) if wait > 0 else partial(self._run_probe, spec)
                add(
                    host,
                    _Job(
                        f"probe:{spec.type}:{spec.url}",
                        run,
                        partial(_late_probe, spec),
                        partial(_failed_probe, spec),
                    ),
                )
        return jobs

    # Each kind of job's one call, handed the round's deadline (time.monotonic()), so the
    # exchange itself ends by then and a late answer never costs the worker more time.

    def _run_control(self, control: ControlCheck, deadline: float) -> ControlResult:
        return connectivity.check_control(self.client, control, deadline=self._on_client_clock(deadline))

    def _run_source(self, url: str, specs: list[SourceSpec], deadline: float) -> list[SourceResult]:
        return poll_url(self.client, url, specs, deadline=self._on_client_clock(deadline))

    def _run_probe(self, spec: SourceSpec, deadline: float) -> ProbeResult:
        return self._probe(spec, self.config.dns, deadline=deadline)

    def _on_client_clock(self, deadline: float) -> float:
        """The round's deadline on the HTTP client's own clock, which tests may move by hand."""
        return self.client.monotonic() + (deadline - time.monotonic())

    def _assemble(
        self, results: dict[str, list[Any]], at: datetime, mono: float, after_resume: bool
    ) -> Round:
        controls: list[ControlResult] = []
        by_url: dict[str, list[SourceResult]] = {}
        probes: dict[tuple[str, str], ProbeResult] = {}
        for outcome in results.values():
            for tag, value in outcome:
                if tag.startswith("control:"):
                    controls.append(value)
                elif tag.startswith("url:"):
                    by_url[tag[4:]] = value
                else:
                    probes[(value.spec.type, value.spec.url)] = value
                    if value.retry_after:
                        self._probe_not_before[_host_of(value.spec.url)] = mono + value.retry_after
        link: ConnectivityReport = connectivity.summarize(controls)
        official: dict[str, list[SourceResult]] = {}
        probe_results: dict[str, list[ProbeResult]] = {}
        for platform in self.platforms:
            official[platform.id] = [_pick(by_url.get(spec.url, []), spec) for spec in platform.sources]
            probe_results[platform.id] = [probes[(s.type, s.url)] for s in platform.probes]
        return Round(at, mono, link, official, probe_results, after_resume)

    # -- the loop --------------------------------------------------------------------------

    def _loop(self) -> None:
        last_wall, last_mono = self.clock.now().timestamp(), self.clock.monotonic()
        resumed = False
        while not self._stop.is_set():
            round_started = self.clock.monotonic()
            try:
                changes = self.run_round(after_resume=resumed)
            except Exception:  # a bug in one round must not end monitoring
                log.exception("a monitoring round failed")
                changes = []
            if self._stop.is_set():
                return
            if changes:
                try:
                    self._on_change(changes)
                except Exception:
                    log.exception("a change listener failed")
            if self._on_round is not None and self.last_round is not None:
                try:
                    self._on_round(self.last_round)
                except Exception:
                    log.exception("a round listener failed")
            delay = self.config.interval * (1 + self._rng.uniform(-self.config.jitter, self.config.jitter))
            remaining = delay - (self.clock.monotonic() - round_started)
            self._wake.clear()
            with self._lock:
                if self._pending_urgent:
                    self._wake.set()  # settings saved during the round: their wake-up was just cleared
            self.clock.wait(self._wake, remaining)
            wall, mono = self.clock.now().timestamp(), self.clock.monotonic()
            slept = (wall - last_wall) - (mono - last_mono) > SLEEP_GAP
            last_wall, last_mono = wall, mono
            with self._lock:
                resumed, self._resume = self._resume or slept, False


def _judge_config(config: MonitorConfig) -> JudgeConfig:
    return JudgeConfig(config.interval, config.confirm_rounds, config.recover_rounds)


def _sequence(work: list[_Job], deadline: float, done: list[tuple[str, Any]]) -> Callable[[], None]:
    """One host's work in order, each result appended to ``done`` as it comes.

    Nothing is started once the round's deadline has passed: the round has ended, and
    its answer would be ignored anyway. A job that raises is logged with its traceback
    (also when it ends after the round, when nobody reads its result) and its item reads
    "unknown"; the host's other items are still checked.
    """

    def run() -> None:
        for job in work:
            if time.monotonic() >= deadline:
                return
            try:
                value = job.run(deadline)
            except Exception:
                log.exception("checking %s failed inside OutageTray", mask_url(job.tag))
                value = job.failed(INTERNAL_ERROR)
            done.append((job.tag, value))

    return run


def _log_late_failure(host: str, future: Future[Any]) -> None:
    """Log how a job the round stopped waiting for ended, if it failed: nobody else will read it."""
    if future.cancelled():
        return
    failure = future.exception()
    if failure is not None:
        log.error("the checks of %s failed inside OutageTray after their round", host, exc_info=failure)


def _waiting(spec: SourceSpec, host: str, wait: float, deadline: float) -> ProbeResult:
    """The result of a probe we did not send because its host asked us to wait (no evidence)."""
    return ProbeResult(
        spec, "ambiguous", "backoff", f"{host} asked OutageTray to wait {wait:.0f} s more", 0.0
    )


def _late_control(control: ControlCheck, why: str, waited: float) -> ControlResult:
    """A control that did not answer in time has not shown that the connection works."""
    return ControlResult(control.url, Connectivity.OFFLINE, why, waited)


def _late_source(url: str, specs: list[SourceSpec], why: str, waited: float) -> list[SourceResult]:
    """A status page that did not answer in time could not be read: unknown, as on a timeout."""
    error = FetchError("timeout", why, url)
    return [SourceResult(spec, unknown(why), error=error) for spec in specs]


def _late_probe(spec: SourceSpec, why: str, waited: float) -> ProbeResult:
    """A probe without an answer in time is no evidence either way: ambiguous, never an outage."""
    return ProbeResult(spec, "ambiguous", "too_slow", why, waited)


def _failed_control(control: ControlCheck, why: str) -> ControlResult:
    """A control that could not be run has not shown that the connection works."""
    return ControlResult(control.url, Connectivity.OFFLINE, why)


def _failed_source(specs: list[SourceSpec], why: str) -> list[SourceResult]:
    """A status page we could not ask says nothing: unknown, like one we could not reach."""
    return [SourceResult(spec, unknown(why)) for spec in specs]


def _failed_probe(spec: SourceSpec, why: str) -> ProbeResult:
    """A probe that could not run is no evidence either way: ambiguous, never an outage."""
    return ProbeResult(spec, "ambiguous", "internal_error", why, 0.0)


def _seconds(value: float) -> str:
    """A limit as a person reads it: "15 s", "0.5 s"."""
    return f"{value:.0f} s" if value >= 10 or value == int(value) else f"{value:.1f} s"


def _pick(results: list[SourceResult], spec: SourceSpec) -> SourceResult:
    for result in results:
        if result.spec == spec:
            return result
    raise KeyError(spec.url)


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()
