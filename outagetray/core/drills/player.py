"""The loopback servers that play a scenario to the real monitor: DNS, web pages, status sources, controls.

A drill is only worth something if the monitor meets exactly what it meets in an outage,
so nothing in the monitor is faked: its probes ask a real DNS server (player_dns) over
UDP and TCP, fetch real pages over HTTP and read real status documents, and its control
checks ask real addresses. All of it lives on 127.0.0.1, on free ports, and every answer
is decided when the request arrives, from the scenario at the clock's *scenario* moment.

- ``platforms(catalog)`` gives the scenario's catalog platforms with their ids, names,
  owners and source roles unchanged, re-pointed here: dns_probe names are asked of the
  player's DNS server; each http_probe keeps its host name (so the name still goes through
  that DNS server: a SERVFAIL fails the page too, as on 2021-10-04) on the player's port;
  each status source is ``/source/<platform>/<n>`` on 127.0.0.1.
- ``monitor_config()`` gives the player's DNS server (short timeout) and connection checks.
- The connection checks use 127.0.0.1 itself, not a name: the monitor's HTTP client asks
  the system's resolver, which knows nothing of the drill. While the scenario's
  connection is "down", nothing gets through, and at once, as when a link is gone (a
  computer without a route fails fast): DNS refuses every query and every web request is
  reset. While it is "captive", every page redirects to a hotel's sign-in page and DNS
  answers every name, as a captive portal does.
- ``web_share`` below 1 fails that share of page requests, decided by a hash of the
  platform, the probe and the round (scenario time divided by the monitor's interval):
  the same drill replays the same way, whatever order the threads run in. (Scenario time
  stands still during a round, see clock.py, so one round meets one moment of the scenario.)
- A held answer ("timeout") is held until the client gives up, never longer than
  ``hold_limit`` real seconds, and ends at once when the player stops: no thread outlives it.

Known limit: an answer from 127.0.0.1 that never comes ("reset", "timeout") is read by the
probes as "blocked on this network" (ambiguous), because a real platform never lives on a
loopback address; scenarios that need a failure the monitor counts use status codes,
"cloudflare" or a DNS failure.
"""

from __future__ import annotations

import hashlib
import logging
import select
import socket
import struct
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Protocol
from urllib.parse import urlsplit

from outagetray.core.drills import player_web
from outagetray.core.drills.player_dns import LOOPBACK, Answer, PlayerDns
from outagetray.core.model import Platform, SourceSpec
from outagetray.core.monitor import MonitorConfig
from outagetray.core.probes import DnsConfig
from outagetray.core.settings import ControlCheck

log = logging.getLogger(__name__)

#: Seconds a lookup may take in a drill: the server is on this computer, so an answer is instant,
#: and a dropped query (a "timeout" step, or the user offline) must not stretch a round.
DNS_TIMEOUT = 1.0
#: Real seconds a "timeout" answer is held at most.
HOLD_LIMIT = 3.0
#: Where a captive portal sends every page (never fetched: nothing follows a foreign redirect).
PORTAL = "http://login.hotel.example/portal"
CONTROL_BODY = "Microsoft Connect Test"


class PlatformStateLike(Protocol):
    """What a scenario says about one platform at one moment (see scenario.PlatformState)."""

    @property
    def dns(self) -> str: ...
    @property
    def web(self) -> str | int: ...
    @property
    def web_share(self) -> float: ...
    @property
    def status(self) -> str | None: ...
    @property
    def hints(self) -> Mapping[str, str]: ...


class ScenarioLike(Protocol):
    """The parts of a scenario the player plays (see scenario.Scenario)."""

    @property
    def platforms(self) -> Sequence[str]: ...
    @property
    def start(self) -> datetime: ...
    def state_at(self, platform_id: str, when: datetime) -> PlatformStateLike: ...
    def connection_at(self, when: datetime) -> str: ...


class ClockLike(Protocol):
    def now(self) -> datetime: ...


class Player:
    """Plays ``scenario`` on loopback at ``clock``'s scenario time; a context manager."""

    def __init__(
        self,
        scenario: ScenarioLike,
        clock: ClockLike,
        *,
        catalog: Mapping[str, Platform] | None = None,
        dns_timeout: float = DNS_TIMEOUT,
        hold_limit: float = HOLD_LIMIT,
    ) -> None:
        self.scenario = scenario
        self.clock = clock
        self.dns_timeout = dns_timeout
        self.hold_limit = hold_limit
        #: The monitor's interval in scenario seconds: one "round" of the on-and-off share.
        self.interval = 60.0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        #: The catalog platforms as they really are, by id (the sources' real URLs name their formats).
        self._real: dict[str, Platform] = {}
        #: Every name the player's DNS knows, to the platforms it belongs to.
        self._names: dict[str, tuple[str, ...]] = {}
        self._learn(catalog)
        self._dns = PlayerDns(self._decide_dns)
        self._web: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> Player:
        """Bind free ports on 127.0.0.1 and serve on daemon threads."""
        if self._web is not None:
            return self
        self._stopping.clear()
        self._dns.start()
        try:
            server = ThreadingHTTPServer((LOOPBACK, 0), _handler(self))
        except OSError:
            self._dns.stop()
            raise
        server.daemon_threads = True
        server.block_on_close = False
        self._web = server
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="drill-web", daemon=True
        )
        thread.start()
        self._threads = [thread]
        return self

    def stop(self) -> None:
        """Stop every server, end held answers and free the ports; safe to call twice."""
        self._stopping.set()
        server, self._web = self._web, None
        if server is not None:
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=2.0)
        self._threads = []
        self._dns.stop()

    def __enter__(self) -> Player:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- what the monitor is given ----------------------------------------------------------

    @property
    def port(self) -> int:
        """The web server's port."""
        if self._web is None:
            raise RuntimeError("the drill's servers are not running; start the player first")
        return int(self._web.server_address[1])

    @property
    def dns_address(self) -> str:
        """The DNS server, as ``DnsConfig.nameservers`` takes it."""
        self.port  # noqa: B018 - the same "not running" error as every other address
        return self._dns.address

    @property
    def controls(self) -> tuple[ControlCheck, ...]:
        """The user's connection checks, played here: both kinds the defaults use (a 204, a fixed text)."""
        base = f"http://{LOOPBACK}:{self.port}/control"
        return (
            ControlCheck(f"{base}/generate_204", expect_status=204),
            ControlCheck(f"{base}/connecttest.txt", expect_body=CONTROL_BODY),
        )

    def platforms(self, catalog: Mapping[str, Platform] | None = None) -> list[Platform]:
        """The scenario's platforms from ``catalog`` (the built-in one by default), pointed at the player."""
        self._learn(catalog)
        port = self.port
        pointed: list[Platform] = []
        for pid in self.scenario.platforms:
            with self._lock:
                real = self._real[pid]
            probes = tuple(
                SourceSpec("http_probe", f"http://{_host(spec.url)}:{port}/probe/{pid}/{n}")
                if spec.type == "http_probe"
                else spec
                for n, spec in enumerate(real.probes)
            )
            sources = tuple(
                replace(spec, url=f"http://{LOOPBACK}:{port}/source/{pid}/{n}")
                for n, spec in enumerate(real.sources)
            )
            pointed.append(replace(real, probes=probes, sources=sources))
        return pointed

    def monitor_config(self, interval: float = 60.0) -> MonitorConfig:
        """The monitor's settings for this drill: the player's DNS and controls, rounds every ``interval``."""
        self.interval = interval
        return MonitorConfig(
            interval=interval,
            controls=self.controls,
            dns=DnsConfig(nameservers=(self.dns_address,), timeout=self.dns_timeout),
            # Real seconds: a held answer ends by then, so a round never waits on one for long.
            round_deadline=self.hold_limit + 2.0,
        )

    # -- deciding ---------------------------------------------------------------------------

    def _learn(self, catalog: Mapping[str, Platform] | None) -> None:
        """Remember the scenario's platforms as ``catalog`` has them, and every name they use."""
        if catalog is None:
            from outagetray.core.catalog import builtin_platforms

            catalog = builtin_platforms()
        missing = [pid for pid in self.scenario.platforms if pid not in catalog]
        if missing:
            raise ValueError(f"the drill watches {', '.join(missing)}, which OutageTray does not know")
        real = {pid: catalog[pid] for pid in self.scenario.platforms}
        names: dict[str, list[str]] = {}
        for pid, platform in real.items():
            for spec in platform.probes:
                name = spec.url if spec.type == "dns_probe" else _host(spec.url)
                owners = names.setdefault(name.rstrip(".").lower(), [])
                if pid not in owners:
                    owners.append(pid)
        with self._lock:
            self._real = real
            self._names = {name: tuple(pids) for name, pids in names.items()}

    def _decide_dns(self, name: str) -> Answer:
        now = self.clock.now()
        connection = self.scenario.connection_at(now)
        if connection == "down":
            # A computer whose link is gone fails every lookup at once ("no route"); waiting out a
            # timeout per name would only make the drill's offline rounds slow.
            return "refused"
        if connection == "captive":
            return "answer"  # a portal answers every name with itself
        with self._lock:
            owners = self._names.get(name, ())
        if not owners:
            return "nxdomain"
        for pid in owners:
            dns = self.scenario.state_at(pid, now).dns
            if dns == "servfail":
                return "servfail"
            if dns == "nxdomain":
                return "nxdomain"
            if dns == "timeout":
                return "drop"
        return "answer"

    def fails(self, pid: str, n: int, share: float, now: datetime) -> bool:
        """Whether this request is one of the failing ``share``: the same for a platform, probe and round."""
        if share >= 1.0:
            return True
        if share <= 0.0:
            return False
        return _fraction(f"{pid}/{n}/{self._round(now)}") < share

    def _round(self, now: datetime) -> int:
        return int((now - self.scenario.start).total_seconds() // max(self.interval, 1.0))

    def _real_source(self, pid: str, n: int) -> tuple[Platform, SourceSpec] | None:
        with self._lock:
            real = self._real.get(pid)
        if real is None or not 0 <= n < len(real.sources):
            return None
        return real, real.sources[n]


def _fraction(key: str) -> float:
    """A number in [0, 1) fixed by ``key``, the same in every run (unlike hash())."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()


def _handler(player: Player) -> type[BaseHTTPRequestHandler]:
    """The web server's request handler, bound to one player."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        timeout = 5.0  # a client that opens a connection and says nothing is let go
        server_version = "OutageTrayDrill"

        def do_GET(self) -> None:
            try:
                self._answer()
            except OSError:
                self.close_connection = True  # the client went away: nothing to tell it
            except Exception:
                log.exception("the drill's web server could not answer %s", self.path)
                self.close_connection = True

        def _answer(self) -> None:
            now = player.clock.now()
            connection = player.scenario.connection_at(now)
            if connection == "down":
                self._reset()
                return
            if connection == "captive":
                self._send(player_web.Answer(302, b"", {"location": PORTAL}))
                return
            parts = urlsplit(self.path).path.strip("/").split("/")
            host = (self.headers.get("host") or LOOPBACK).split(":")[0]
            if parts == ["control", "generate_204"]:
                self._send(player_web.Answer(204))
            elif parts == ["control", "connecttest.txt"]:
                self._send(player_web.Answer(200, CONTROL_BODY.encode(), {"content-type": "text/plain"}))
            elif parts == ["login"]:
                self._send(player_web.login_page(host))
            elif len(parts) == 3 and parts[0] == "probe" and parts[2].isdigit():
                self._page(parts[1], int(parts[2]), host, now)
            elif len(parts) == 3 and parts[0] == "source" and parts[2].isdigit():
                found = player._real_source(parts[1], int(parts[2]))
                if found is None:
                    self._not_found()
                    return
                platform, spec = found
                state = player.scenario.state_at(platform.id, now)
                self._send(player_web.source(spec, platform, state.status, state.hints or {}, now))
            else:
                self._not_found()

        def _page(self, pid: str, n: int, host: str, now: datetime) -> None:
            if pid not in player.scenario.platforms:
                self._not_found()
                return
            state = player.scenario.state_at(pid, now)
            web = state.web
            if web == "ok" or not player.fails(pid, n, state.web_share, now):
                self._send(player_web.healthy(host))
            elif web == "reset":
                self._reset()
            elif web == "timeout":
                self._hold()
            else:
                ray = hashlib.sha256(f"{pid}/{n}/{player._round(now)}".encode()).hexdigest()[:16]
                self._send(player_web.failing(web, host, ray))

        def _send(self, answer: player_web.Answer) -> None:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(answer.body)))
            self.send_header("connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(answer.body)
            self.close_connection = True

        def _not_found(self) -> None:
            self._send(
                player_web.Answer(404, b"<html><body>Not found</body></html>", {"content-type": "text/html"})
            )

        def _reset(self) -> None:
            """Close without a word, with a reset, as a link that is gone or a server that crashed."""
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        def _hold(self) -> None:
            """Say nothing until the client gives up, the hold limit passes or the player stops."""
            until = time.monotonic() + player.hold_limit
            while not player._stopping.is_set() and time.monotonic() < until:
                readable, _, _ = select.select([self.connection], [], [], 0.05)
                if readable:
                    if not self.connection.recv(1, socket.MSG_PEEK):
                        break  # the client hung up
                    player._stopping.wait(0.05)
            self._reset()

        do_HEAD = do_GET

        def log_message(self, format: str, *args: object) -> None:
            return

    return Handler
