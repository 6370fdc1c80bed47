"""The drill's loopback servers and sped-up clock, played to the REAL monitor (issue 17).

Every round is a real round: real DNS queries to the player's DNS server, real HTTP
probes and status documents from its web server, real connection checks. Only time is
stepped by hand (``ScenarioClock.advance``), so an hour of scenario takes a second.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import random
import socket
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from outagetray.core.catalog import builtin_platforms
from outagetray.core.connectivity import Connectivity
from outagetray.core.drills.clock import ScenarioClock
from outagetray.core.drills.player import Player
from outagetray.core.drills.scenario import Scenario, load
from outagetray.core.judge import Change
from outagetray.core.model import SourceSpec, Verdict
from outagetray.core.monitor import Event, Monitor
from outagetray.core.probes import run_probe
from outagetray.core.sources import parse

START = datetime(2021, 10, 4, 15, 0, tzinfo=UTC)
MINUTE = 60.0
OUTAGES = (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE)
META = ("facebook", "instagram", "whatsapp", "messenger")


# -- scenarios, written as drill files and read by the real loader ----------------------------------


@dataclass(frozen=True)
class State:
    dns: str = "ok"
    web: str | int = "ok"
    web_share: float = 1.0
    status: str | None = None
    hints: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    start: int  # minutes after START, inclusive
    until: int  # exclusive
    platforms: tuple[str, ...] = ()
    state: State = State()
    connection: str | None = None


def _toml(value: object) -> str:
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return str(value)


def drill_file(
    folder: Path, platforms: tuple[str, ...], steps: Sequence[Step] = (), hours: int = 6
) -> Scenario:
    """A drill file as a user writes one, read by scenario.load."""
    lines = [
        'id = "test-drill"',
        'title = "A test drill"',
        'summary = "Made up for the player\'s tests."',
        'source = "tests/core/test_drill_player.py"',
        f"start = {_toml(START)}",
        f"end = {_toml(START + timedelta(hours=hours))}",
        f"platforms = {_toml(platforms)}",
    ]
    for step in steps:
        lines += ["", "[[steps]]"]
        lines.append(f"from = {_toml(START + timedelta(minutes=step.start))}")
        lines.append(f"until = {_toml(START + timedelta(minutes=step.until))}")
        if step.platforms:
            lines.append(f"platforms = {_toml(step.platforms)}")
        state = step.state
        if state.dns != "ok":
            lines.append(f"dns = {_toml(state.dns)}")
        if state.web != "ok":
            lines.append(f"web = {_toml(state.web)}")
            if state.web_share != 1.0:
                lines.append(f"web_share = {state.web_share}")
        if state.status is not None:
            lines.append(f"status = {_toml(state.status)}")
        if state.hints:
            lines.append(f"hints = {_toml(state.hints)}")
        if step.connection:
            lines.append(f"connection = {_toml(step.connection)}")
    path = folder / "test-drill.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load(path)


# -- helpers --------------------------------------------------------------------------------------


@dataclass
class Drill:
    player: Player
    clock: ScenarioClock
    monitor: Monitor
    changes: list[Event] = field(default_factory=list)
    rounds: list[dict[str, Any]] = field(default_factory=list)

    def play(self, rounds: int) -> None:
        """Run ``rounds`` monitor rounds, one scenario minute apart."""
        for _ in range(rounds):
            self.changes.extend(self.monitor.run_round())
            assert self.monitor.last_round is not None
            self.rounds.append(
                {
                    "at": self.monitor.last_round.at,
                    "link": self.monitor.last_round.connectivity.state,
                    **{s.platform.id: s for s in self.monitor.statuses()},
                }
            )
            self.clock.advance(MINUTE)

    def alerts(self) -> list[Change]:
        return [c for c in self.changes if isinstance(c, Change) and c.alert]


@pytest.fixture
def drill() -> Iterator[Any]:
    """Start a drill of a scenario: the player, a scenario clock stepped by hand, the real monitor."""
    made: list[tuple[Player, Monitor]] = []

    def start(scenario: Scenario) -> Drill:
        clock = ScenarioClock(scenario.start, speed=1.0)
        player = Player(scenario, clock, dns_timeout=0.3, hold_limit=0.5).start()
        monitor = Monitor(
            player.platforms(builtin_platforms()),
            player.monitor_config(interval=MINUTE),
            lambda changes: None,
            clock=clock,
            rng=random.Random(7),
        )
        made.append((player, monitor))
        return Drill(player, clock, monitor)

    yield start
    for player, monitor in made:
        monitor.stop()
        player.stop()


# -- the monitor meets the scenario ---------------------------------------------------------------


def test_dns_servfail_for_meta_is_one_correlated_major_outage(drill: Any, tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, META, [Step(3, 60, META, State(dns="servfail"))])
    run = drill(scenario)
    run.play(3)
    assert all(run.rounds[-1][pid].verdict is Verdict.OPERATIONAL for pid in META), run.rounds[-1]
    run.play(6)
    last = run.rounds[-1]
    assert {pid: last[pid].verdict for pid in META} == dict.fromkeys(META, Verdict.MAJOR_OUTAGE)
    downs = [c for c in run.alerts() if c.new in OUTAGES]
    assert sorted(c.platform.id for c in downs) == sorted(META)
    # One correlated event for the owner: one number, each naming the others.
    assert len({c.event for c in downs}) == 1
    assert all(set(c.together) >= {"facebook", "instagram"} for c in downs), [c.together for c in downs]
    assert "servfail" in last["facebook"].evidence.lower() or "dns" in last["facebook"].evidence.lower()


def test_half_of_all_pages_answering_503_is_a_partial_outage_on_and_off(drill: Any, tmp_path: Path) -> None:
    pids = ("facebook", "instagram", "messenger")
    scenario = drill_file(tmp_path, pids, [Step(3, 43, pids, State(web=503, web_share=0.5))])
    run = drill(scenario)
    run.play(43)
    # On and off: about half of the pages failed, round by round, decided per probe.
    failed = [
        p.kind == "http_5xx"
        for r in run.rounds[3:43]
        for pid in pids
        for p in r[pid].probes
        if p.spec.type == "http_probe"
    ]
    assert 0.3 < sum(failed) / len(failed) < 0.7
    late = run.rounds[38:43]
    assert {(r[pid].verdict, r[pid].label) for r in late for pid in pids} == {
        (Verdict.PARTIAL_OUTAGE, "partial outage (on and off)")
    }
    assert sorted({c.platform.id for c in run.alerts() if c.new in OUTAGES}) == sorted(pids)


def test_x_rate_limiting_everywhere_is_never_an_outage(drill: Any, tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, ("x",), [Step(2, 60, ("x",), State(web=429))])
    run = drill(scenario)
    run.play(16)
    assert all(r["x"].verdict not in OUTAGES for r in run.rounds)
    assert {p.kind for p in run.rounds[-1]["x"].probes if p.spec.type == "http_probe"} == {"rate_limited"}
    # Nothing usable for ten rounds: the last word ("operational") is no longer claimed.
    assert run.rounds[-1]["x"].verdict is Verdict.UNKNOWN, run.rounds[-1]["x"].evidence
    assert [c for c in run.alerts() if c.new in OUTAGES] == []


def test_a_cloudflare_edge_failure_is_an_outage(drill: Any, tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, ("x",), [Step(2, 60, ("x",), State(web="cloudflare"))])
    run = drill(scenario)
    run.play(8)
    assert run.rounds[-1]["x"].verdict in OUTAGES, run.rounds[-1]["x"].evidence
    assert [c.platform.id for c in run.alerts() if c.new in OUTAGES] == ["x"]


def test_a_bot_challenge_is_never_an_outage(drill: Any, tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, ("x",), [Step(2, 60, ("x",), State(web="challenge"))])
    run = drill(scenario)
    run.play(8)
    assert all(r["x"].verdict not in OUTAGES for r in run.rounds)
    kinds = {p.kind for p in run.rounds[-1]["x"].probes if p.spec.type == "http_probe"}
    assert kinds == {"bot_challenge"}


def test_while_the_connection_is_down_every_platform_is_unknown_and_nothing_alerts(
    drill: Any, tmp_path: Path
) -> None:
    pids = ("facebook", "x")
    # Facebook's names fail during the drop too: the player must not let that through.
    scenario = drill_file(
        tmp_path,
        pids,
        [Step(3, 60, ("facebook",), State(dns="servfail")), Step(3, 60, connection="down")],
    )
    run = drill(scenario)
    run.play(9)
    assert run.rounds[0]["link"] is Connectivity.ONLINE
    down = run.rounds[3:]
    assert {r["link"] for r in down} == {Connectivity.OFFLINE}
    assert all(r[pid].verdict is Verdict.UNKNOWN for r in down for pid in pids)
    assert run.alerts() == []


def test_a_captive_portal_is_recognised_and_nothing_alerts(drill: Any, tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, ("x",), [Step(2, 60, connection="captive")])
    run = drill(scenario)
    run.play(6)
    assert run.rounds[0]["link"] is Connectivity.ONLINE
    assert {r["link"] for r in run.rounds[2:]} == {Connectivity.CAPTIVE_PORTAL}
    assert all(r["x"].verdict not in OUTAGES for r in run.rounds)
    assert run.alerts() == []


def test_the_monitors_own_loop_on_the_sped_up_clock_finds_the_outage_in_real_seconds(tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, META, [Step(2, 360, META, State(dns="servfail"))])
    clock = ScenarioClock(START, speed=600.0)  # a round every 60 scenario seconds: 0.1 real ones
    found = threading.Event()
    seen: list[Change] = []

    def on_change(changes: list[Event]) -> None:
        seen.extend(c for c in changes if isinstance(c, Change) and c.alert)
        if {c.platform.id for c in seen if c.new is Verdict.MAJOR_OUTAGE} == set(META):
            found.set()

    with Player(scenario, clock, dns_timeout=0.3) as player:
        monitor = Monitor(player.platforms(), player.monitor_config(), on_change, clock=clock)
        started = time.monotonic()
        monitor.start()
        try:
            assert found.wait(30.0), [(c.platform.id, c.new.value, c.evidence) for c in seen]
        finally:
            monitor.stop()
    assert time.monotonic() - started < 30.0
    downs = [c for c in seen if c.new is Verdict.MAJOR_OUTAGE]
    assert len({c.event for c in downs}) == 1
    # Detected on the scenario's own clock, after the failure began and within a few rounds of it.
    assert all(START + timedelta(minutes=2) < c.at < START + timedelta(minutes=30) for c in downs)


# -- the built-in drills, played for their telling part ------------------------------------------


def play_from(drill: Any, scenario: Scenario, at: datetime) -> Drill:
    run: Drill = drill(scenario)
    run.clock.advance((at - scenario.start).total_seconds())
    return run


def test_builtin_2021_10_04_is_one_correlated_incident_detected_within_the_confirmation_rounds(
    drill: Any,
) -> None:
    scenario = load("meta-2021-10-04")
    run = play_from(drill, scenario, datetime(2021, 10, 4, 15, 35, tzinfo=UTC))
    run.play(12)
    downs = [c for c in run.alerts() if c.new in OUTAGES]
    assert sorted(c.platform.id for c in downs) == sorted(scenario.platforms)
    assert len({c.event for c in downs}) == 1
    truth = datetime(2021, 10, 4, 15, 39, tzinfo=UTC)
    confirm = run.monitor.config.confirm_rounds
    assert all(truth <= c.at <= truth + timedelta(minutes=confirm) for c in downs), [c.at for c in downs]


def test_builtin_x_rate_limits_raise_no_alert(drill: Any) -> None:
    scenario = load("x-2023-07-01")
    run = play_from(drill, scenario, datetime(2023, 7, 1, 11, 55, tzinfo=UTC))
    run.play(15)
    assert run.alerts() == []


def test_builtin_wifi_drop_keeps_quiet_while_offline_and_keeps_one_incident(drill: Any) -> None:
    scenario = load("wifi-drop")
    run = play_from(drill, scenario, datetime(2025, 6, 3, 9, 5, tzinfo=UTC))
    run.play(55)  # 09:05 to 10:00: the outage, the drop (09:30-09:55) and the return
    offline = [
        r
        for r in run.rounds
        if datetime(2025, 6, 3, 9, 30, tzinfo=UTC) <= r["at"] < datetime(2025, 6, 3, 9, 55, tzinfo=UTC)
    ]
    assert offline and all(r["link"] is Connectivity.OFFLINE for r in offline)
    assert all(r["instagram"].verdict is Verdict.UNKNOWN for r in offline)
    during = [c for c in run.alerts() if offline[0]["at"] <= c.at <= offline[-1]["at"]]
    assert during == []
    assert run.rounds[-1]["instagram"].verdict in OUTAGES
    assert len({c.incident for c in run.changes if isinstance(c, Change) and c.incident}) == 1


# -- what each server says -------------------------------------------------------------------------


def fetch(url: str) -> tuple[int, bytes, Mapping[str, str]]:
    """One GET, redirects not followed (a redirect is an answer the probes judge)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=5)
    try:
        conn.request("GET", parts.path, headers={"Host": parts.netloc})
        answer = conn.getresponse()
        return answer.status, answer.read(), {k.lower(): v for k, v in answer.getheaders()}
    finally:
        conn.close()


SOURCE_CASES = [
    # platform, state, the source's verdict
    ("reddit", State(), Verdict.OPERATIONAL),
    ("reddit", State(status="major_outage"), Verdict.MAJOR_OUTAGE),
    ("reddit", State(status="degraded_performance"), Verdict.DEGRADED),
    ("reddit", State(status="under_maintenance"), Verdict.MAINTENANCE),
    ("facebook", State(), Verdict.OPERATIONAL),
    ("facebook", State(hints={"facebook-login": "Major disruptions"}), Verdict.MAJOR_OUTAGE),
    ("whatsapp", State(), Verdict.OPERATIONAL),
    ("gmail", State(), Verdict.OPERATIONAL),
    ("gmail", State(status="major_outage"), Verdict.MAJOR_OUTAGE),
    ("slack", State(), Verdict.OPERATIONAL),
    ("slack", State(status="major_outage"), Verdict.MAJOR_OUTAGE),
    ("tumblr", State(), Verdict.OPERATIONAL),
    ("tumblr", State(status="partial_outage"), Verdict.PARTIAL_OUTAGE),
]


@pytest.mark.parametrize(("pid", "state", "verdict"), SOURCE_CASES)
def test_status_sources_are_real_documents_the_real_parsers_read(
    pid: str, state: State, verdict: Verdict, tmp_path: Path
) -> None:
    scenario = drill_file(tmp_path, (pid,), [Step(0, 60, (pid,), state)] if state != State() else [])
    with Player(scenario, ScenarioClock(START, speed=1.0)) as player:
        platform = player.platforms()[0]
        assert platform.sources, pid
        readings = []
        for spec in platform.sources:
            status, body, headers = fetch(spec.url)
            assert status == 200, (spec.url, body[:200])
            readings.append(parse(spec.type, body, headers, spec.options))
    assert readings[0].verdict is verdict, readings[0]


def test_a_statuspage_document_says_the_same_in_its_component_and_its_indicator(tmp_path: Path) -> None:
    words = {"operational": "none", "degraded_performance": "minor", "major_outage": "critical"}
    for status, indicator in words.items():
        scenario = drill_file(tmp_path, ("reddit",), [Step(0, 60, ("reddit",), State(status=status))])
        with Player(scenario, ScenarioClock(START, speed=1.0)) as player:
            _, body, _ = fetch(player.platforms()[0].sources[0].url)
        document = json.loads(body)
        assert document["status"]["indicator"] == indicator
        assert [c["status"] for c in document["components"]] == [status]
        assert bool(document["incidents"]) is (status != "operational")


def test_every_catalog_platform_s_status_sources_read_all_clear_when_nothing_is_said(tmp_path: Path) -> None:
    catalog = builtin_platforms()
    scenario = drill_file(tmp_path, tuple(catalog))
    with Player(scenario, ScenarioClock(START, speed=1.0)) as player:
        pointed = player.platforms(catalog)
        read = {}
        for platform in pointed:
            for spec in platform.sources:
                status, body, headers = fetch(spec.url)
                read[(platform.id, spec.type)] = (
                    status,
                    parse(spec.type, body, headers, spec.options).verdict,
                )
    assert read  # the catalog has status sources of several formats
    assert {kind for _, kind in read} >= {
        "statuspage",
        "meta_orgs",
        "rss_events",
        "google_incidents",
        "slack",
    }
    assert {key: value for key, value in read.items() if value != (200, Verdict.OPERATIONAL)} == {}


def test_whatsapp_business_hints_open_an_event_in_the_feed(tmp_path: Path) -> None:
    words = {"whatsapp-business-api": "High disruptions"}
    scenario = drill_file(tmp_path, ("whatsapp",), [Step(0, 60, ("whatsapp",), State(hints=words))])
    with Player(scenario, ScenarioClock(START, speed=1.0)) as player:
        platform = player.platforms()[0]
        verdicts = {}
        for spec in platform.sources:
            _, body, headers = fetch(spec.url)
            verdicts[spec.type] = parse(spec.type, body, headers, spec.options).verdict
    assert verdicts == {"meta_orgs": Verdict.MAJOR_OUTAGE, "rss_events": Verdict.DEGRADED}


def test_platforms_keep_ids_names_owners_and_roles_and_point_at_loopback(tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, META)
    with Player(scenario, ScenarioClock(START)) as player:
        pointed = player.platforms()
        catalog = builtin_platforms()
        for platform in pointed:
            real = catalog[platform.id]
            assert (platform.name, platform.owner, platform.kind) == (real.name, real.owner, real.kind)
            assert [(s.type, s.role, s.label, dict(s.options)) for s in platform.sources] == [
                (s.type, s.role, s.label, dict(s.options)) for s in real.sources
            ]
            assert all(s.url.startswith(f"http://127.0.0.1:{player.port}/source/") for s in platform.sources)
            assert [s.url for s in platform.probes if s.type == "dns_probe"] == [
                s.url for s in real.probes if s.type == "dns_probe"
            ]
            for spec, was in zip(platform.probes, real.probes, strict=True):
                if spec.type == "http_probe":
                    assert spec.url.startswith(f"http://{was.url.split('/')[2]}:{player.port}/probe/")
        config = player.monitor_config(interval=30.0)
        assert config.interval == 30.0
        assert config.dns.nameservers == (player.dns_address,)
        assert config.controls == player.controls


def test_dns_answers_each_way_the_scenario_says(tmp_path: Path) -> None:
    steps = [
        Step(0, 10, ("facebook",), State(dns="servfail")),
        Step(0, 10, ("instagram",), State(dns="nxdomain")),
        Step(0, 10, ("whatsapp",), State(dns="timeout")),
    ]
    clock = ScenarioClock(START, speed=1.0)
    with Player(drill_file(tmp_path, META, steps), clock, dns_timeout=0.3) as player:
        config = player.monitor_config().dns

        def kind(host: str) -> str:
            return run_probe(SourceSpec("dns_probe", host), config).kind

        assert kind("facebook.com") == "servfail"
        assert kind("www.instagram.com") == "nxdomain"
        assert kind("web.whatsapp.com") == "dns_timeout"
        # Loopback answers read as "blocked here" to a dns probe: what matters is that one came.
        assert kind("www.messenger.com") == "blocked_locally"
        assert kind("not-in-the-drill.example") == "nxdomain"
        clock.advance(10 * MINUTE)
        assert kind("facebook.com") == "blocked_locally"
        # TCP too (a resolver falls back to it for long answers).
        import dns.message
        import dns.query

        host, port = player.dns_address.split(":")
        answer = dns.query.tcp(
            dns.message.make_query("www.facebook.com", "A"), host, port=int(port), timeout=2
        )
        assert [r.to_text() for rrset in answer.answer for r in rrset] == ["127.0.0.1"]


def test_the_failing_share_is_decided_per_platform_probe_and_round_and_replays_the_same(
    tmp_path: Path,
) -> None:
    scenario = drill_file(tmp_path, ("facebook",))
    clock = ScenarioClock(START, speed=1.0)
    player = Player(scenario, clock)
    moments = [START + timedelta(minutes=n, seconds=5) for n in range(200)]
    first = [player.fails("facebook", 0, 0.5, when) for when in moments]
    again = [Player(scenario, clock).fails("facebook", 0, 0.5, when) for when in moments]
    assert first == again
    assert 0.4 < sum(first) / len(first) < 0.6
    # Within one round the answer does not change; another probe of the same platform is decided apart.
    assert player.fails("facebook", 0, 0.5, moments[0]) == player.fails(
        "facebook", 0, 0.5, moments[0] + timedelta(seconds=50)
    )
    assert first != [player.fails("facebook", 1, 0.5, when) for when in moments]
    assert not any(player.fails("facebook", 0, 0.0, when) for when in moments)
    assert all(player.fails("facebook", 0, 1.0, when) for when in moments)


def test_page_answers_look_like_the_real_failures(tmp_path: Path) -> None:
    steps = [
        Step(0, 1, ("x",), State(web="cloudflare")),
        Step(1, 2, ("x",), State(web="challenge")),
        Step(2, 3, ("x",), State(web=503)),
        Step(3, 4, ("x",), State(web="reset")),
        Step(4, 5, ("x",), State(web="timeout")),
    ]
    clock = ScenarioClock(START, speed=1.0)
    with Player(drill_file(tmp_path, ("x",), steps), clock, hold_limit=0.5) as player:
        url = f"http://127.0.0.1:{player.port}/probe/x/3"
        status, body, headers = fetch(url)
        assert (status, headers["server"]) == (500, "cloudflare")
        assert b"cf-error-details" in body and "cf-ray" in headers
        clock.advance(MINUTE)
        status, _, headers = fetch(url)
        assert (status, headers["cf-mitigated"]) == (403, "challenge")
        clock.advance(MINUTE)
        assert fetch(url)[0] == 503
        clock.advance(MINUTE)
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            fetch(url)
        clock.advance(MINUTE)
        started = time.monotonic()
        with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
            fetch(url)  # held, then closed without an answer
        assert 0.4 < time.monotonic() - started < 3.0
        clock.advance(MINUTE)
        assert fetch(url)[0] == 302  # the step is over: a redirect to the login page


def test_a_held_answer_ends_when_the_player_stops(tmp_path: Path) -> None:
    scenario = drill_file(tmp_path, ("x",), [Step(0, 60, ("x",), State(web="timeout"))])
    player = Player(scenario, ScenarioClock(START, speed=1.0), hold_limit=30.0).start()
    sock = socket.create_connection(("127.0.0.1", player.port), timeout=10)
    sock.sendall(b"GET /probe/x/3 HTTP/1.1\r\nHost: x.com\r\nConnection: close\r\n\r\n")
    time.sleep(0.2)  # let the handler start holding; the stop below is what is measured
    started = time.monotonic()
    player.stop()
    with contextlib.suppress(ConnectionResetError):  # closed, or reset: either way no answer
        assert sock.recv(100) == b""
    assert time.monotonic() - started < 2.0
    sock.close()


def test_stop_frees_every_port_and_ends_every_thread(tmp_path: Path) -> None:
    before = {t.ident for t in threading.enumerate()}
    player = Player(drill_file(tmp_path, ("x",)), ScenarioClock(START)).start()
    web, dns_port = player.port, int(player.dns_address.rsplit(":", 1)[1])
    assert fetch(f"http://127.0.0.1:{web}/control/generate_204")[0] == 204
    player.stop()
    player.stop()  # twice is harmless
    for kind, port in (
        (socket.SOCK_STREAM, web),
        (socket.SOCK_STREAM, dns_port),
        (socket.SOCK_DGRAM, dns_port),
    ):
        with socket.socket(socket.AF_INET, kind) as sock:
            # As a server binds (the closed connection above may linger in TIME_WAIT); a port still
            # listening or bound would refuse this all the same.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("127.0.0.1", port))
            if kind == socket.SOCK_STREAM:
                sock.listen()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        left = [t for t in threading.enumerate() if t.ident not in before and t.name.startswith("drill-")]
        if not left:
            break
        time.sleep(0.02)
    assert left == []
    with pytest.raises(RuntimeError):
        player.platforms()


# -- the scenario clock ------------------------------------------------------------------------------


def test_the_scenario_clock_runs_speed_times_real_time() -> None:
    clock = ScenarioClock(START, speed=100.0)
    assert clock.now() == START and clock.monotonic() == 0.0
    event = threading.Event()
    started = time.monotonic()
    assert clock.wait(event, 20.0) is False  # 20 scenario seconds: 0.2 real ones
    took = time.monotonic() - started
    assert 0.15 <= took < 1.0
    assert clock.monotonic() == 20.0
    assert clock.now() == START + timedelta(seconds=20)
    assert clock.real_seconds(180) == 1.8
    clock.advance(3600)
    assert clock.now() == START + timedelta(seconds=3620)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_scenario_time_stands_still_during_a_round_and_the_round_counts_towards_the_wait() -> None:
    real = [1000.0]
    clock = ScenarioClock(START, speed=60.0, real=lambda: real[0])
    real[0] += 0.75  # a round that took 0.75 real seconds
    assert clock.now() == START  # every answer of that round was for the same moment
    event = threading.Event()
    started = time.monotonic()
    clock.wait(event, 60.0)  # one real second in all: 0.25 s are left to wait
    assert time.monotonic() - started < 0.6
    assert clock.now() == START + timedelta(minutes=1)
    real[0] += 5.0  # a round slower than the whole wait: the next wait is skipped, never negative
    started = time.monotonic()
    clock.wait(event, 60.0)
    assert time.monotonic() - started < 0.2
    assert clock.now() == START + timedelta(minutes=2)


def test_the_scenario_clock_wait_returns_at_once_when_the_event_is_set() -> None:
    clock = ScenarioClock(START, speed=2.0)
    event = threading.Event()
    threading.Timer(0.05, event.set).start()
    started = time.monotonic()
    assert clock.wait(event, 3600.0) is True  # half an hour of real time, unless woken
    assert time.monotonic() - started < 1.0
    # Scenario time moved by the real time that passed, not by the whole wait.
    assert 0.0 < clock.monotonic() < 10.0
    assert clock.wait(event, 3600.0) is True


def test_the_scenario_clock_is_safe_across_threads() -> None:
    clock = ScenarioClock(START, speed=1.0)
    seen: list[float] = []

    def read() -> None:
        last = -1.0
        for _ in range(2000):
            value = clock.monotonic()
            assert value >= last
            last = value
            clock.advance(0.001)
        seen.append(last)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(seen) == 4
    assert clock.monotonic() >= 8.0  # every advance counted
