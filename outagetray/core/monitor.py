"""The live monitor: polls every source and probe off the caller's thread, round after round.

What it promises:

- Work runs on a small pool of daemon threads, so a request stuck in its timeout can
  never hold up ``stop()`` or the end of the process.
- Never two requests to the same host at once: all work for one host runs in order in
  one job, and a status URL shared by several platforms is fetched once per round.
- Rounds come every ``interval`` seconds with jitter, so many copies of OutageTray do not
  knock on a status page in the same second. Retry-After and conditional GET are handled
  by the one HTTP client.
- ``poke()`` asks for a fresh round now (the network changed, the user pressed "Check
  now"); after the computer wakes from sleep the first round's failures are not trusted.
  A sleep is noticed on its own: the wall clock jumps while the monotonic clock did not.
- Changes are reported through one callback, called on the monitor's own thread.
- Time comes from a clock object, so tests can run hours of polling in seconds.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit

from outagetray.core import connectivity
from outagetray.core.connectivity import ConnectivityReport, ControlResult
from outagetray.core.http import HttpClient
from outagetray.core.judge import Change, ConnectivityChange, Judge, JudgeConfig, PlatformStatus, Round
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.poller import SourceResult, poll_url
from outagetray.core.probes import DnsConfig, ProbeResult, run_probe
from outagetray.core.settings import ControlCheck

log = logging.getLogger(__name__)

#: Enough to hide one source hanging in its timeout behind the others; more workers only
#: compete with the UI thread for the GIL (8 gave UI stalls of 20-30 ms, 4 about 15 ms).
DEFAULT_WORKERS = 4
DEFAULT_JITTER = 0.1
#: A wall-clock jump this much bigger than the monotonic one means the computer slept.
SLEEP_GAP = 30.0

Event = Change | ConnectivityChange
OnChange = Callable[[list[Event]], None]


@dataclass(frozen=True)
class RoundReport:
    """A snapshot after each round, safe to hand to another thread: nothing in it changes later."""

    at: datetime
    connectivity: ConnectivityReport
    statuses: tuple[PlatformStatus, ...]
    changes: tuple[Event, ...]


OnRound = Callable[[RoundReport], None]


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


class DaemonPool:
    """A fixed set of daemon worker threads fed from a queue.

    ``concurrent.futures.ThreadPoolExecutor`` joins its workers when the interpreter
    exits, so one request hanging in a 10 s timeout would hold up quitting the app;
    these threads are daemons and simply vanish with the process.
    """

    def __init__(self, workers: int, name: str = "outagetray-poll") -> None:
        self._jobs: queue.SimpleQueue[tuple[Future[Any], Callable[[], Any]] | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True) for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, job: Callable[[], Any]) -> Future[Any]:
        future: Future[Any] = Future()
        self._jobs.put((future, job))
        return future

    def shutdown(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)

    def _work(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            future, job = item
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(job())
            except BaseException as exc:  # noqa: BLE001 - handed to whoever waits on the future
                future.set_exception(exc)


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
        probe: Callable[[SourceSpec, DnsConfig], ProbeResult] = run_probe,
        on_round: OnRound | None = None,
    ) -> None:
        self.platforms = list(platforms)
        self.config = config
        self.clock = clock or SystemClock()
        self.client = client or HttpClient(monotonic=self.clock.monotonic)
        self.judge = Judge(
            self.platforms,
            JudgeConfig(config.interval, config.confirm_rounds, config.recover_rounds),
        )
        self._on_change = on_change
        self._on_round = on_round
        self._rng = rng or random.Random()
        self._probe = probe
        self._pool = DaemonPool(max(1, config.workers))
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
        rnd = self.collect(after_resume)
        if rnd is None:
            return []
        changes = self.judge.observe(rnd)
        self.rounds += 1
        self.last_round = RoundReport(rnd.at, rnd.connectivity, tuple(self.judge.statuses()), tuple(changes))
        return changes

    def collect(self, after_resume: bool = False) -> Round | None:
        """Poll every control, source and probe once, without judging; None when stopped meanwhile."""
        started_at, started = self.clock.now(), self.clock.monotonic()
        futures = {host: self._pool.submit(_sequence(work)) for host, work in self._plan().items()}
        pending = set(futures.values())
        while pending and not self._stop.is_set():
            _, pending = wait_futures(pending, timeout=0.2)
        if self._stop.is_set():
            return None
        results = {host: future.result() for host, future in futures.items()}
        return self._assemble(results, started_at, started, after_resume)

    def _plan(self) -> dict[str, list[tuple[str, Callable[[], Any]]]]:
        """Group all work of a round by host, so each host is asked one thing at a time."""
        jobs: dict[str, list[tuple[str, Callable[[], Any]]]] = {}

        def add(host: str, tag: str, job: Callable[[], Any]) -> None:
            jobs.setdefault(host.lower(), []).append((tag, job))

        for index, control in enumerate(self.config.controls):
            add(
                _host_of(control.url),
                f"control:{index}",
                _bind(connectivity.check_control, self.client, control),
            )
        by_url: dict[str, list[SourceSpec]] = {}
        for platform in self.platforms:
            for spec in platform.sources:
                by_url.setdefault(spec.url, []).append(spec)
        for url, specs in by_url.items():
            add(_host_of(url), f"url:{url}", _bind(poll_url, self.client, url, specs))
        seen: set[tuple[str, str]] = set()
        for platform in self.platforms:
            for spec in platform.probes:
                if (spec.type, spec.url) in seen:
                    continue
                seen.add((spec.type, spec.url))
                host = spec.url if spec.type == "dns_probe" else _host_of(spec.url)
                wait = self._probe_not_before.get(host, 0.0) - self.clock.monotonic()
                job = (
                    _bind(_waiting, spec, host, wait)
                    if wait > 0
                    else _bind(self._probe, spec, self.config.dns)
                )
                add(host, f"probe:{spec.type}:{spec.url}", job)
        return jobs

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
            self.clock.wait(self._wake, remaining)
            wall, mono = self.clock.now().timestamp(), self.clock.monotonic()
            slept = (wall - last_wall) - (mono - last_mono) > SLEEP_GAP
            last_wall, last_mono = wall, mono
            with self._lock:
                resumed, self._resume = self._resume or slept, False


def _sequence(work: list[tuple[str, Callable[[], Any]]]) -> Callable[[], list[tuple[str, Any]]]:
    def run() -> list[tuple[str, Any]]:
        return [(tag, job()) for tag, job in work]

    return run


def _bind(func: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    return lambda: func(*args)


def _waiting(spec: SourceSpec, host: str, wait: float) -> ProbeResult:
    """The result of a probe we did not send because its host asked us to wait (no evidence)."""
    return ProbeResult(
        spec, "ambiguous", "backoff", f"{host} asked OutageTray to wait {wait:.0f} s more", 0.0
    )


def _pick(results: list[SourceResult], spec: SourceSpec) -> SourceResult:
    for result in results:
        if result.spec == spec:
            return result
    raise KeyError(spec.url)


def _host_of(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()
