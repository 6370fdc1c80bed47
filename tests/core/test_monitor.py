"""The live monitor against real peers on loopback: DNS, status pages, probes and controls.

Each scenario drives rounds one at a time (``run_round``) while the servers change
their answers, so the confirmation rules can be checked round by round; the threaded
loop itself (start, poke, stop, sleep detection) is checked with an injected clock.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.connectivity import Connectivity
from outagetray.core.judge import Change, ConnectivityChange
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.monitor import Event, Monitor, MonitorConfig
from tests.support import rawserver
from tests.support.controls import ControlServer
from tests.support.dnsserver import LoopbackDns

META = ("facebook", "instagram", "whatsapp")
NAMES = {"facebook": "Facebook", "instagram": "Instagram", "whatsapp": "WhatsApp"}


@pytest.fixture
def dns() -> Iterator[LoopbackDns]:
    with LoopbackDns() as server:
        yield server


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def summary(indicator: str, component_status: str) -> dict[str, Any]:
    return {
        "page": {"id": "srhpyqt94yxb", "name": "Discord", "url": "https://discordstatus.com"},
        "status": {"indicator": indicator, "description": indicator},
        "components": [{"id": "api", "name": "API", "status": component_status, "group": False}],
        "incidents": [],
        "scheduled_maintenances": [],
    }


def meta_platforms(dns: LoopbackDns, httpserver: HTTPServer) -> list[Platform]:
    """The three Meta apps, probed as in the catalog: their names via DNS, their front page via HTTP."""
    platforms = []
    for pid in META:
        dns.answer(f"{pid}.com", "157.240.1.35", aaaa="2a03:2880:f10c:83:face:b00c:0:25de")
        dns.answer(f"www.{pid}.com", "127.0.0.1")  # the front page is our loopback server
        probes = (
            SourceSpec("dns_probe", f"{pid}.com"),
            SourceSpec("http_probe", f"http://www.{pid}.com:{httpserver.port}/{pid}/"),
        )
        platforms.append(Platform(pid, NAMES[pid], "Meta", probes=probes))
        httpserver.expect_request(f"/{pid}/").respond_with_data(
            "", status=302, headers={"Location": "/login"}
        )
    return platforms


def monitor_for(
    platforms: list[Platform], controls: ControlServer, dns: LoopbackDns | None = None, **kw: Any
) -> Monitor:
    config = MonitorConfig(
        interval=60,
        controls=controls.controls,
        dns=dns.config(timeout=0.5) if dns else MonitorConfig().dns,
        **kw,
    )
    return Monitor(platforms, config, lambda changes: None)


def alerts(changes: list[Event]) -> list[Change]:
    return [c for c in changes if isinstance(c, Change) and c.alert]


def test_meta_dns_loss_is_one_correlated_event_after_exactly_three_rounds(
    dns: LoopbackDns, httpserver: HTTPServer, controls: ControlServer
) -> None:
    monitor = monitor_for(meta_platforms(dns, httpserver), controls, dns)
    first = monitor.run_round()
    assert {(c.platform.id, c.new) for c in first if isinstance(c, Change)} == {
        (pid, Verdict.OPERATIONAL) for pid in META
    }
    assert alerts(first) == []

    # 2021-10-04 15:39 UTC: Meta's authoritative DNS vanishes; resolvers answer SERVFAIL.
    for pid in META:
        dns.servfail(f"{pid}.com")
        dns.servfail(f"www.{pid}.com")
    assert monitor.run_round() == []
    assert monitor.run_round() == []
    third = monitor.run_round()
    assert [(c.platform.id, c.new) for c in third] == [(pid, Verdict.MAJOR_OUTAGE) for pid in META]
    assert len(alerts(third)) == 3 and len({c.event for c in third}) == 1
    assert third[0].together == META
    assert third[0].evidence.startswith("Facebook, Instagram and WhatsApp (all Meta) are down together")
    assert "SERVFAIL" in third[0].evidence
    assert third[0].evidence.endswith("your connection is fine")

    # DNS comes back (21:05 UTC): recovered after two clean rounds, again as one event.
    for pid in META:
        dns.answer(f"{pid}.com", "157.240.1.35")
        dns.answer(f"www.{pid}.com", "127.0.0.1")
    assert monitor.run_round() == []
    back = monitor.run_round()
    assert [(c.platform.id, c.new, c.alert) for c in back] == [
        (pid, Verdict.OPERATIONAL, True) for pid in META
    ]
    assert len({c.event for c in back}) == 1


def test_connection_dropping_during_an_outage_gives_no_platform_alert(
    dns: LoopbackDns, httpserver: HTTPServer, controls: ControlServer
) -> None:
    monitor = monitor_for(meta_platforms(dns, httpserver), controls, dns)
    monitor.run_round()
    for pid in META:
        dns.servfail(f"{pid}.com")
        dns.servfail(f"www.{pid}.com")
    changes = [c for _ in range(3) for c in monitor.run_round()]
    assert len(alerts(changes)) == 3  # the outage itself, once

    controls.mode = "down"  # the user's Wi-Fi drops
    dark = monitor.run_round()
    link = [c for c in dark if isinstance(c, ConnectivityChange)]
    assert [(c.old, c.new) for c in link] == [(Connectivity.ONLINE, Connectivity.OFFLINE)]
    assert {c.new for c in dark if isinstance(c, Change)} == {Verdict.UNKNOWN}
    assert alerts(dark) == []
    quiet = [c for _ in range(4) for c in monitor.run_round()]
    assert quiet == []

    controls.mode = "ok"  # back online, Meta still down: the same outage continues
    back = monitor.run_round()
    assert {(c.new, c.alert) for c in back if isinstance(c, Change)} == {(Verdict.MAJOR_OUTAGE, False)}
    assert [c.new for c in back if isinstance(c, ConnectivityChange)] == [Connectivity.ONLINE]


def test_connection_dropping_with_everything_failing_never_alerts(
    dns: LoopbackDns, httpserver: HTTPServer, controls: ControlServer
) -> None:
    monitor = monitor_for(meta_platforms(dns, httpserver), controls, dns)
    monitor.run_round()
    controls.mode = "down"
    for pid in META:  # the resolver is unreachable too, as when the link is gone
        dns.drop(f"{pid}.com")
        dns.drop(f"www.{pid}.com")
    changes = [c for _ in range(6) for c in monitor.run_round()]
    assert alerts(changes) == []
    assert {s.verdict for s in monitor.statuses()} == {Verdict.UNKNOWN}


def test_captive_portal_is_reported_and_nothing_goes_down(
    dns: LoopbackDns, httpserver: HTTPServer, controls: ControlServer
) -> None:
    monitor = monitor_for(meta_platforms(dns, httpserver), controls, dns)
    monitor.run_round()
    controls.mode = "portal"
    changes = [c for _ in range(5) for c in monitor.run_round()]
    link = [c for c in changes if isinstance(c, ConnectivityChange)]
    assert [c.new for c in link] == [Connectivity.CAPTIVE_PORTAL]
    assert "login.hotel.example" in link[0].detail
    assert alerts(changes) == []


def test_a_429_storm_does_not_flip_a_platform(httpserver: HTTPServer, controls: ControlServer) -> None:
    httpserver.expect_request("/api/").respond_with_data("{}", status=404, content_type="application/json")
    httpserver.expect_request("/s.json").respond_with_json(summary("none", "operational"))
    x = Platform(
        "x", "X", "X Corp", probes=(SourceSpec("http_probe", f"http://127.0.0.1:{httpserver.port}/api/"),)
    )
    discord = Platform(
        "discord", "Discord", "Discord", sources=(SourceSpec("statuspage", httpserver.url_for("/s.json")),)
    )
    monitor = monitor_for([x, discord], controls)
    start = monitor.run_round()
    assert {(c.platform.id, c.new) for c in start if isinstance(c, Change)} == {
        ("x", Verdict.OPERATIONAL),
        ("discord", Verdict.OPERATIONAL),
    }
    httpserver.clear()
    httpserver.expect_request("/api/").respond_with_data(
        "Rate limit exceeded", status=429, headers={"Retry-After": "60"}
    )
    httpserver.expect_request("/s.json").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "60"}
    )
    storm = [c for _ in range(8) for c in monitor.run_round()]
    assert storm == []
    # Both hosts asked us to wait 60 s: neither is asked again during the storm.
    assert [r.path for r, _ in httpserver.log].count("/api/") == 1
    assert [r.path for r, _ in httpserver.log].count("/s.json") == 1
    assert {s.platform.id: s.verdict for s in monitor.statuses()} == {
        "x": Verdict.OPERATIONAL,
        "discord": Verdict.OPERATIONAL,
    }


def test_a_flapping_status_page_is_announced_once(httpserver: HTTPServer, controls: ControlServer) -> None:
    flips = {"n": 0}

    def flapping(request: Request) -> Response:
        flips["n"] += 1
        body = (
            summary("minor", "degraded_performance")
            if flips["n"] % 2 == 0
            else summary("none", "operational")
        )
        return Response(__import__("json").dumps(body), content_type="application/json")

    httpserver.expect_request("/s.json").respond_with_handler(flapping)
    discord = Platform(
        "discord", "Discord", "Discord", sources=(SourceSpec("statuspage", httpserver.url_for("/s.json")),)
    )
    monitor = monitor_for([discord], controls)
    changes = [c for _ in range(12) for c in monitor.run_round()]
    assert [(c.old, c.new) for c in alerts(changes)] == [(Verdict.OPERATIONAL, Verdict.DEGRADED)]
    assert flips["n"] == 12


def test_never_two_requests_to_one_host_at_once(httpserver: HTTPServer, controls: ControlServer) -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}

    def slow(request: Request) -> Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return Response(
            __import__("json").dumps(summary("none", "operational")), content_type="application/json"
        )

    httpserver.expect_request("/").respond_with_handler(slow)
    platforms = [
        Platform(
            f"p{i}",
            f"P{i}",
            f"Owner {i}",
            sources=(SourceSpec("statuspage", httpserver.url_for(f"/?p={i}")),),
        )
        for i in range(6)
    ]
    monitor = monitor_for(platforms, controls)
    monitor.run_round()
    assert state["max"] == 1
    assert len(httpserver.log) == 6


def test_a_shared_status_url_is_fetched_once_per_round(
    httpserver: HTTPServer, controls: ControlServer
) -> None:
    httpserver.expect_request("/s.json").respond_with_json(summary("none", "operational"))
    spec = SourceSpec("statuspage", httpserver.url_for("/s.json"))
    platforms = [Platform("a", "A", "Same", sources=(spec,)), Platform("b", "B", "Same", sources=(spec,))]
    monitor_for(platforms, controls).run_round()
    assert len(httpserver.log) == 1


class FakeClock:
    """Time that moves only when the monitor waits; ``sleep_gap`` makes the wall clock jump once."""

    def __init__(self) -> None:
        self.mono = 1000.0
        self.wall = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)
        self.sleep_gap = 0.0
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.mono

    def now(self) -> datetime:
        with self.lock:
            return self.wall

    def wait(self, event: threading.Event, timeout: float) -> bool:
        if event.is_set():
            return True
        with self.lock:
            self.mono += max(0.0, timeout)
            self.wall += timedelta(seconds=max(0.0, timeout) + self.sleep_gap)
            self.sleep_gap = 0.0
        return event.wait(0.001)


def test_hours_of_polling_run_in_seconds_with_an_injected_clock(
    httpserver: HTTPServer, controls: ControlServer
) -> None:
    httpserver.expect_request("/s.json").respond_with_json(summary("none", "operational"))
    discord = Platform(
        "discord", "Discord", "Discord", sources=(SourceSpec("statuspage", httpserver.url_for("/s.json")),)
    )
    clock = FakeClock()
    seen: list[Event] = []
    monitor = Monitor(
        [discord], MonitorConfig(interval=60, controls=controls.controls), seen.extend, clock=clock
    )
    started = time.monotonic()
    monitor.start()
    while monitor.rounds < 120 and time.monotonic() - started < 30:
        time.sleep(0.01)
    assert monitor.stop()
    assert monitor.rounds >= 120
    hours = (clock.monotonic() - 1000.0) / 3600
    assert 1.7 < hours < 2.4  # 120 rounds of 60 s ± 10 % jitter
    assert [type(c).__name__ for c in seen[:2]] == ["ConnectivityChange", "Change"]


def test_stop_returns_within_a_second_even_with_a_request_hanging() -> None:
    with rawserver.raw_server(rawserver.never_answers) as base, ControlServer() as controls:
        hanging = Platform("h", "Hanging", "H", sources=(SourceSpec("statuspage", base + "/s.json"),))
        monitor = Monitor([hanging], MonitorConfig(interval=60, controls=controls.controls), lambda c: None)
        monitor.start()
        time.sleep(0.3)  # the first round is now waiting on the hanging server
        started = time.monotonic()
        assert monitor.stop(timeout=1.0)
        assert time.monotonic() - started < 1.0


def test_poke_runs_a_fresh_round_now(httpserver: HTTPServer, controls: ControlServer) -> None:
    httpserver.expect_request("/s.json").respond_with_json(summary("none", "operational"))
    discord = Platform(
        "discord", "Discord", "Discord", sources=(SourceSpec("statuspage", httpserver.url_for("/s.json")),)
    )
    monitor = Monitor([discord], MonitorConfig(interval=3600, controls=controls.controls), lambda c: None)
    monitor.start()
    try:
        deadline = time.monotonic() + 5
        while monitor.rounds < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        monitor.poke()
        while monitor.rounds < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert monitor.rounds == 2
    finally:
        monitor.stop()


def test_waking_from_sleep_is_noticed_and_its_first_failures_not_trusted(
    httpserver: HTTPServer, controls: ControlServer
) -> None:
    httpserver.expect_request("/s.json").respond_with_json(summary("none", "operational"))
    discord = Platform(
        "discord", "Discord", "Discord", sources=(SourceSpec("statuspage", httpserver.url_for("/s.json")),)
    )
    clock = FakeClock()
    flags: list[bool] = []

    class Spy(Monitor):
        def run_round(self, after_resume: bool = False) -> list[Event]:
            flags.append(after_resume)
            if len(flags) == 2:
                clock.sleep_gap = 3600.0  # the lid closes for an hour before round 3
            return super().run_round(after_resume)

    monitor = Spy(
        [discord], MonitorConfig(interval=60, controls=controls.controls), lambda c: None, clock=clock
    )
    monitor.start()
    deadline = time.monotonic() + 10
    while len(flags) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    monitor.stop()
    assert flags[:5] == [False, False, True, False, False]


def test_a_front_page_that_turns_slow_is_degraded_after_three_rounds(
    httpserver: HTTPServer, controls: ControlServer
) -> None:
    """Slowness measured for real: the loopback front page starts taking 2 s to answer."""
    delay = {"seconds": 0.0}

    def front_page(request: Request) -> Response:
        time.sleep(delay["seconds"])
        return Response("", status=302, headers={"Location": "/login"})

    httpserver.expect_request("/threads/").respond_with_handler(front_page)
    probes = (SourceSpec("http_probe", f"http://127.0.0.1:{httpserver.port}/threads/"),)
    monitor = monitor_for([Platform("threads", "Threads", "Meta", probes=probes)], controls)
    for _ in range(6):
        assert alerts(monitor.run_round()) == []
    delay["seconds"] = 2.0
    assert monitor.run_round() == []
    assert monitor.run_round() == []
    (change,) = monitor.run_round()
    assert isinstance(change, Change)
    assert (change.new, change.alert) == (Verdict.DEGRADED, True)
    expected = r"checks take 2\.\d s, usually (under 0\.1|0\.\d) s, since \d\d:\d\d UTC$"
    assert re.match(expected, change.evidence)
    delay["seconds"] = 0.0
    assert monitor.run_round() == []
    (back,) = monitor.run_round()
    assert isinstance(back, Change) and back.new is Verdict.OPERATIONAL
