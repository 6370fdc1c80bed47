"""Synthetic probes: OutageTray's own look at whether a platform answers.

Official status pages lag and under-report (STATUS-SOURCES.md §4), so OutageTray
also asks the platform itself, the way §5.1 describes: resolve its names (DNS),
then connect, shake hands over TLS and send one GET. Each stage fails for
different reasons, and only some failures say anything about the platform:

* ``healthy``: the platform's own servers answered (any ordinary answer, even
  a 404 or a login redirect, proves the app layer is up);
* ``unhealthy``: something the platform controls failed (NXDOMAIN, SERVFAIL,
  refused or reset connections, TLS handshake failures, timeouts, 5xx);
* ``ambiguous``: the answer says more about *this network* or *this prober*
  than about the platform (rate limits, bot challenges, LinkedIn's 999, a
  corporate 403, captive portals, DNS blocking, TLS interception). An
  ambiguous result must never count towards an outage (§5.3).

One probe result is one observation. Deciding "down" needs several rounds,
several hosts and healthy control checks; that is the judge's job, not this
module's. Every function here returns a ``ProbeResult`` and never raises, so a
bug or an odd network can at worst produce "ambiguous", never a crash or an
alarm.

Heavy imports (dnspython, ssl, http.client, urllib.request) happen on first use:
the tray must appear at once and most start-ups run no probe in the first second.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import re
import socket
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal
from urllib.parse import urljoin, urlsplit

from outagetray.core import hostsfile, signin
from outagetray.core.http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, USER_AGENT, parse_retry_after
from outagetray.core.model import SourceSpec
from outagetray.core.redact import mask_url

if TYPE_CHECKING:
    import http.client
    import ssl

    import dns.resolver

ProbeOutcome = Literal["healthy", "unhealthy", "ambiguous"]

_log = logging.getLogger(__name__)

#: Body cap for an HTTP probe (§5.1 step 4): enough to see a challenge or block page, no more.
PROBE_MAX_BODY = 64 * 1024
#: Block-page heuristics only look at pages smaller than this: block and portal pages are
#: small, and a platform's real home page (tens of KB of scripts) is then never searched.
BLOCK_PAGE_MAX_SIZE = 32 * 1024
#: At most this many resolved addresses are tried, so a long answer cannot stretch a probe.
MAX_CONNECT_ATTEMPTS = 4
#: Per-try DNS timeout; the whole lookup is bounded by ``DnsConfig.timeout``.
DNS_TRY_TIMEOUT = 2.0


@dataclass(frozen=True)
class ProbeResult:
    """One probe observation.

    ``kind`` is a short machine word (``"ok"``, ``"servfail"``, ``"http_5xx"``,
    ``"bot_challenge"`` …) for the judge and for tests; ``detail`` is plain words
    for a non-engineer, e.g. "www.facebook.com answered HTTP 502". ``status`` is
    the HTTP status when a server answered one.
    """

    spec: SourceSpec
    outcome: ProbeOutcome
    kind: str
    detail: str
    elapsed: float
    status: int | None = None
    #: Seconds the host asked us to wait (Retry-After on 429/503); the monitor honours it.
    retry_after: float | None = None


@dataclass(frozen=True)
class DnsConfig:
    """Which DNS servers the probes ask.

    ``nameservers`` entries look like ``"1.1.1.1"``, ``"127.0.0.1:5353"``,
    ``"2606:4700:4700::1111"`` or ``"[::1]:53"``; empty means the system's
    configured resolvers (read by dnspython from /etc/resolv.conf or the Windows
    registry). dnspython never reads the hosts file: dns_probe wants exactly
    that, and http_probe reads the hosts file itself first (see http_probe).
    ``timeout`` bounds one whole lookup, in seconds.
    """

    nameservers: tuple[str, ...] = ()
    timeout: float = 3.0


#: Outcome of each kind; a kind always means the same outcome, wherever it is produced.
_DNS_UNHEALTHY = ("nxdomain", "servfail", "dns_timeout", "no_answer")
_DNS_AMBIGUOUS = ("dns_refused", "dns_unreachable", "dns_error", "dns_config")


def parse_nameserver(text: str) -> tuple[str, int]:
    """``"127.0.0.1:5353"`` → ``("127.0.0.1", 5353)``; bare IPs get port 53.

    IPv6 needs brackets when a port is given (``"[::1]:5353"``); a bare IPv6
    address (``"::1"``) means port 53. Only IP addresses are accepted: a name
    would need a resolver to find the resolver. Raises ValueError in plain words.
    """
    value = text.strip()
    port_text = ""
    if value.startswith("["):
        host, sep, rest = value[1:].partition("]")
        if not sep or (rest and not rest.startswith(":")):
            raise ValueError(f"“{text}” is not a DNS server address such as [::1]:53")
        port_text = rest[1:] if rest else ""
        if rest and not port_text:
            raise ValueError(f"“{text}” has an empty port number")
    elif value.count(":") == 1:
        host, _, port_text = value.partition(":")
    else:
        host = value
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(f"“{text}” is not a DNS server address such as 1.1.1.1 or 127.0.0.1:5353") from None
    if value.startswith("[") and address.version != 6:
        raise ValueError(f"“{text}”: brackets are only for IPv6 addresses")
    port = 53
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise ValueError(f"“{text}” has an invalid port number")
        port = int(port_text)
    return str(address), port


# -- DNS ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _FamilyAnswer:
    """What one query type (A or AAAA) gave: addresses, or a kind of failure."""

    kind: str
    addresses: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class _Lookup:
    """A and AAAA answers for one host, plus the probe-level reading of them."""

    host: str
    a: _FamilyAnswer
    aaaa: _FamilyAnswer
    outcome: ProbeOutcome
    kind: str
    detail: str
    addresses: tuple[str, ...] = ()


def dns_probe(
    spec: SourceSpec, dns: DnsConfig = DnsConfig(), *, deadline: float | None = None
) -> ProbeResult:
    """Resolve ``spec.url`` (a host name) for A and AAAA, separately, and judge the answer.

    The host is up if either family gives a public address (IPv6-only or
    IPv4-only breakage must not look like an outage, §5.3). NXDOMAIN, SERVFAIL,
    a timeout and a name with no address at all are unhealthy, each with its own
    kind (2021-10-04 looked exactly like this). Answers that only hold
    0.0.0.0, private, loopback or link-local addresses are what ISP/state blocking
    and some corporate filters return, so they are ambiguous ("blocked_locally"),
    never an outage. A resolver that refuses us (REFUSED) or that the system
    reports unreachable says nothing about the platform either: ambiguous. (A
    resolver that is silently unreachable looks like any timeout: unhealthy,
    and the control checks are what tell the two apart.)

    Two families failing differently: if either failure is ambiguous the result
    is ambiguous; otherwise the most telling one is reported
    (NXDOMAIN > SERVFAIL > timeout > no answer).

    Unlike http_probe, this probe never reads the hosts file and never falls
    back to the system's resolver: it measures the platform's DNS on purpose,
    and a hosts-file entry or a cached system answer would hide exactly the
    failure it exists to see (on 2021-10-04 the NXDOMAIN *was* the outage).

    ``deadline`` (a ``time.monotonic()`` instant) ends the lookup earlier than
    ``dns.timeout`` when the caller's round must end first.
    """
    started = time.monotonic()
    try:
        host = _normalise_host(spec.url)
        if not host:
            return _result(spec, "ambiguous", "invalid_host", "no host name to look up", started)
        lifetime = dns.timeout if deadline is None else min(dns.timeout, max(0.05, deadline - started))
        lookup = _lookup(host, dns, lifetime)
        return _result(spec, lookup.outcome, lookup.kind, lookup.detail, started)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started)


def _lookup(host: str, config: DnsConfig, lifetime: float) -> _Lookup:
    """Query A and AAAA in parallel (so a dead resolver costs one timeout, not two)."""
    try:
        resolver = _make_resolver(config, lifetime)
    except _DnsConfigError as exc:
        empty = _FamilyAnswer("dns_config")
        return _Lookup(host, empty, empty, "ambiguous", "dns_config", str(exc))
    answers: dict[str, _FamilyAnswer] = {}

    def query(rdtype: str) -> None:
        answers[rdtype] = _query(resolver, host, rdtype, lifetime)

    worker = threading.Thread(target=query, args=("AAAA",), name="probe-dns-aaaa", daemon=True)
    worker.start()
    query("A")
    worker.join(lifetime + 1.0)
    a = answers["A"]
    aaaa = answers.get("AAAA", _FamilyAnswer("dns_timeout"))
    return _judge_lookup(host, a, aaaa, lifetime)


class _DnsConfigError(Exception):
    """The DNS settings cannot be used (a bad nameserver string, no system resolver)."""


def _make_resolver(config: DnsConfig, lifetime: float) -> dns.resolver.Resolver:
    """A dnspython resolver for ``config``: its nameservers (with ports) or the system's.

    No cache: a probe must see the platform's DNS as it is now, not as it was.
    """
    import dns.nameserver
    import dns.resolver

    if config.nameservers:
        try:
            servers = [parse_nameserver(text) for text in config.nameservers]
        except ValueError as exc:
            raise _DnsConfigError(f"the DNS server setting is wrong: {exc}") from None
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in servers]
    else:
        try:
            resolver = dns.resolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            raise _DnsConfigError("this computer has no DNS server configured") from None
        except OSError as exc:
            reason = _reason(exc, "reading the system's DNS settings")
            raise _DnsConfigError(f"the system DNS settings could not be read ({reason})") from None
    resolver.cache = None
    resolver.lifetime = max(0.05, lifetime)
    resolver.timeout = min(DNS_TRY_TIMEOUT, resolver.lifetime)
    return resolver


def _query(resolver: dns.resolver.Resolver, host: str, rdtype: str, lifetime: float) -> _FamilyAnswer:
    """One query type; every dnspython failure becomes a kind, nothing escapes."""
    import dns.exception
    import dns.name
    import dns.resolver

    try:
        name = dns.name.from_text(host)
        answer = resolver.resolve(name, rdtype, search=False, lifetime=max(0.05, lifetime))
        return _FamilyAnswer("ok", tuple(rdata.to_text() for rdata in answer))
    except dns.resolver.NXDOMAIN:
        return _FamilyAnswer("nxdomain")
    except dns.resolver.NoAnswer:
        return _FamilyAnswer("no_answer")
    except dns.resolver.NoNameservers as exc:
        return _no_nameservers(exc)
    except dns.exception.Timeout:
        return _FamilyAnswer("dns_timeout")
    except dns.exception.DNSException as exc:
        return _FamilyAnswer("dns_error", note=str(exc))
    except OSError as exc:
        return _FamilyAnswer("dns_unreachable", note=_reason(exc, f"asking the DNS server about {host}"))
    except Exception as exc:  # noqa: BLE001 - odd input must not escape a probe
        _log.warning("DNS lookup of %s (%s) failed unexpectedly", host, rdtype, exc_info=exc)
        return _FamilyAnswer("dns_error", note="an unexpected error")


def _no_nameservers(exc: Exception) -> _FamilyAnswer:
    """Tell SERVFAIL (the platform's DNS is broken) from REFUSED or an unreachable resolver (ours is).

    dnspython reports every server's failure as ``(server, tcp, port, error, response)``,
    where ``error`` is an rcode name such as "SERVFAIL" or an exception.
    """
    import dns.message
    import dns.rcode

    errors = getattr(exc, "kwargs", {}).get("errors") or []
    entries = [entry for entry in errors if isinstance(entry, tuple) and len(entry) >= 5]
    reasons = [entry[3] for entry in entries]
    # Told apart by the response's rcode (a number), not by the text dnspython puts beside it.
    rcodes = {entry[4].rcode() for entry in entries if isinstance(entry[4], dns.message.Message)}
    if dns.rcode.SERVFAIL in rcodes:
        return _FamilyAnswer("servfail")
    if dns.rcode.REFUSED in rcodes:
        return _FamilyAnswer("dns_refused")
    if reasons and all(isinstance(reason, OSError) for reason in reasons):
        return _FamilyAnswer("dns_unreachable", note=_reason(reasons[0], "asking the DNS server"))
    return _FamilyAnswer("dns_error", note="; ".join(str(reason) for reason in reasons)[:200])


def _judge_lookup(host: str, a: _FamilyAnswer, aaaa: _FamilyAnswer, lifetime: float) -> _Lookup:
    addresses = a.addresses + aaaa.addresses
    public = tuple(address for address in addresses if _is_public(address))
    if public:
        shown = ", ".join(public[:3]) + (" …" if len(public) > 3 else "")
        return _Lookup(host, a, aaaa, "healthy", "ok", f"{host} resolves to {shown}", addresses)
    if addresses:
        shown = ", ".join(addresses[:3])
        return _Lookup(
            host,
            a,
            aaaa,
            "ambiguous",
            "blocked_locally",
            f"{host} resolves to {shown}, which is not an internet address: "
            "the name is probably blocked on this network",
            addresses,
        )
    for family in (a, aaaa):
        if family.kind in _DNS_AMBIGUOUS:
            return _Lookup(host, a, aaaa, "ambiguous", family.kind, _dns_detail(host, family, lifetime))
    for kind in _DNS_UNHEALTHY:
        for family in (a, aaaa):
            if family.kind == kind:
                return _Lookup(host, a, aaaa, "unhealthy", kind, _dns_detail(host, family, lifetime))
    # both families "ok" with no records cannot happen (dnspython says NoAnswer); be safe anyway
    return _Lookup(host, a, aaaa, "ambiguous", "dns_error", f"DNS gave no usable answer for {host}")


def _dns_detail(host: str, family: _FamilyAnswer, lifetime: float) -> str:
    if family.kind == "nxdomain":
        return f"DNS says {host} does not exist (NXDOMAIN)"
    if family.kind == "servfail":
        return f"DNS SERVFAIL for {host}: the name servers could not look it up"
    if family.kind == "dns_timeout":
        return f"DNS lookup of {host} got no answer within {_seconds(lifetime)}"
    if family.kind == "no_answer":
        return f"DNS has no address for {host}"
    if family.kind == "dns_refused":
        return f"the DNS server refused to look up {host}; this says nothing about the platform"
    if family.kind == "dns_unreachable":
        return f"could not reach the DNS server to look up {host} ({family.note})"
    return f"DNS lookup of {host} failed in an unusual way ({family.note or family.kind})"


def _is_public(address: str) -> bool:
    """True for an address on the public internet; 0.0.0.0, private, loopback, link-local are not.

    IPv4-mapped IPv6 addresses (``::ffff:10.0.0.1``) are judged by their IPv4 part.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _is_unspecified(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_unspecified


# -- HTTP ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    """The parts of a probe URL the stages need."""

    url: str
    scheme: str
    host: str  # lower case, IDNA-encoded, no brackets
    port: int
    path: str
    host_header: str
    is_ip: bool


class _StageFailure(Exception):
    """A stage failed; carries the verdict so the stages can stay straight-line code."""

    def __init__(self, outcome: ProbeOutcome, kind: str, detail: str, transport: bool = False) -> None:
        super().__init__(detail)
        self.outcome: ProbeOutcome = outcome
        self.kind = kind
        self.detail = detail
        #: True for failures of the network path (DNS, connect, TLS, timeout, reset).
        self.transport = transport


def http_probe(
    spec: SourceSpec,
    dns: DnsConfig = DnsConfig(),
    *,
    timeout: float = DEFAULT_READ_TIMEOUT,
    max_body: int = PROBE_MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    related_hosts: Collection[str] = (),
    deadline: float | None = None,
) -> ProbeResult:
    """One GET of ``spec.url``, stage by stage, judged per STATUS-SOURCES.md §5.1 step 4 and §5.3.

    Stages: DNS (through the same resolver and ``dns`` settings as dns_probe; an
    IP-literal URL skips it), TCP connect (each resolved address in turn, IPv4
    and IPv6 interleaved), TLS with certificate verification and SNI for https,
    then one ``GET`` with OutageTray's User-Agent and ``Connection: close``,
    redirects not followed, at most ``max_body`` bytes read, all within
    ``timeout`` seconds.

    Why sockets and http.client rather than ``requests`` (which HttpClient
    uses for status pages): requests hides which stage failed behind one
    ConnectionError, and resolves names with the system's getaddrinfo, so it
    could neither honour ``DnsConfig`` nor tell "DNS SERVFAIL" from "TLS
    handshake failed" from "certificate not trusted", distinctions that decide
    between unhealthy and ambiguous here.

    Judgement calls, all towards "never cry wolf":

    * Non-public DNS answers (loopback, private) are connected to, because only
      dns_probe judges blocking and tests point names at local servers; but a
      *transport* failure against such an address says nothing about the
      platform (it is the block server or a split-horizon proxy that failed),
      so it becomes ambiguous "blocked_locally". HTTP answers from those
      addresses are judged normally. Addresses 0.0.0.0 and :: are never
      connected to (that would reach this very computer): only those →
      "blocked_locally" at once.
    * When the system is set to use a proxy for this URL, a direct connection
      failing is expected (corporate networks), while the control checks, made
      through the proxy, succeed: DNS and transport failures then become
      ambiguous "behind_proxy". Direct HTTP answers are still judged.
    * A body cut off or slow after the status line still counts: the status was
      answered; the body only feeds the challenge and block-page heuristics.
      The same holds for headers cut off by the deadline.

    One deadline covers the whole exchange: DNS, connect, TLS, status line,
    headers and body. ``timeout`` sets it, and ``deadline`` (a
    ``time.monotonic()`` instant, for a round that must end on time) can only
    bring it forward. A server that dribbles its answer a byte at a time cannot
    stretch it, because every socket read gets only the time that is left.

    Names are resolved the way the system would where the system knows better:
    a name the hosts file lists is taken from there, and a name dnspython cannot
    answer (NXDOMAIN, no address, no DNS server configured) is asked of the
    system's resolver, which may know it through split DNS, search domains or
    mDNS. If the system fails too, the DNS verdict stands.
    """
    started = time.monotonic()
    own_deadline = started + max(0.05, timeout)
    if deadline is not None and deadline < own_deadline:
        own_deadline = max(started + 0.05, deadline)
        timeout = own_deadline - started
    deadline = own_deadline
    try:
        target = _parse_target(spec.url)
    except ValueError as exc:
        return _result(spec, "ambiguous", "invalid_url", str(exc), started)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started)
    try:
        return _http_stages(
            spec, target, dns, started, deadline, timeout, max_body, ssl_context, related_hosts
        )
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started)


def _http_stages(
    spec: SourceSpec,
    target: _Target,
    dns: DnsConfig,
    started: float,
    deadline: float,
    timeout: float,
    max_body: int,
    ssl_context: ssl.SSLContext | None,
    related_hosts: Collection[str],
) -> ProbeResult:
    non_public_only = from_hosts_file = False
    addresses: tuple[str, ...] = ()
    try:
        if target.is_ip:
            addresses = (target.host,)
        else:
            addresses, non_public_only, from_hosts_file = _resolve_for_connect(target.host, dns, deadline)
        sock = _connect(target, addresses, deadline, timeout)
        try:
            if target.scheme == "https":
                sock = _tls(target, sock, deadline, timeout, ssl_context)
            status, headers, body, note = _exchange(target, sock, deadline, timeout, max_body)
        finally:
            sock.close()
    except _StageFailure as failure:
        if failure.transport and failure.outcome == "unhealthy":
            if non_public_only and from_hosts_file:
                # This computer's own setting, not the network's: name the place that can be fixed.
                return _result(
                    spec,
                    "ambiguous",
                    "blocked_locally",
                    f"{failure.detail}; but this computer's hosts file points {target.host} to "
                    f"{', '.join(addresses[:3])}, which is not on the internet, so this says "
                    "nothing about the platform",
                    started,
                )
            if non_public_only:
                return _result(
                    spec,
                    "ambiguous",
                    "blocked_locally",
                    f"{failure.detail}; but {target.host} points to an address that is not on the "
                    "internet, so the name is probably blocked on this network",
                    started,
                )
            proxy = _configured_proxy(target)
            if proxy:
                return _result(
                    spec,
                    "ambiguous",
                    "behind_proxy",
                    f"{failure.detail}; this computer is set to use a proxy ({proxy}), "
                    "so a direct check proves nothing",
                    started,
                )
        return _result(spec, failure.outcome, failure.kind, failure.detail, started)
    outcome, kind, detail = classify_response(target.url, status, headers, body, related_hosts)
    if note:
        detail += f" ({note})"
    retry_after = None
    if status in (420, 429, 503):
        retry_after = parse_retry_after(headers.get("retry-after", ""), time.time())
    return _result(spec, outcome, kind, detail, started, status, retry_after)


def _parse_target(url: str) -> _Target:
    try:
        parts = urlsplit(url.strip())
        port = parts.port
        raw_host = parts.hostname or ""
    except ValueError:
        raise ValueError(f"“{url}” is not a web address OutageTray can check") from None
    if parts.scheme not in ("http", "https") or not raw_host:
        raise ValueError(f"“{url}” is not a web address OutageTray can check")
    is_ip = _is_ip(raw_host)
    try:
        host = raw_host if is_ip else raw_host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError(f"“{url}” has a host name that cannot be used") from None
    default_port = 443 if parts.scheme == "https" else 80
    port = port or default_port
    shown = f"[{host}]" if ":" in host else host
    host_header = shown if port == default_port else f"{shown}:{port}"
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if re.search(r"[\x00-\x20\x7f]", path):
        raise ValueError(f"“{url}” contains spaces or control characters")
    return _Target(url, parts.scheme, host, port, path, host_header, is_ip)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _resolve_for_connect(host: str, config: DnsConfig, deadline: float) -> tuple[tuple[str, ...], bool, bool]:
    """The addresses to try, in order; whether all are non-public; whether the hosts file gave them.

    IPv4 and IPv6 are interleaved (IPv4 first) so a broken IPv6 path costs one
    attempt, not all of them; public addresses come before non-public ones.
    """
    found = hostsfile.addresses(host)
    from_hosts_file = bool(found)
    if found:
        detail = (
            f"this computer's hosts file points {host} to {', '.join(found[:3])}, "
            "so it is blocked on this computer"
        )
    else:
        lifetime = min(config.timeout, max(0.05, deadline - time.monotonic()))
        lookup = _lookup(host, config, lifetime)
        found, detail = lookup.addresses, lookup.detail
        if lookup.outcome != "healthy" and lookup.kind != "blocked_locally":
            found = _system_addresses(host, deadline) if _system_may_know(lookup, config) else ()
            if not found:
                raise _StageFailure(lookup.outcome, lookup.kind, lookup.detail, transport=True)
    usable_a = [x for x in found if ":" not in x and not _is_unspecified(x)]
    usable_aaaa = [x for x in found if ":" in x and not _is_unspecified(x)]
    if not usable_a and not usable_aaaa:
        raise _StageFailure("ambiguous", "blocked_locally", detail)
    interleaved: list[str] = []
    for index in range(max(len(usable_a), len(usable_aaaa))):
        interleaved += usable_a[index : index + 1] + usable_aaaa[index : index + 1]
    public = [x for x in interleaved if _is_public(x)]
    ordered = public + [x for x in interleaved if not _is_public(x)]
    return tuple(ordered), not public, from_hosts_file


def _system_may_know(lookup: _Lookup, config: DnsConfig) -> bool:
    """Whether the system's resolver may answer what dnspython could not.

    A name that does not exist or has no address in public DNS may still exist
    for this computer (split DNS on a company network, search domains, mDNS
    ``.local`` names); and with no DNS server configured at all, the system may
    still resolve. SERVFAIL and timeouts are not asked again: the system asks the
    same servers, and a second wait would only stretch the probe.
    """
    if lookup.kind in ("nxdomain", "no_answer"):
        return True
    return lookup.kind == "dns_config" and not config.nameservers


def _system_addresses(host: str, deadline: float) -> tuple[str, ...]:
    """Addresses from the system's resolver (getaddrinfo), or () if it fails or misses the deadline.

    getaddrinfo has no timeout of its own, so it runs on a daemon thread that the
    probe stops waiting for at the deadline; a resolver that hangs then costs
    one idle thread until it gives up, never the probe's time.
    """
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        return ()
    answer: list[tuple[str, ...]] = []

    def ask() -> None:
        try:
            infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return
        addresses: list[str] = []
        for family, _type, _proto, _name, sockaddr in infos:
            if family in (socket.AF_INET, socket.AF_INET6) and str(sockaddr[0]) not in addresses:
                addresses.append(str(sockaddr[0]))
        answer.append(tuple(addresses))

    worker = threading.Thread(target=ask, name="probe-system-dns", daemon=True)
    worker.start()
    worker.join(remaining)
    return answer[0] if answer else ()


def _connect(target: _Target, addresses: Sequence[str], deadline: float, timeout: float) -> socket.socket:
    """Open a TCP connection to the first address that accepts; report the first failure otherwise."""
    failures: list[_StageFailure] = []
    for address in addresses[:MAX_CONNECT_ATTEMPTS]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.settimeout(min(remaining, DEFAULT_CONNECT_TIMEOUT))
        try:
            sock.connect((address, target.port))
        except TimeoutError:
            sock.close()
            failures.append(
                _StageFailure(
                    "unhealthy",
                    "timeout",
                    f"{target.host} did not accept a connection within "
                    f"{_seconds(min(remaining, DEFAULT_CONNECT_TIMEOUT))}",
                    transport=True,
                )
            )
        except ConnectionRefusedError:
            sock.close()
            failures.append(
                _StageFailure(
                    "unhealthy",
                    "connect",
                    f"{target.host} refused the connection ({_where(address, target.port)})",
                    transport=True,
                )
            )
        except OSError as exc:
            sock.close()
            failures.append(
                _StageFailure(
                    "unhealthy",
                    "connect",
                    f"could not connect to {target.host} ({_where(address, target.port)}: "
                    f"{_reason(exc, f'connecting to {target.host}')})",
                    transport=True,
                )
            )
        else:
            return sock
    if failures:
        first = failures[0]
        if len(failures) > 1:
            first.detail += f"; {len(failures)} addresses tried"
        raise first
    raise _StageFailure(
        "unhealthy", "timeout", f"{target.host} could not be reached within {_seconds(timeout)}", True
    )


def _tls(
    target: _Target,
    sock: socket.socket,
    deadline: float,
    timeout: float,
    ssl_context: ssl.SSLContext | None,
) -> socket.socket:
    """Handshake with SNI and certificate checks; a bad certificate is ambiguous (§5.1 step 3)."""
    import ssl

    context = ssl_context or _default_ssl_context()
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise _StageFailure(
            "unhealthy", "timeout", f"{target.host} could not be reached within {_seconds(timeout)}", True
        )
    sock.settimeout(remaining)
    try:
        tls = context.wrap_socket(sock, server_hostname=target.host, do_handshake_on_connect=False)
    except (ssl.SSLError, ValueError, OSError) as exc:
        _log.warning("setting up TLS for %s failed", target.host, exc_info=exc)
        raise _StageFailure(
            "ambiguous",
            "tls_setup",
            f"a secure connection to {target.host} could not be set up on this computer "
            "(the details are in OutageTray's log)",
        ) from None
    try:
        tls.do_handshake()
    except ssl.SSLCertVerificationError as exc:
        tls.close()
        reason = exc.verify_message or exc.reason or "not trusted"
        raise _StageFailure(
            "ambiguous",
            "tls_certificate",
            f"{target.host} showed a certificate this computer does not trust ({reason}); "
            "the network may be intercepting secure connections (captive portal, filter or proxy)",
        ) from None
    except TimeoutError:
        tls.close()
        raise _StageFailure(
            "unhealthy",
            "timeout",
            f"the secure handshake with {target.host} did not finish within {_seconds(timeout)}",
            transport=True,
        ) from None
    except ConnectionResetError:
        tls.close()
        raise _StageFailure(
            "unhealthy", "reset", f"{target.host} reset the connection during the secure handshake", True
        ) from None
    except (ssl.SSLError, OSError) as exc:
        tls.close()
        reason = getattr(exc, "reason", None) or _reason(exc, f"the TLS handshake with {target.host}")
        raise _StageFailure(
            "unhealthy",
            "tls_handshake",
            f"the secure connection to {target.host} failed during the handshake ({reason})",
            transport=True,
        ) from None
    return tls


_SSL_LOCK = threading.Lock()
_SSL_CONTEXT: list[ssl.SSLContext] = []


def _default_ssl_context() -> ssl.SSLContext:
    """The system trust store, loaded once (loading it costs tens of milliseconds)."""
    import ssl

    with _SSL_LOCK:
        if not _SSL_CONTEXT:
            _SSL_CONTEXT.append(ssl.create_default_context())
        return _SSL_CONTEXT[0]


def _exchange(
    target: _Target, sock: socket.socket, deadline: float, timeout: float, max_body: int
) -> tuple[int, dict[str, str], bytes, str]:
    """Send the GET and read status, headers and at most ``max_body`` bytes of body.

    Returns ``(status, lower-cased headers, body, note)``; ``note`` says when the
    headers or body were cut short, which does not change the verdict: once a
    status line has arrived, the server has answered.

    http.client reads through a ``_DeadlineReader``, so the status line and the
    headers are bounded by ``deadline`` as a whole (a plain socket timeout
    restarts with every byte, and a server sending one byte a second could hold
    a probe for hours).
    """
    import http.client
    import ssl

    # Plain HTTPConnection for https too: the socket is already connected and TLS-wrapped, and
    # HTTPSConnection would load the system trust store again for nothing. Host is sent by hand.
    conn = http.client.HTTPConnection(
        target.host, target.port, timeout=max(0.05, deadline - time.monotonic())
    )
    conn.sock = sock
    reader = _DeadlineReader(sock, deadline)
    response: http.client.HTTPResponse | None = None
    try:
        try:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            conn.putrequest("GET", target.path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", target.host_header)
            conn.putheader("User-Agent", USER_AGENT)
            conn.putheader("Accept", "*/*")
            conn.putheader("Accept-Encoding", "identity")
            conn.putheader("Connection", "close")
            conn.endheaders()
            # Built by hand rather than by conn.getresponse(), so that the status survives
            # when the headers are cut off, and so that every read goes through the reader.
            response = http.client.HTTPResponse(_ReaderSocket(reader), method="GET")  # type: ignore[arg-type]
            response.begin()
        except http.client.RemoteDisconnected:  # before OSError: it is a ConnectionResetError too
            raise _StageFailure(
                "unhealthy", "reset", f"{target.host} closed the connection without answering", True
            ) from None
        except (TimeoutError, OSError) as exc:
            answered = getattr(response, "status", None)
            if isinstance(answered, int):
                cut = "arrived too slowly" if isinstance(exc, TimeoutError) else "were cut off"
                return answered, {}, b"", f"the rest of its answer {cut} and was not read"
            if isinstance(exc, TimeoutError):
                started = "began to answer but did not finish" if reader.received else "did not answer"
                raise _StageFailure(
                    "unhealthy",
                    "timeout",
                    f"{target.host} accepted the connection but {started} within {_seconds(timeout)}",
                    transport=True,
                ) from None
            if isinstance(exc, (ConnectionResetError, BrokenPipeError, ssl.SSLError)):
                raise _StageFailure(
                    "unhealthy", "reset", f"{target.host} reset the connection before answering", True
                ) from None
            raise _StageFailure(
                "unhealthy",
                "reset",
                f"the connection to {target.host} broke before an answer "
                f"({_reason(exc, f'reading the answer of {target.host}')})",
                transport=True,
            ) from None
        except http.client.HTTPException as exc:
            # What exactly was wrong helps whoever reads the log, not the person reading the detail.
            _log.info("%s answered something that is not HTTP: %s", target.host, type(exc).__name__)
            raise _StageFailure(
                "unhealthy", "bad_response", f"{target.host} answered something that is not HTTP", True
            ) from None
        headers = {name.lower(): value for name, value in _merge_headers(response.getheaders()).items()}
        body, note = _read_body(response, deadline, max_body)
        return response.status, headers, _decode_body(headers, body, max_body), note
    finally:
        if response is not None:
            response.close()
        conn.close()


class _DeadlineReader(io.RawIOBase):
    """A socket's read side that gives every ``recv`` only the time left before ``deadline``.

    Without a thread or a timer this bounds any number of reads, whatever
    http.client does with them (status line, each header line, chunk sizes).
    Closing it leaves the socket to its owner.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        #: Bytes read so far: tells "never answered" from "answered too slowly".
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the probe's time is up")
        self._sock.settimeout(remaining)
        count = self._sock.recv_into(buffer)
        self.received += count
        return count


class _ReaderSocket:
    """The one thing http.client.HTTPResponse needs from a socket: ``makefile("rb")``."""

    def __init__(self, reader: _DeadlineReader) -> None:
        self._reader = reader

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        return io.BufferedReader(self._reader)


def _merge_headers(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        merged[key] = f"{merged[key]}, {value}" if key in merged else value
    return merged


def _read_body(response: http.client.HTTPResponse, deadline: float, max_body: int) -> tuple[bytes, str]:
    """Read up to ``max_body`` bytes; every socket read is bounded by the deadline (_DeadlineReader)."""
    chunks: list[bytes] = []
    size = 0
    while size < max_body:
        if deadline - time.monotonic() <= 0:
            return b"".join(chunks), "the page itself arrived too slowly and was not read to the end"
        try:
            chunk = response.read1(min(64 * 1024, max_body - size))
        except TimeoutError:
            return b"".join(chunks), "the page itself arrived too slowly and was not read to the end"
        except Exception:  # noqa: BLE001 - the status was answered; a cut body only loses heuristics
            return b"".join(chunks), "the page itself was cut off"
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:max_body], ""


def _decode_body(headers: Mapping[str, str], body: bytes, max_body: int) -> bytes:
    """Undo gzip/deflate if a server sent it despite ``Accept-Encoding: identity``, within the cap."""
    encoding = headers.get("content-encoding", "").strip().lower()
    if encoding not in ("gzip", "x-gzip", "deflate") or not body:
        return body
    import zlib

    try:
        return zlib.decompressobj(wbits=47).decompress(body, max_body)
    except zlib.error:
        return body


def _configured_proxy(target: _Target) -> str:
    """The proxy this system uses for ``target``'s scheme, or "" (no proxy, or host bypassed)."""
    try:
        import urllib.request

        proxy = urllib.request.getproxies().get(target.scheme, "")
        if proxy and urllib.request.proxy_bypass(target.host):
            return ""
        return str(proxy)
    except Exception:  # noqa: BLE001 - an unreadable proxy setting must not break a probe
        return ""


# -- judging an HTTP answer ---------------------------------------------------------------------

#: Page-level signs of a bot check; safe on any status because a real page never has them.
_CHALLENGE_TITLES = (
    "<title>just a moment...</title>",
    "<title>just a moment…</title>",
    "<title>attention required! | cloudflare</title>",
    "checking your browser before accessing",
)
#: Looser signs, only trusted on the codes challenges use (403, 429, 503): normal pages can
#: embed Cloudflare's scripts, and a 500 during 2025-11-18 said "Please unblock
#: challenges.cloudflare.com" while it was a real edge outage.
_CHALLENGE_MARKERS = (
    *_CHALLENGE_TITLES,
    "just a moment...",
    "/cdn-cgi/challenge-platform/",
    "_cf_chl_opt",
    "cf-chl-",
    "cf_chl_",
    "challenges.cloudflare.com",
    "captcha-delivery.com",  # DataDome
    "px-captcha",  # HUMAN / PerimeterX
    "_incapsula_resource",  # Imperva
    "/_sec/cp_challenge/",  # Akamai Bot Manager
)
#: Signs that an HTML error page was written by Cloudflare's edge itself.
_CLOUDFLARE_ERROR_PAGE = ("cf-error-details", "cf-wrapper", "cloudflare ray id", "cf-error-code")
#: Phrases of ISP, state, school and corporate block pages (captive portals' sign-in pages are
#: recognised by outagetray.core.signin, shared with the connection checks). Only
#: searched in small HTML pages (BLOCK_PAGE_MAX_SIZE), so a platform's real page is never
#: mistaken for one; a page caught by mistake is only "ambiguous", never an outage.
_BLOCK_PAGE = re.compile(
    r"(?:web ?site|site|page|url|domain|resource|content)\s+(?:has\s+been|is|was)\s+"
    r"(?:blocked|restricted|filtered)"
    r"|access\s+to\s+(?:this|the\s+requested)\s+(?:web ?site|site|page|url|resource)\s+"
    r"(?:has\s+been|is)\s+(?:blocked|denied|restricted)"
    r"|blocked\s+(?:by|on)\s+(?:order|the\s+order|court|your\s+(?:network|administrator|organi[sz]ation|isp"
    r"|internet\s+service\s+provider|school))"
    r"|(?:by\s+order\s+of|pursuant\s+to)\s+(?:the\s+)?(?:court|government|ministry|authority|regulator)"
    r"|fortiguard|websense|bluecoat|blue\s+coat|netsweeper|lightspeed\s+systems|zscaler|opendns\.com/block",
    re.IGNORECASE,
)
_META_TAG = re.compile(rb"<meta\b[^>]*>", re.IGNORECASE)
_REFRESH_URL = re.compile(rb"url\s*=\s*[\"']?([^\"'\s>;]+)", re.IGNORECASE)
_REDIRECTS = (301, 302, 303, 307, 308)


def classify_response(
    url: str,
    status: int,
    headers: Mapping[str, str],
    body: bytes,
    related_hosts: Collection[str] = (),
) -> tuple[ProbeOutcome, str, str]:
    """Judge one HTTP answer to a probe: ``(outcome, kind, detail)``.

    ``headers`` must have lower-case names. Public so that other checks with
    their own transport can judge answers the same way. The order matters:
    challenges and network-made answers (proxies, portals) are recognised
    before a status code is trusted as the platform's own.
    """
    host = (urlsplit(url).hostname or url).lower()
    server = headers.get("server", "").lower()
    cloudflare = "cloudflare" in server
    is_html = "html" in headers.get("content-type", "").lower() or body.lstrip()[:15].lower().startswith(
        (b"<!doctype", b"<html", b"<head", b"<body", b"<meta", b"<title")
    )
    text = body.decode("utf-8", "replace").lower() if is_html else ""
    said = f"{host} answered HTTP {status}"

    def challenge(markers: Sequence[str]) -> bool:
        return bool(text) and any(marker in text for marker in markers)

    if "challenge" in headers.get("cf-mitigated", "").lower():
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if status == 511:
        return "ambiguous", "captive_portal", f"{said}: this network wants you to sign in first"
    if status == 407:
        return "ambiguous", "proxy", f"{said}: a proxy on this network wants a password"
    if "x-squid-error" in headers:
        return "ambiguous", "proxy_error", f"a proxy on this network answered for {host} (HTTP {status})"
    if status == 451:
        return "ambiguous", "blocked_451", f"{said}: not available here for legal reasons"
    if status == 999:
        return "ambiguous", "linkedin_999", f"{said}, LinkedIn's way of turning away automated checks"
    if status in (403, 429, 420, 503) and (
        challenge(_CHALLENGE_MARKERS)
        or (cloudflare and is_html and status != 503)
        or (cloudflare and is_html and status == 503 and not challenge(_CLOUDFLARE_ERROR_PAGE))
    ):
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if status in (429, 420):
        return "ambiguous", "rate_limited", f"{said}: it is limiting how often we may ask (not an outage)"
    if status == 403:
        return (
            "ambiguous",
            "blocked_403",
            f"{said} (forbidden): probably blocked on this network or by a firewall",
        )
    if 500 <= status <= 599:
        ray = headers.get("cf-ray", "").strip()
        if cloudflare and ray:
            return "unhealthy", "cdn_5xx", f"{said} from Cloudflare's edge (ray {ray})"
        return "unhealthy", "http_5xx", said
    if status in _REDIRECTS or (300 <= status <= 399 and headers.get("location")):
        return _judge_redirect(url, host, status, headers.get("location", ""), related_hosts)
    if not 200 <= status <= 499:
        return "ambiguous", "odd_status", f"{said}, which is not a standard answer"
    if challenge(_CHALLENGE_TITLES):
        return "ambiguous", "bot_challenge", f"{said} with a bot check (not an outage)"
    if text and len(body) < BLOCK_PAGE_MAX_SIZE:
        refresh = _meta_refresh_host(url, body)
        if refresh and not _same_registrable_domain(host, refresh, related_hosts):
            return (
                "ambiguous",
                "foreign_redirect",
                f"{host} sent a page that forwards to {refresh}: probably a sign-in page of this network",
            )
        sign = signin.signin_page_sign(body)
        if sign:
            return (
                "ambiguous",
                "captive_portal",
                f"{said} with a Wi-Fi or network sign-in page (“{sign}”), not the real site: "
                "this network wants you to sign in first",
            )
        match = _BLOCK_PAGE.search(text)
        if match:
            return (
                "ambiguous",
                "block_page",
                f"{said} with a page that looks like a block or sign-in page "
                f"(“{match.group(0)}”), not the real site",
            )
    if 200 <= status <= 299:
        return "healthy", "ok", said
    if 300 <= status <= 399:
        return "healthy", "redirect", f"{said} (a redirect without a target)"
    return "healthy", "http_4xx", f"{said}: the app itself answered, so it is up"


def _judge_redirect(
    url: str, host: str, status: int, location: str, related_hosts: Collection[str]
) -> tuple[ProbeOutcome, str, str]:
    """Same-site redirects (login, consent, locale) are normal; a foreign one is a portal or block."""
    if not location.strip():
        return "healthy", "redirect", f"{host} answered HTTP {status} (a redirect without a target)"
    try:
        target_host = (urlsplit(urljoin(url, location.strip())).hostname or "").lower()
    except ValueError:
        target_host = ""
    if not target_host:
        return (
            "ambiguous",
            "foreign_redirect",
            f"{host} redirected to an unreadable address: probably not the real site",
        )
    if _same_registrable_domain(host, target_host, related_hosts):
        return "healthy", "redirect", f"{host} redirected within its own site (to {target_host})"
    return (
        "ambiguous",
        "foreign_redirect",
        f"{host} redirected to {target_host}, another site: probably a sign-in or block page of this network",
    )


def _meta_refresh_host(url: str, body: bytes) -> str:
    """Host a ``<meta http-equiv="refresh" content="0; url=…">`` page forwards to, or ""."""
    for tag in _META_TAG.findall(body):
        if b"refresh" not in tag.lower():
            continue
        match = _REFRESH_URL.search(tag)
        if match:
            try:
                return (
                    urlsplit(urljoin(url, match.group(1).decode("ascii", "replace"))).hostname or ""
                ).lower()
            except ValueError:
                return ""
    return ""


def _same_registrable_domain(host: str, other: str, related_hosts: Collection[str] = ()) -> bool:
    """Whether ``other`` belongs to the same site as ``host``, or to a related host.

    The loose rule for judging a probe's redirect (a login page on a sibling host is
    normal), not the strict one that pins a status source's redirects to its own host
    (``http._within_source_site``): the two must not be swapped.

    "Same site" is the same registrable domain, found without the Public Suffix
    List (which would be a dependency and a download): the last two labels, or
    the last three when the name ends in a two-letter country code preceded by
    a generic label such as ``co``/``com``/``org`` (``shop.co.uk``). Subdomains
    of shared hosting (``a.substack.com`` vs ``b.substack.com``) therefore count
    as one site; good enough for telling a login redirect from a captive portal.
    IP addresses match only themselves. ``related_hosts`` entries match the host
    itself and its subdomains (``"fb.com"`` matches ``www.fb.com``).
    """
    host, other = host.lower().rstrip("."), other.lower().rstrip(".")
    if host == other:
        return True
    for related in related_hosts:
        related = related.lower().strip().rstrip(".")
        if related and (other == related or other.endswith("." + related)):
            return True
    if _is_ip(host) or _is_ip(other):
        return False
    return _registrable_domain(host) == _registrable_domain(other)


_SECOND_LEVEL = frozenset({"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "nic"})


def _registrable_domain(host: str) -> str:
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


# -- dispatch and helpers -----------------------------------------------------------------------


def run_probe(
    spec: SourceSpec,
    dns: DnsConfig = DnsConfig(),
    *,
    timeout: float = DEFAULT_READ_TIMEOUT,
    max_body: int = PROBE_MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    related_hosts: Collection[str] = (),
    deadline: float | None = None,
) -> ProbeResult:
    """Run the probe ``spec.type`` names; never raises. HTTP-only options are ignored for DNS.

    An unknown probe type is ambiguous: a configuration mistake is never an outage.
    ``deadline`` (a ``time.monotonic()`` instant) ends the probe early when the
    round must end first; the probe's own timeout still applies.
    """
    started = time.monotonic()
    try:
        if spec.type == "dns_probe":
            return dns_probe(spec, dns, deadline=deadline)
        if spec.type == "http_probe":
            return http_probe(
                spec,
                dns,
                timeout=timeout,
                max_body=max_body,
                ssl_context=ssl_context,
                related_hosts=related_hosts,
                deadline=deadline,
            )
        return _result(
            spec, "ambiguous", "unsupported", f"“{spec.type}” is not a probe OutageTray knows", started
        )
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started)


def _normalise_host(text: str) -> str:
    """A dns_probe target may be written ``facebook.com``, ``facebook.com.`` or even as a URL."""
    value = text.strip()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    return value.rstrip(".").lower()


def _result(
    spec: SourceSpec,
    outcome: ProbeOutcome,
    kind: str,
    detail: str,
    started: float,
    status: int | None = None,
    retry_after: float | None = None,
) -> ProbeResult:
    return ProbeResult(spec, outcome, kind, detail, time.monotonic() - started, status, retry_after)


def _internal_error(spec: SourceSpec, exc: Exception, started: float) -> ProbeResult:
    """A bug or an unforeseen failure: logged with its traceback, then read as "ambiguous".

    The traceback goes to the log (for whoever fixes it), never into the detail,
    which people read: they get plain words and the certainty that it is not
    the platform's fault.
    """
    _log.error("the %s check of %s failed inside OutageTray", spec.type, mask_url(spec.url), exc_info=exc)
    return _result(
        spec,
        "ambiguous",
        "internal_error",
        "the check itself failed in an unexpected way (the details are in OutageTray's log); "
        "this says nothing about the platform",
        started,
    )


def _reason(exc: OSError, what: str) -> str:
    """The system's own words for ``exc`` ("Connection refused"), never a Python class name.

    An error without them is unexpected: its type and traceback go to the log, and the
    person reading the detail gets plain words that say where to look.
    """
    if isinstance(exc.strerror, str) and exc.strerror:
        return exc.strerror
    _log.warning("%s failed in an unexpected way", what, exc_info=exc)
    return "it failed in an unexpected way; the details are in OutageTray's log"


def _where(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def _seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 1 else f"{value:.1f} s"
