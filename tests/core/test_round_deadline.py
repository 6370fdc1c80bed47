"""A round has a deadline, and hanging hosts cost one timeout, not one each.

One stuck host once held every round (and every alert) for as long as it pleased, and
with four workers five hanging hosts took two timeouts. Here hosts hang on purpose: a
loopback socket that never answers, and injected probes that block. Short deadlines and
timeouts keep each test to a second or two.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from outagetray.core.connectivity import Connectivity
from outagetray.core.judge import Change
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.monitor import DaemonPool, Monitor, MonitorConfig
from outagetray.core.probes import DnsConfig, ProbeResult
from outagetray.core.settings import ControlCheck
from tests.support.controls import ControlServer
from tests.support.stuckhost import silent, stuck_host

MAJOR = {
    "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
    "status": {"indicator": "critical", "description": "Major System Outage"},
    "components": [{"id": "api", "name": "API", "status": "major_outage", "group": False}],
    "incidents": [],
    "scheduled_maintenances": [],
}

#: The round's deadline and the exchange's own (handed the same instant) race to end a late
#: answer; under load either may win, and each says so in plain words.
LATE = re.compile(r"^127\.0\.0\.2 (did not answer (within 0\.5 s|in time)|is answering too slowly.*)$")


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


@pytest.fixture
def stalled() -> Iterator[str]:
    """A host (127.0.0.2) that reads the request and then says nothing until the test ends."""
    with stuck_host(silent) as base:
        yield base


class SlowProbe:
    """An injected probe: healthy at once, except for URLs containing "hang", which block.

    It records the most calls ever running at once for each host, and every call made.
    """

    def __init__(self, hang: float = 30.0) -> None:
        self.hang = hang
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.now: dict[str, int] = {}
        self.most: dict[str, int] = {}
        self.calls: list[str] = []

    def __call__(self, spec: SourceSpec, dns: DnsConfig, deadline: float | None = None) -> ProbeResult:
        host = spec.url.split("/")[2]
        with self.lock:
            self.calls.append(spec.url)
            self.now[host] = self.now.get(host, 0) + 1
            self.most[host] = max(self.most.get(host, 0), self.now[host])
        try:
            if "hang" in spec.url:
                self.release.wait(self.hang)
            return ProbeResult(spec, "healthy", "ok", f"{host} answered", 0.01, status=200)
        finally:
            with self.lock:
                self.now[host] -= 1


def probe_platform(pid: str, *urls: str) -> Platform:
    return Platform(pid, pid.title(), f"{pid} Inc", probes=tuple(SourceSpec("http_probe", u) for u in urls))


def source_platform(pid: str, url: str) -> Platform:
    return Platform(pid, pid.title(), f"{pid} Inc", sources=(SourceSpec("statuspage", url),))


def test_a_round_ends_at_its_deadline_and_every_other_verdict_is_on_time(
    httpserver: HTTPServer, controls: ControlServer, stalled: str
) -> None:
    httpserver.expect_request("/discord.json").respond_with_data(
        json.dumps(MAJOR), content_type="application/json"
    )
    probe = SlowProbe()
    platforms = [
        source_platform("discord", httpserver.url_for("/discord.json")),
        source_platform("stuck", f"{stalled}/summary.json"),
        probe_platform("x", "http://x.example/", "http://hang.example/"),
    ]
    monitor = Monitor(
        platforms,
        MonitorConfig(controls=controls.controls, round_deadline=1.0),
        lambda changes: None,
        probe=probe,
    )
    try:
        started = time.monotonic()
        rnd = monitor.collect()
        took = time.monotonic() - started
    finally:
        probe.release.set()
        monitor.stop()
    assert rnd is not None
    assert 0.9 < took < 1.5
    assert rnd.connectivity.state is Connectivity.ONLINE
    (discord,) = rnd.official["discord"]
    assert discord.reading.verdict is Verdict.MAJOR_OUTAGE
    (stuck,) = rnd.official["stuck"]
    assert stuck.reading.verdict is Verdict.UNKNOWN
    assert stuck.reading.detail == "127.0.0.2 did not answer within 1 s"
    assert stuck.error is not None and stuck.error.kind == "timeout"
    fine, hanging = rnd.probes["x"]
    assert (fine.outcome, fine.kind) == ("healthy", "ok")
    assert (hanging.outcome, hanging.kind) == ("ambiguous", "too_slow")
    assert hanging.detail == "hang.example did not answer within 1 s"


def test_a_late_probe_is_never_evidence_of_an_outage(controls: ControlServer) -> None:
    probe = SlowProbe()
    changes: list[Any] = []
    monitor = Monitor(
        [probe_platform("x", "http://hang.example/")],
        MonitorConfig(controls=controls.controls, round_deadline=0.3),
        changes.extend,
        probe=probe,
    )
    try:
        for _ in range(5):
            changes.extend(monitor.run_round())
        assert monitor.last_round is not None
        (status,) = monitor.statuses()
    finally:
        probe.release.set()
        monitor.stop()
    assert status.verdict is Verdict.UNKNOWN
    assert not [c for c in changes if isinstance(c, Change) and c.new.is_problem]
    assert not [c for c in changes if isinstance(c, Change) and c.alert]


def test_a_host_still_busy_is_not_asked_again_until_its_job_ends(controls: ControlServer) -> None:
    probe = SlowProbe(hang=1.0)
    monitor = Monitor(
        [probe_platform("x", "http://hang.example/a"), probe_platform("y", "http://y.example/")],
        MonitorConfig(controls=controls.controls, round_deadline=0.3),
        lambda changes: None,
        probe=probe,
    )
    try:
        first = monitor.collect()
        second = monitor.collect()  # the first round's probe of hang.example is still running
        assert first is not None and second is not None
        assert first.probes["x"][0].detail == "hang.example did not answer within 0.3 s"
        late = second.probes["x"][0]
        assert (late.outcome, late.kind) == ("ambiguous", "too_slow")
        assert late.detail == "OutageTray is still waiting for hang.example to answer the previous check"
        assert second.probes["y"][0].outcome == "healthy"  # other hosts are asked as usual
        assert probe.calls.count("http://hang.example/a") == 1
        time.sleep(1.0)  # the first probe has ended by now
        third = monitor.collect()
        assert third is not None and third.probes["x"][0].kind == "too_slow"
        assert probe.calls.count("http://hang.example/a") == 2
    finally:
        probe.release.set()
        monitor.stop()
    assert probe.most == {"hang.example": 1, "y.example": 1}


def test_a_host_job_not_started_by_the_deadline_is_never_started(
    httpserver: HTTPServer, stalled: str
) -> None:
    """A status source that stalls, and a probe of the same host queued behind it."""
    port = stalled.rsplit(":", 1)[1]
    assert stalled.startswith("http://127.0.0.2:")
    probe = SlowProbe()
    platform = Platform(
        "stuck",
        "Stuck",
        "Stuck Inc",
        sources=(SourceSpec("statuspage", f"{stalled}/summary.json"),),
        probes=(SourceSpec("http_probe", f"http://127.0.0.2:{port}/front"),),
    )
    monitor = Monitor([platform], MonitorConfig(round_deadline=0.5), lambda changes: None, probe=probe)
    try:
        rnd = monitor.collect()
    finally:
        monitor.stop()
    assert rnd is not None
    (source,) = rnd.official["stuck"]
    assert LATE.match(source.reading.detail), source.reading.detail
    (skipped,) = rnd.probes["stuck"]
    assert (skipped.outcome, skipped.kind) == ("ambiguous", "too_slow")
    assert skipped.detail == "not checked: 127.0.0.2 was still answering an earlier check after 0.5 s"
    assert probe.calls == []


def test_a_control_that_does_not_answer_in_time_counts_as_not_answering(
    httpserver: HTTPServer, controls: ControlServer, stalled: str
) -> None:
    httpserver.expect_request("/discord.json").respond_with_data(
        json.dumps(MAJOR), content_type="application/json"
    )
    platforms = [source_platform("discord", httpserver.url_for("/discord.json"))]
    stuck_control = ControlCheck(f"{stalled}/generate_204", expect_status=204)

    one_slow = Monitor(
        platforms,
        MonitorConfig(controls=(*controls.controls, stuck_control), round_deadline=0.5),
        lambda changes: None,
    )
    all_slow = Monitor(
        platforms, MonitorConfig(controls=(stuck_control,), round_deadline=0.5), lambda c: None
    )
    try:
        mixed, dark = one_slow.collect(), all_slow.collect()
    finally:
        one_slow.stop()
        all_slow.stop()
    assert mixed is not None and dark is not None
    assert (mixed.connectivity.state, mixed.connectivity.detail) == (
        Connectivity.ONLINE,
        f"{len(controls.controls)} of {len(controls.controls) + 1} connection checks passed",
    )
    assert mixed.official["discord"][0].reading.verdict is Verdict.MAJOR_OUTAGE
    assert dark.connectivity.state is Connectivity.OFFLINE
    assert dark.connectivity.detail == "127.0.0.2's check did not answer"
    assert LATE.match(dark.connectivity.controls[0].detail), dark.connectivity.controls[0].detail


def test_five_hanging_hosts_take_about_one_timeout_not_two() -> None:
    """Four workers, five hosts hanging for 1 s and ten quick ones: about 1 s, not 2."""
    probe = SlowProbe(hang=1.0)
    platforms = [probe_platform(f"h{i}", f"http://hang{i}.example/") for i in range(5)]
    platforms += [probe_platform(f"q{i}", f"http://q{i}.example/") for i in range(10)]
    monitor = Monitor(platforms, MonitorConfig(workers=4, busy_grace=0.25), lambda changes: None, probe=probe)
    try:
        started = time.monotonic()
        rnd = monitor.collect()
        took = time.monotonic() - started
    finally:
        monitor.stop()
    assert rnd is not None
    assert {r.outcome for results in rnd.probes.values() for r in results} == {"healthy"}
    assert took < 1.6
    assert max(probe.most.values()) == 1


def blocked(release: threading.Event) -> None:
    release.wait(10)


def grown_to(pool: DaemonPool, size: int, within: float = 2.0) -> int:
    """Ask the pool to grow until it has ``size`` workers or ``within`` seconds pass."""
    deadline = time.monotonic() + within
    while pool.size < size and time.monotonic() < deadline:
        pool.grow()
        time.sleep(0.02)
    return pool.size


def test_extra_workers_are_added_only_while_workers_are_stuck_and_retire_when_idle() -> None:
    pool = DaemonPool(2, max_workers=5, busy_grace=0.05, retire_after=0.3)
    release = threading.Event()
    try:
        assert pool.grow() is None and pool.size == 2  # nothing queued: nothing to add
        futures = [pool.submit(lambda: blocked(release)) for _ in range(8)]
        assert grown_to(pool, 5) == 5  # both workers stuck and jobs waiting: more, up to the cap
        time.sleep(0.2)
        pool.grow()
        assert pool.size == 5
        release.set()
        for future in futures:
            future.result(timeout=2)
        assert pool.size == 5  # not at once: a round may come and need them
        deadline = time.monotonic() + 3
        while pool.size > 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.size == 2
    finally:
        release.set()
        pool.shutdown()


def test_a_host_the_pool_never_reached_is_not_asked_after_the_round() -> None:
    probe = SlowProbe(hang=1.0)
    platforms = [probe_platform("a", "http://hang-a.example/"), probe_platform("b", "http://b.example/")]
    config = MonitorConfig(workers=1, max_workers=1, round_deadline=0.4)
    monitor = Monitor(platforms, config, lambda changes: None, probe=probe)
    try:
        rnd = monitor.collect()
        assert rnd is not None
        (unreached,) = rnd.probes["b"]
        assert (unreached.outcome, unreached.kind) == ("ambiguous", "too_slow")
        assert (
            unreached.detail
            == "not checked: other sites were too slow to leave time for b.example within 0.4 s"
        )
        time.sleep(0.8)  # the worker is free again: the cancelled job must not run now
        assert probe.calls == ["http://hang-a.example/"]
    finally:
        probe.release.set()
        monitor.stop()


def test_quick_jobs_add_no_workers() -> None:
    pool = DaemonPool(4, busy_grace=0.5)
    try:
        futures = [pool.submit(lambda: time.sleep(0.01)) for _ in range(40)]
        while not all(f.done() for f in futures):
            pool.grow()
            time.sleep(0.01)
        assert pool.size == 4
    finally:
        pool.shutdown()


def voluntary_switches(native_ids: list[int]) -> int:
    total = 0
    for tid in native_ids:
        for line in Path(f"/proc/self/task/{tid}/status").read_text().splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                total += int(line.split()[1])
    return total


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="counts wake-ups from Linux's /proc")
def test_an_idle_pool_never_wakes_up() -> None:
    pool = DaemonPool(4, name="idle-test-pool")
    try:
        for future in [pool.submit(lambda: None) for _ in range(8)]:
            future.result(timeout=2)
        time.sleep(0.1)
        ids = [t.native_id for t in threading.enumerate() if t.name.startswith("idle-test-pool-")]
        assert len(ids) == 4 and all(ids)
        before = voluntary_switches([i for i in ids if i is not None])
        time.sleep(1.0)
        assert voluntary_switches([i for i in ids if i is not None]) == before
    finally:
        pool.shutdown()


def test_stop_is_quick_while_extra_workers_are_stuck(controls: ControlServer) -> None:
    probe = SlowProbe()
    platforms = [probe_platform(f"h{i}", f"http://hang{i}.example/") for i in range(6)]
    monitor = Monitor(
        platforms,
        MonitorConfig(controls=controls.controls, busy_grace=0.1),
        lambda changes: None,
        probe=probe,
    )
    monitor.start()
    try:
        time.sleep(0.6)  # six probes hang: the pool has grown past its four workers
        assert monitor._pool.size > 4
        started = time.monotonic()
        assert monitor.stop(timeout=1.0)
        assert time.monotonic() - started < 1.0
    finally:
        probe.release.set()
