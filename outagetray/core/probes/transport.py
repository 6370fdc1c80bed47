"""The HTTP probe's transport: resolve, connect, shake hands over TLS, send one GET, read.

Each stage fails for its own reasons, and the stage decides whether a failure
says anything about the platform (see :func:`http_probe`). What the answer
means, once there is one, is :mod:`outagetray.core.probes.answers`' job.

ssl, http.client and urllib.request are imported on first use: the tray must
appear at once and most start-ups run no probe in the first second.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from outagetray.core import hostsfile
from outagetray.core.http import DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, USER_AGENT, parse_retry_after
from outagetray.core.model import SourceSpec
from outagetray.core.probes import dns as probe_dns
from outagetray.core.probes.answers import _is_ip, classify_response
from outagetray.core.probes.dns import DnsConfig, _is_public, _is_unspecified, _Lookup
from outagetray.core.probes.results import (
    MonotonicClock,
    ProbeOutcome,
    ProbeResult,
    _internal_error,
    _log,
    _reason,
    _result,
    _seconds,
    _where,
)

if TYPE_CHECKING:
    import http.client
    import ssl

#: Body cap for an HTTP probe (§5.1 step 4): enough to see a challenge or block page, no more.
PROBE_MAX_BODY = 64 * 1024
#: At most this many resolved addresses are tried, so a long answer cannot stretch a probe.
MAX_CONNECT_ATTEMPTS = 4


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
    dns: DnsConfig = DnsConfig(),  # noqa: B008 - frozen, so one shared default is safe
    *,
    timeout: float = DEFAULT_READ_TIMEOUT,
    max_body: int = PROBE_MAX_BODY,
    ssl_context: ssl.SSLContext | None = None,
    related_hosts: Collection[str] = (),
    deadline: float | None = None,
    clock: MonotonicClock = time.monotonic,
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
    headers and body. ``timeout`` sets it, and ``deadline`` (an instant on
    ``clock``, for a round that must end on time) can only bring it forward.
    ``clock`` times the probe (``elapsed``) and every stage's share of the
    deadline. A server that dribbles its answer a byte at a time cannot
    stretch it, because every socket read gets only the time that is left.

    Names are resolved the way the system would where the system knows better:
    a name the hosts file lists is taken from there, and a name dnspython cannot
    answer (NXDOMAIN, no address, no DNS server configured) is asked of the
    system's resolver, which may know it through split DNS, search domains or
    mDNS. If the system fails too, the DNS verdict stands.
    """
    started = clock()
    own_deadline = started + max(0.05, timeout)
    if deadline is not None and deadline < own_deadline:
        own_deadline = max(started + 0.05, deadline)
        timeout = own_deadline - started
    deadline = own_deadline
    try:
        target = _parse_target(spec.url)
    except ValueError as exc:
        return _result(spec, "ambiguous", "invalid_url", str(exc), started, clock=clock)
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started, clock)
    try:
        return _http_stages(
            spec, target, dns, started, deadline, timeout, max_body, ssl_context, related_hosts, clock
        )
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never raises
        return _internal_error(spec, exc, started, clock)


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
    clock: MonotonicClock,
) -> ProbeResult:
    non_public_only = from_hosts_file = False
    addresses: tuple[str, ...] = ()
    try:
        if target.is_ip:
            addresses = (target.host,)
        else:
            addresses, non_public_only, from_hosts_file = _resolve_for_connect(
                target.host, dns, deadline, clock
            )
        sock = _connect(target, addresses, deadline, timeout, clock)
        try:
            if target.scheme == "https":
                sock = _tls(target, sock, deadline, timeout, ssl_context, clock)
            status, headers, body, note = _exchange(target, sock, deadline, timeout, max_body, clock)
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
                    clock=clock,
                )
            if non_public_only:
                return _result(
                    spec,
                    "ambiguous",
                    "blocked_locally",
                    f"{failure.detail}; but {target.host} points to an address that is not on the "
                    "internet, so the name is probably blocked on this network",
                    started,
                    clock=clock,
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
                    clock=clock,
                )
        return _result(spec, failure.outcome, failure.kind, failure.detail, started, clock=clock)
    outcome, kind, detail = classify_response(target.url, status, headers, body, related_hosts)
    if note:
        detail += f" ({note})"
    retry_after = None
    if status in (420, 429, 503):
        retry_after = parse_retry_after(headers.get("retry-after", ""), time.time())
    return _result(spec, outcome, kind, detail, started, status, retry_after, clock=clock)


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


def _resolve_for_connect(
    host: str, config: DnsConfig, deadline: float, clock: MonotonicClock
) -> tuple[tuple[str, ...], bool, bool]:
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
        lifetime = min(config.timeout, max(0.05, deadline - clock()))
        # Through the module, so that dns_probe and http_probe always share one lookup.
        lookup = probe_dns._lookup(host, config, lifetime)
        found, detail = lookup.addresses, lookup.detail
        if lookup.outcome != "healthy" and lookup.kind != "blocked_locally":
            found = _system_addresses(host, deadline, clock) if _system_may_know(lookup, config) else ()
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


def _system_addresses(host: str, deadline: float, clock: MonotonicClock) -> tuple[str, ...]:
    """Addresses from the system's resolver (getaddrinfo), or () if it fails or misses the deadline.

    getaddrinfo has no timeout of its own, so it runs on a daemon thread that the
    probe stops waiting for at the deadline; a resolver that hangs then costs
    one idle thread until it gives up, never the probe's time.
    """
    remaining = deadline - clock()
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


def _connect(
    target: _Target, addresses: Sequence[str], deadline: float, timeout: float, clock: MonotonicClock
) -> socket.socket:
    """Open a TCP connection to the first address that accepts; report the first failure otherwise."""
    failures: list[_StageFailure] = []
    for address in addresses[:MAX_CONNECT_ATTEMPTS]:
        remaining = deadline - clock()
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
    clock: MonotonicClock,
) -> socket.socket:
    """Handshake with SNI and certificate checks; a bad certificate is ambiguous (§5.1 step 3)."""
    import ssl

    context = ssl_context or _default_ssl_context()
    remaining = deadline - clock()
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
    target: _Target,
    sock: socket.socket,
    deadline: float,
    timeout: float,
    max_body: int,
    clock: MonotonicClock,
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
    conn = http.client.HTTPConnection(target.host, target.port, timeout=max(0.05, deadline - clock()))
    conn.sock = sock
    reader = _DeadlineReader(sock, deadline, clock)
    response: http.client.HTTPResponse | None = None
    try:
        try:
            sock.settimeout(max(0.05, deadline - clock()))
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
        body, note = _read_body(response, deadline, max_body, clock)
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

    def __init__(self, sock: socket.socket, deadline: float, clock: MonotonicClock) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        self._clock = clock
        #: Bytes read so far: tells "never answered" from "answered too slowly".
        self.received = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        remaining = self._deadline - self._clock()
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


def _read_body(
    response: http.client.HTTPResponse, deadline: float, max_body: int, clock: MonotonicClock
) -> tuple[bytes, str]:
    """Read up to ``max_body`` bytes; every socket read is bounded by the deadline (_DeadlineReader)."""
    chunks: list[bytes] = []
    size = 0
    while size < max_body:
        if deadline - clock() <= 0:
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
