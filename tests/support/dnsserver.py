"""A real DNS server on 127.0.0.1 whose answers tests change while it runs.

Probes must be tested against real DNS traffic (UDP, and TCP when an answer is
truncated), never against the internet and never through the system resolver.
``LoopbackDns`` serves both UDP and TCP on one free port of 127.0.0.1 and
answers each name according to a rule set by the test:

    with LoopbackDns() as dns:                      # dns.address == "127.0.0.1:PORT"
        dns.answer("facebook.com", "157.240.1.35", aaaa="2a03:2880:f10c:83:face:b00c:0:25de")
        dns.nxdomain("gone.example")
        dns.servfail("facebook.com")                # replaces the rule above
        dns.drop("slow.example")                    # never answers: the client times out
        dns.answer("blocked.example", "0.0.0.0")    # what ISP/state blocking looks like
        result = dns_probe(SourceSpec("dns_probe", "facebook.com"), dns.config(timeout=0.5))

Names are matched case-insensitively, without the trailing dot, exactly (no
wildcards). Names without a rule get the ``unknown`` behaviour (NXDOMAIN unless
told otherwise). Rules may be changed from any thread at any time; a query sees
either the old rule or the new one, never a mix.

Note for http_probe tests: ``outagetray.core.probes`` connects to loopback and
private answers (so a name can point at a local test server), but turns a
*transport* failure against such an address into "ambiguous / blocked_locally".
To simulate a platform whose servers refuse connections, use an IP-literal URL
or a DNS failure; HTTP answers (e.g. a 502) through a name work as usual.
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal

from dnslib import AAAA, QTYPE, RCODE, RR, A, DNSError
from dnslib.server import DNSServer

from outagetray.core.probes import DnsConfig

Behaviour = Literal["answer", "nxdomain", "servfail", "refused", "drop"]


@dataclass(frozen=True)
class _Rule:
    behaviour: Behaviour
    ipv4: tuple[str, ...] = ()
    ipv6: tuple[str, ...] = ()
    ttl: int = 60


class _Dropped(DNSError):
    """Raised by the resolver to make dnslib's handler send nothing (it catches DNSError)."""


class _QuietLogger:
    """dnslib logs every query to stdout by default; tests want silence."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args: None


class _RuleResolver:
    """The dnslib resolver: looks the name up in the owner's rules for every query."""

    def __init__(self, owner: LoopbackDns) -> None:
        self._owner = owner

    def resolve(self, request: Any, handler: Any) -> Any:
        name = _normalise(str(request.q.qname))
        qtype = QTYPE[request.q.qtype]
        rule = self._owner._record(name, str(qtype))
        if rule.behaviour == "drop":
            raise _Dropped(f"dropping query for {name}")
        reply = request.reply()
        if rule.behaviour == "nxdomain":
            reply.header.rcode = RCODE.NXDOMAIN
        elif rule.behaviour == "servfail":
            reply.header.rcode = RCODE.SERVFAIL
        elif rule.behaviour == "refused":
            reply.header.rcode = RCODE.REFUSED
        elif qtype == "A":
            for address in rule.ipv4:
                reply.add_answer(RR(request.q.qname, QTYPE.A, rdata=A(address), ttl=rule.ttl))
        elif qtype == "AAAA":
            for address in rule.ipv6:
                packed = list(ipaddress.IPv6Address(address).packed)  # dnslib cannot parse "::ffff:1.2.3.4"
                reply.add_answer(RR(request.q.qname, QTYPE.AAAA, rdata=AAAA(packed), ttl=rule.ttl))
        # any other type: NOERROR with no records, as a real server would for a name that exists
        return reply


class LoopbackDns:
    """A DNS server on ``127.0.0.1:port`` (UDP and TCP), answering per name as told.

    ``unknown`` is the behaviour for names without a rule: ``"nxdomain"`` (default),
    ``"servfail"``, ``"refused"`` or ``"drop"``.
    """

    host = "127.0.0.1"

    def __init__(self, unknown: Behaviour = "nxdomain") -> None:
        if unknown == "answer":
            raise ValueError("unknown names cannot get an answer; give each name its own rule")
        self._lock = threading.Lock()
        self._rules: dict[str, _Rule] = {}
        self._unknown = _Rule(unknown)
        self._queries: list[tuple[str, str]] = []
        self._servers: list[DNSServer] = []
        self.port = 0

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> LoopbackDns:
        """Bind UDP and TCP on the same free port and serve in background threads."""
        resolver = _RuleResolver(self)
        logger = _QuietLogger()
        last_error: OSError | None = None
        for _ in range(20):
            udp = DNSServer(resolver, address=self.host, port=0, logger=logger)
            port = udp.server.server_address[1]
            try:
                tcp = DNSServer(resolver, address=self.host, port=port, tcp=True, logger=logger)
            except OSError as exc:  # the port is free for UDP but taken for TCP: try another
                udp.server.server_close()
                last_error = exc
                continue
            self.port = port
            self._servers = [udp, tcp]
            for server in self._servers:
                # a short poll interval makes stop() quick (dnslib's start_thread uses 0.5 s)
                thread = threading.Thread(
                    target=server.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
                )
                thread.start()
            return self
        raise RuntimeError(f"could not bind a UDP+TCP port on {self.host}: {last_error}")

    def stop(self) -> None:
        """Stop serving and release the port."""
        for server in self._servers:
            server.stop()
            server.server.server_close()
        self._servers = []

    def __enter__(self) -> LoopbackDns:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what clients need ------------------------------------------------------------------

    @property
    def address(self) -> str:
        """``"127.0.0.1:PORT"``, the form ``DnsConfig.nameservers`` takes."""
        return f"{self.host}:{self.port}"

    def config(self, timeout: float = 1.0) -> DnsConfig:
        """A DnsConfig that sends every query here and nowhere else."""
        return DnsConfig(nameservers=(self.address,), timeout=timeout)

    # -- rules ------------------------------------------------------------------------------

    def answer(self, name: str, *ipv4: str, aaaa: str | Iterable[str] = (), ttl: int = 60) -> None:
        """Answer A queries with ``ipv4`` and AAAA queries with ``aaaa``.

        A family left empty gets NOERROR with no records ("no answer"), so
        ``answer("v6only.example", aaaa="2001:db8::1")`` is an IPv6-only host and
        ``answer("empty.example")`` a name that exists but has no address.
        """
        ipv6 = (aaaa,) if isinstance(aaaa, str) else tuple(aaaa)
        # checked here so a typo fails in the test, not silently in the server thread
        ipv4 = tuple(str(ipaddress.IPv4Address(address)) for address in ipv4)
        ipv6 = tuple(str(ipaddress.IPv6Address(address)) for address in ipv6)
        self._set(name, _Rule("answer", ipv4, ipv6, ttl))

    def nxdomain(self, name: str) -> None:
        """Say the name does not exist."""
        self._set(name, _Rule("nxdomain"))

    def servfail(self, name: str) -> None:
        """Fail like the resolvers did for facebook.com on 2021-10-04."""
        self._set(name, _Rule("servfail"))

    def refused(self, name: str) -> None:
        """Refuse to answer, as a resolver that does not serve us would."""
        self._set(name, _Rule("refused"))

    def drop(self, name: str) -> None:
        """Never answer queries for the name; the client must time out."""
        self._set(name, _Rule("drop"))

    def forget(self, name: str) -> None:
        """Remove the name's rule: it gets the ``unknown`` behaviour again."""
        with self._lock:
            self._rules.pop(_normalise(name), None)

    @property
    def queries(self) -> list[tuple[str, str]]:
        """Every query received so far, as ``(name, type)``, e.g. ``("facebook.com", "AAAA")``."""
        with self._lock:
            return list(self._queries)

    # -- internals --------------------------------------------------------------------------

    def _set(self, name: str, rule: _Rule) -> None:
        with self._lock:
            self._rules[_normalise(name)] = rule

    def _record(self, name: str, qtype: str) -> _Rule:
        with self._lock:
            self._queries.append((name, qtype))
            return self._rules.get(name, self._unknown)


def _normalise(name: str) -> str:
    return name.strip().rstrip(".").lower()
