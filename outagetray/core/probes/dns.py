"""The DNS stage: dns_probe, and the lookups http_probe resolves its host with.

Both probes ask the platform's DNS through dnspython (never the system's cache,
never the hosts file), A and AAAA apart, and read every failure as a kind.
http_probe adds the hosts file and the system's resolver on top of
:func:`_lookup` (in :mod:`outagetray.core.probes.transport`); dns_probe never
does, see its docstring.

dnspython is imported on first use: the tray must appear at once.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from outagetray.core.model import SourceSpec
from outagetray.core.probes.results import (
    MonotonicClock,
    ProbeOutcome,
    ProbeResult,
    _internal_error,
    _log,
    _reason,
    _result,
    _seconds,
)

if TYPE_CHECKING:
    import dns.resolver

#: Per-try DNS timeout; the whole lookup is bounded by ``DnsConfig.timeout``.
DNS_TRY_TIMEOUT = 2.0


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
    spec: SourceSpec,
    dns: DnsConfig = DnsConfig(),
    *,
    deadline: float | None = None,
    clock: MonotonicClock = time.monotonic,
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

    ``deadline`` (an instant on ``clock``) ends the lookup earlier than
    ``dns.timeout`` when the caller's round must end first. ``clock`` times the
    probe (``elapsed``) and reads the deadline, so that a caller with its own
    clock (a test, a monitor with a test clock) gets both on that clock.
    """
    started = clock()
    try:
        host = _normalise_host(spec.url)
        if not host:
            return _result(spec, "ambiguous", "invalid_host", "no host name to look up", started, clock=clock)
        lifetime = dns.timeout if deadline is None else min(dns.timeout, max(0.05, deadline - started))
        lookup = _lookup(host, dns, lifetime)
        return _result(spec, lookup.outcome, lookup.kind, lookup.detail, started, clock=clock)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started, clock)


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


def _normalise_host(text: str) -> str:
    """A dns_probe target may be written ``facebook.com``, ``facebook.com.`` or even as a URL."""
    value = text.strip()
    if "://" in value:
        value = urlsplit(value).hostname or ""
    return value.rstrip(".").lower()
