"""Famous outages replayed against the real monitor, on loopback (issue 13, "Done when").

- 2019-03-13: Meta's apps failed on and off for hours. Half of all requests to three Meta
  platforms fail at random (502/503) for 40 rounds, then all succeed: each platform gets
  one "down" and one "back", the "back" within 20 rounds of the end.
- 2024-03-05: Meta Status showed "major disruptions" for Facebook Login and trouble for the
  WhatsApp Business API, while the public pages of both apps loaded: Facebook gets a
  "degraded" heads-up from the Facebook Login hint, WhatsApp is never reported down.

Everything runs for real (DNS on a loopback server, HTTP probes, status pages, the user's
connection checks); only time is injected, so 60 rounds of one minute take seconds.
"""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.alerts import AlertPolicy, Notification
from outagetray.core.catalog import builtin_platforms
from outagetray.core.check import run_check
from outagetray.core.http import HttpClient
from outagetray.core.judge import Change, PlatformStatus
from outagetray.core.model import Platform, SourceSpec, Verdict
from outagetray.core.monitor import Event, Monitor, MonitorConfig
from outagetray.core.settings import Notifications
from tests.core.test_flapping import downs_and_backs
from tests.support.controls import ControlServer
from tests.support.dnsserver import LoopbackDns

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
OUTAGES = (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)
MINUTE = 60.0


class StepClock:
    """Time that moves one round at a time, when the test says so."""

    def __init__(self, start: datetime) -> None:
        self.mono = 1000.0
        self.wall = start

    def monotonic(self) -> float:
        return self.mono

    def now(self) -> datetime:
        return self.wall

    def wait(self, event: threading.Event, timeout: float) -> bool:
        raise AssertionError("the replays drive run_round() themselves")

    def step(self) -> None:
        self.mono += MINUTE
        self.wall += timedelta(seconds=MINUTE)


@pytest.fixture
def dns() -> Iterator[LoopbackDns]:
    with LoopbackDns() as server:
        yield server


@pytest.fixture
def controls() -> Iterator[ControlServer]:
    with ControlServer() as server:
        yield server


def outage_alerts(changes: list[Event], pid: str) -> tuple[list[Change], list[Change]]:
    """One platform's alerts a person perceives as "down" and as "back" (see downs_and_backs)."""
    return downs_and_backs([c for c in changes if isinstance(c, Change) and c.alert and c.platform.id == pid])


def notifications(changes: list[Event]) -> list[tuple[datetime, Notification]]:
    """What a person sees: the real alert policy, its cool-down off so that it hides nothing."""
    policy = AlertPolicy(Notifications(cooldown_minutes=0), UTC)
    rounds: dict[datetime, list[Event]] = {}
    for change in changes:
        rounds.setdefault(change.at, []).append(change)
    return [(at, n) for at, events in rounds.items() for n in policy.decide(events, at)]


# -- 2019-03-13: half of all requests fail, on and off -------------------------------------------

APPS = {"facebook": "Facebook", "instagram": "Instagram", "messenger": "Messenger"}
HOSTS = ("www", "m", "graph")  # three hosts per platform, as the catalog probes Facebook
FAILING_ROUNDS = 40


@pytest.mark.parametrize("seed", [3, 11, 42])
def test_intermittent_5xx_for_40_rounds_is_one_down_and_one_back_per_platform(
    seed: int, dns: LoopbackDns, web: HTTPServer, controls: ControlServer
) -> None:
    rng = random.Random(seed)
    # Decided up front, per round and request, so that the threads' order cannot change the replay.
    schedule = [
        {(pid, host): rng.choice((502, 503)) if rng.random() < 0.5 else 0 for pid in APPS for host in HOSTS}
        for _ in range(FAILING_ROUNDS)
    ]
    state = {"round": -1}  # -1: before and after the outage, everything answers
    seen: list[tuple[int, int]] = []
    lock = threading.Lock()

    def front_page(request: Request) -> Response:
        _, pid, host, _ = request.path.split("/")
        with lock:
            n = state["round"]
        status = schedule[n][(pid, host)] if 0 <= n < FAILING_ROUNDS else 0
        with lock:
            seen.append((n, status))
        if status:
            return Response("Bad Gateway" if status == 502 else "Service Unavailable", status=status)
        return Response("", status=302, headers={"Location": "/login"})

    platforms = []
    for pid, name in APPS.items():
        probes = []
        for host in HOSTS:
            dns.answer(f"{host}.{pid}.com", "127.0.0.1")
            probes.append(SourceSpec("http_probe", f"http://{host}.{pid}.com:{web.port}/{pid}/{host}/"))
            web.expect_request(f"/{pid}/{host}/").respond_with_handler(front_page)
        platforms.append(Platform(pid, name, "Meta", probes=tuple(probes)))

    clock = StepClock(datetime(2019, 3, 13, 16, 0, tzinfo=UTC))
    config = MonitorConfig(interval=MINUTE, controls=controls.controls, dns=dns.config(timeout=0.5))
    monitor = Monitor(platforms, config, lambda changes: None, clock=clock)
    changes: list[Event] = []
    statuses: list[dict[str, PlatformStatus]] = []

    def play(rounds: int, outage_round: int | None = None) -> None:
        for n in range(rounds):
            with lock:
                state["round"] = -1 if outage_round is None else outage_round + n
            changes.extend(monitor.run_round())
            statuses.append({s.platform.id: s for s in monitor.statuses()})
            clock.step()

    try:
        play(3)
        play(FAILING_ROUNDS, outage_round=0)
        ended = clock.now()
        play(20)
    finally:
        monitor.stop()

    failing = [status for n, status in seen if 0 <= n < FAILING_ROUNDS]
    assert len(failing) == FAILING_ROUNDS * len(APPS) * len(HOSTS)  # one request per host per round
    assert 0.4 < sum(1 for status in failing if status) / len(failing) < 0.6
    told = [
        (c.platform.id, c.at.strftime("%H:%M"), c.new.value)
        for c in changes
        if isinstance(c, Change) and c.alert
    ]
    counts = {pid: tuple(len(alerts) for alerts in outage_alerts(changes, pid)) for pid in APPS}
    assert counts == dict.fromkeys(APPS, (1, 1)), told
    for pid in APPS:
        downs, backs = outage_alerts(changes, pid)
        assert downs[0].at < ended
        assert ended <= backs[0].at <= ended + timedelta(minutes=20)
        # One incident: every change of this platform from "down" to "back" carries its number.
        during = [
            c for c in changes if isinstance(c, Change) and c.platform.id == pid and c.at >= downs[0].at
        ]
        assert {c.incident for c in during} == {downs[0].event}
    # The pop-ups: one "down" and one "recovered" per platform, no "degraded" in between.
    shown = notifications(changes)
    for pid in APPS:
        told = [(at, n.kind) for at, n in shown if pid in n.platforms]
        assert [kind for _, kind in told].count("down") == 1, told
        assert [kind for _, kind in told].count("recovered") == 1, told
        downs, backs = outage_alerts(changes, pid)
        assert [kind for at, kind in told if downs[0].at <= at < backs[0].at] == ["down"], told
    # While it went on and off, the window had one steady thing to say: intermittent.
    late = [s for s in statuses[25:43]]
    assert all(s[pid].verdict is Verdict.PARTIAL_OUTAGE for s in late for pid in APPS)
    assert {s[pid].label for s in late for pid in APPS} == {"partial outage (on and off)"}


# -- 2024-03-05: login trouble that only Meta Status shows ----------------------------------------


def orgs_json() -> bytes:
    """Meta Status as on 2024-03-05: Facebook Login in major disruptions, the WhatsApp Business API down."""
    data: list[dict[str, Any]] = json.loads((FIXTURES / "meta_orgs" / "orgs_all_clear.json").read_bytes())
    words = {"facebook-login": "Major disruptions", "whatsapp-business-api": "High disruptions"}
    for org in data:
        for service in org["services"]:
            service["status"] = words.get(org["id"], service["status"])
    return json.dumps(data).encode()


def test_2024_03_05_facebook_gets_a_heads_up_and_whatsapp_is_never_reported_down(
    dns: LoopbackDns, web: HTTPServer, controls: ControlServer
) -> None:
    web.expect_request("/data/orgs.json").respond_with_data(orgs_json(), content_type="application/json")
    feed = (FIXTURES / "rss_events" / "whatsapp_business_api_open.rss").read_bytes()
    web.expect_request("/outage-events-feed-whatsapp-business-api.rss").respond_with_data(
        feed, content_type="application/rss+xml"
    )
    web.expect_request("/front/").respond_with_data("", status=302, headers={"Location": "/login"})
    catalog = builtin_platforms()
    platforms = []
    for pid in ("facebook", "whatsapp"):
        real = catalog[pid]
        # The catalog's own sources, roles and labels, served from loopback.
        sources = tuple(
            replace(spec, url=web.url_for("/" + spec.url.split("/", 3)[3]).replace("localhost", "127.0.0.1"))
            for spec in real.sources
        )
        probes = []
        for spec in real.probes:
            host = spec.url if spec.type == "dns_probe" else spec.url.split("/")[2]
            dns.answer(host, "127.0.0.1")
            if spec.type == "http_probe":
                probes.append(SourceSpec("http_probe", f"http://{host}:{web.port}/front/"))
            else:
                probes.append(spec)
        platforms.append(replace(real, sources=sources, probes=tuple(probes)))

    clock = StepClock(datetime(2024, 3, 5, 15, 17, tzinfo=UTC))
    config = MonitorConfig(interval=MINUTE, controls=controls.controls, dns=dns.config(timeout=0.5))
    monitor = Monitor(platforms, config, lambda changes: None, clock=clock)
    changes: list[Event] = []
    try:
        for _ in range(10):
            changes.extend(monitor.run_round())
            now = {s.platform.id: s for s in monitor.statuses()}
            assert now["whatsapp"].verdict not in OUTAGES, now["whatsapp"].evidence
            assert now["facebook"].verdict is Verdict.DEGRADED, now["facebook"].evidence
            clock.step()
    finally:
        monitor.stop()

    assert {s.role for p in platforms for s in p.sources} == {"hint"}  # as the catalog has them
    alerts = [c for c in changes if isinstance(c, Change) and c.alert]
    assert all(c.new not in OUTAGES for c in changes if isinstance(c, Change))
    facebook = [c for c in alerts if c.platform.id == "facebook"]
    assert [(c.new, c.evidence) for c in facebook] == [
        (
            Verdict.DEGRADED,
            "Meta Status reports major disruptions for Facebook Login; Facebook's own pages still load",
        )
    ]
    whatsapp = [c for c in alerts if c.platform.id == "whatsapp"]
    assert [c.new for c in whatsapp] == [Verdict.DEGRADED]
    assert whatsapp[0].evidence.startswith(
        "Meta Status reports major disruptions for the WhatsApp Business Platform"
    )
    assert [
        s.platform.id for s in monitor.statuses() if s.official and s.official[0].spec.role == "hint"
    ] == [
        "facebook",
        "whatsapp",
    ]

    # The one-shot check says the same, and never more than "degraded".
    report = run_check(HttpClient(), platforms, controls.controls, dns.config(timeout=0.5))
    verdicts = {p.platform.id: (p.verdict, p.summary) for p in report.platforms}
    assert verdicts["facebook"] == (
        Verdict.DEGRADED,
        "Meta Status reports major disruptions for Facebook Login; Facebook's own pages still load",
    )
    assert verdicts["whatsapp"][0] is Verdict.DEGRADED
