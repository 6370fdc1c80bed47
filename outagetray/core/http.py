"""The one HTTP client of the app.

Limits, headers, caching and politeness live here once, so that every status
source and probe behaves the same way: bounded time, bounded memory, honest
errors in plain words. ``requests`` is imported on first use, not at start-up,
because it costs about 0.2 s and the tray must appear at once.

One deadline covers a whole exchange (connect, TLS, status line, headers, body and
every redirect hop): socket timeouts restart with each byte, so a server that drips
its headers would otherwise hold a worker for hours. :mod:`outagetray.core.deadline`
cuts the exchange's sockets at that moment. Redirects are followed here, hop by hop,
so each hop can be checked: a status source that sends us to another site, or from
https to plain http, is not believed (STATUS-SOURCES §2.4).
"""

from __future__ import annotations

import email.utils
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit

from outagetray import __version__
from outagetray.core import deadline as deadlines
from outagetray.core.redact import mask_url
from outagetray.core.webaddress import host_problem

if TYPE_CHECKING:
    import requests

DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
#: Upper bound on a whole fetch (every hop, from connect to the last body byte), so a server
#: that drips one byte a second cannot hold a worker. STATUS-SOURCES §2.4: "time out at 10–15 s".
DEFAULT_TOTAL_TIMEOUT = 15.0
DEFAULT_MAX_REDIRECTS = 5
#: A Retry-After longer than this is treated as this; a typo on a status page must not silence it for days.
MAX_RETRY_AFTER = 6 * 3600.0
log = logging.getLogger(__name__)

USER_AGENT = f"OutageTray/{__version__} (desktop status monitor; +https://github.com/outagetray/outagetray)"

Expect = Literal["json", "xml", "any"]
ErrorKind = Literal[
    "dns",
    "connect",
    "tls",
    "timeout",
    "reset",
    "truncated",
    "too_large",
    "too_many_redirects",
    "redirect_refused",
    "rate_limited",
    "http_status",
    "content_type",
    "backoff",
    "invalid_url",
]

_JSON_TYPES = ("application/json", "text/json", "application/problem+json")
_XML_TYPES = ("xml", "rss", "atom")
_GENERIC_TYPES = ("text/plain", "application/octet-stream")
_REDIRECT_CODES = (301, 302, 303, 307, 308)


@dataclass(frozen=True)
class Response:
    """A successful fetch. ``not_modified`` means a 304 handed back the last body."""

    url: str
    status: int
    body: bytes
    headers: Mapping[str, str]
    final_host: str
    elapsed: float
    not_modified: bool = False
    max_age: float | None = None


@dataclass
class FetchError(Exception):
    """A fetch that gave no usable body. ``message`` is plain words for people."""

    kind: ErrorKind
    message: str
    url: str = ""
    status: int | None = None
    retry_after: float | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class _CacheEntry:
    etag: str
    last_modified: str
    response: Response


@dataclass
class HttpClient:
    """Fetches URLs politely; safe to share between worker threads.

    ``monotonic`` and ``wall`` are injectable so tests can move time without sleeping.
    """

    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    read_timeout: float = DEFAULT_READ_TIMEOUT
    total_timeout: float = DEFAULT_TOTAL_TIMEOUT
    max_body: int = DEFAULT_MAX_BODY
    max_redirects: int = DEFAULT_MAX_REDIRECTS
    user_agent: str = USER_AGENT
    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    _cache: dict[str, _CacheEntry] = field(default_factory=dict, repr=False)
    _not_before: dict[str, float] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _local: threading.local = field(default_factory=threading.local, repr=False)

    def fetch(self, url: str, expect: Expect = "any", *, deadline: float | None = None) -> Response:
        """GET ``url`` and return its body, or raise FetchError saying plainly what went wrong.

        The whole exchange, redirects included, ends within ``total_timeout`` and by
        ``deadline`` (a moment on this client's ``monotonic`` clock) when one is given.
        """
        host = _checked_host(url)
        wait = self.backoff_remaining(host)
        if wait > 0:
            raise FetchError(
                "backoff",
                f"{host} asked us to wait; next check in {_duration(wait)}",
                url,
                retry_after=wait,
            )
        with self._lock:
            cached = self._cache.get(url)
        headers = {"User-Agent": self.user_agent, "Accept": _accept(expect)}
        if cached is not None:
            if cached.etag:
                headers["If-None-Match"] = cached.etag
            if cached.last_modified:
                headers["If-Modified-Since"] = cached.last_modified
        started = self.monotonic()
        with self._exchange(url, self.total_timeout, deadline) as exchange:
            raw = self._follow(url, headers, exchange)
            try:
                return self._handle(url, raw, expect, cached, started, exchange)
            finally:
                raw.close()

    def probe(self, url: str, max_body: int = 64 * 1024, *, deadline: float | None = None) -> Response:
        """GET ``url`` as a probe: no redirects followed, any status returned, body cut at ``max_body``.

        Probes and connection checks judge the status code, the redirect target and the
        first bytes themselves, so nothing here turns a status into an error; only a
        transport failure raises. The whole exchange ends within ``read_timeout``
        (and by ``deadline`` when given): a check must never wait longer than one read.
        """
        host = _checked_host(url)
        started = self.monotonic()
        headers = {"User-Agent": self.user_agent, "Accept": "*/*"}
        with self._exchange(url, self.read_timeout, deadline) as exchange:
            raw = self._get(url, headers, exchange)
            try:
                body = self._read_capped(url, raw, exchange, max_body, truncate=True)
                return Response(
                    url=url,
                    status=raw.status_code,
                    body=body,
                    headers={k.lower(): v for k, v in raw.headers.items()},
                    final_host=host,
                    elapsed=self.monotonic() - started,
                )
            finally:
                raw.close()

    def backoff_remaining(self, host: str) -> float:
        """Seconds until ``host`` may be asked again after a Retry-After (0 when free)."""
        with self._lock:
            until = self._not_before.get(host.lower(), 0.0)
        return max(0.0, until - self.monotonic())

    def forget(self, url: str) -> None:
        """Drop the conditional-GET cache for ``url`` (e.g. when its body turned out unreadable)."""
        with self._lock:
            self._cache.pop(url, None)

    # -- internals -------------------------------------------------------------------------

    @contextmanager
    def _exchange(self, url: str, budget: float, deadline: float | None) -> Iterator[deadlines.Exchange]:
        """One deadline for everything inside; a cut exchange is a timeout whatever it raised.

        ``deadline`` is on the client's clock (the monitor's, which tests may move by hand);
        the watchdog runs on real time, so only the time left is carried over.
        """
        if deadline is not None:
            budget = min(budget, deadline - self.monotonic())
        if budget <= 0:
            raise _too_slow(url, 0.0)
        with deadlines.exchange(budget) as exchange:
            try:
                yield exchange
            except Exception:
                if exchange.end():
                    raise _too_slow(url, budget) from None
                raise
            if exchange.end():
                # A cut can end the headers or a close-delimited body early without any error.
                raise _too_slow(url, budget)

    def session(self) -> requests.Session:
        """This thread's session, whose sockets the running exchange's deadline can cut."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            session.max_redirects = self.max_redirects
            session.trust_env = True
            adapter = _watched_adapter()
            session.mount("http://", adapter())
            session.mount("https://", adapter())
            self._local.session = session
        return session

    def _follow(
        self, url: str, headers: Mapping[str, str], exchange: deadlines.Exchange
    ) -> requests.Response:
        """Follow redirects ourselves so every hop, not just the last, stays on the source's own site."""
        current = url
        for hop in range(self.max_redirects + 1):
            raw = self._get(current, headers, exchange)
            location = raw.headers.get("location", "") if raw.status_code in _REDIRECT_CODES else ""
            if not location:
                return raw
            raw.close()
            if hop == self.max_redirects:
                break
            target = urljoin(current, location.strip())
            refusal = redirect_refusal(url, current, target)
            if refusal is not None:
                raise FetchError("redirect_refused", refusal, url, raw.status_code)
            current = target
        raise FetchError(
            "too_many_redirects",
            f"{_host(url)} redirected more than {self.max_redirects} times",
            url,
        )

    def _get(self, url: str, headers: Mapping[str, str], exchange: deadlines.Exchange) -> requests.Response:
        import requests
        import urllib3.exceptions

        left = exchange.remaining()
        if left <= 0:
            raise _too_slow(url, 0.0)
        try:
            return self.session().get(
                url,
                headers=dict(headers),
                timeout=(min(self.connect_timeout, left), min(self.read_timeout, left)),
                stream=True,
                allow_redirects=False,
            )
        except (
            requests.exceptions.InvalidURL,
            requests.exceptions.InvalidSchema,
            requests.exceptions.MissingSchema,
            requests.exceptions.URLRequired,
        ):
            raise _invalid_url(url) from None
        except requests.exceptions.RequestException as exc:
            raise _transport_error(url, exc) from None
        except (urllib3.exceptions.LocationValueError, ValueError, UnicodeError):
            # requests wraps most address errors in InvalidURL, but not all: urllib3 raises
            # LocationParseError itself for a host with an empty label ("status..example.com").
            # Uncaught, it escaped every layer and failed the whole round.
            raise _invalid_url(url) from None
        except urllib3.exceptions.HTTPError as exc:
            raise _transport_error(url, exc) from None

    def _handle(
        self,
        url: str,
        raw: requests.Response,
        expect: Expect,
        cached: _CacheEntry | None,
        started: float,
        exchange: deadlines.Exchange,
    ) -> Response:
        host = _host(url)
        final_host = _host(raw.url) or host
        headers = {k.lower(): v for k, v in raw.headers.items()}
        status = raw.status_code

        if status == 304 and cached is not None:
            return replace(
                cached.response,
                not_modified=True,
                elapsed=self.monotonic() - started,
                max_age=_max_age(headers) or cached.response.max_age,
            )
        if status in (420, 429, 503):
            retry_after = parse_retry_after(headers.get("retry-after", ""), self.wall())
            if retry_after is not None:
                with self._lock:
                    self._not_before[host.lower()] = self.monotonic() + retry_after
            if status == 503:
                message = f"{host} is temporarily unavailable (HTTP 503)"
                kind: ErrorKind = "http_status"
            else:
                message = f"{host} is limiting how often we may ask (HTTP {status})"
                kind = "rate_limited"
            if retry_after is not None:
                message += f"; it asked us to wait {_duration(retry_after)}"
            raise FetchError(kind, message, url, status=status, retry_after=retry_after)
        if not 200 <= status < 300:
            raise FetchError(
                "http_status", f"{host} answered with an error (HTTP {status})", url, status=status
            )

        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise FetchError("too_large", f"{host} sent more data than a status page ever needs", url, status)
        content_type = headers.get("content-type", "").split(";")[0].strip().lower()
        _check_content_type(url, expect, content_type, status)

        body = self._read_capped(url, raw, exchange, self.max_body)
        if exchange.expired:
            raise _too_slow(url, 0.0)  # replaced with the budget by _exchange; never cached
        if expect != "any" and _sniff_html(body):
            raise FetchError("content_type", f"{host} sent a web page instead of status data", url, status)

        response = Response(
            url=raw.url or url,
            status=status,
            body=body,
            headers=headers,
            final_host=final_host,
            elapsed=self.monotonic() - started,
            max_age=_max_age(headers),
        )
        etag, modified = headers.get("etag", ""), headers.get("last-modified", "")
        with self._lock:
            if etag or modified:
                self._cache[url] = _CacheEntry(etag, modified, response)
            else:
                self._cache.pop(url, None)
        return response

    def _read_capped(
        self,
        url: str,
        raw: requests.Response,
        exchange: deadlines.Exchange,
        limit: int,
        truncate: bool = False,
    ) -> bytes:
        """Read at most ``limit`` bytes (after decompression, so a gzip bomb is caught too).

        A server that drips forever is cut by the exchange's deadline, which ends the
        blocked read; the check in the loop only stops a fast endless stream sooner.
        """
        import http.client

        import urllib3

        stream = raw.raw
        chunks: list[bytes] = []
        size = 0
        try:
            while True:
                chunk = stream.read1(64 * 1024, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    if truncate:
                        chunks.append(chunk[: limit - (size - len(chunk))])
                        break
                    raise FetchError(
                        "too_large", f"{_host(url)} sent more data than a status page ever needs", url
                    )
                if exchange.remaining() <= 0:
                    raise _too_slow(url, 0.0)
                chunks.append(chunk)
        except urllib3.exceptions.DecodeError:
            raise FetchError(
                "truncated", f"the answer from {_host(url)} could not be unpacked", url
            ) from None
        except (urllib3.exceptions.HTTPError, http.client.HTTPException, OSError) as exc:
            raise _transport_error(url, exc) from None
        return b"".join(chunks)


def redirect_refusal(origin: str, current: str, target: str) -> str | None:
    """Why a redirect from ``current`` to ``target`` is not followed, or None when it may be.

    A status source is believed only from its own site: the same host or a subdomain
    of the host first asked (``origin``), and never from https down to plain http,
    where anyone on the way could write the answer.
    """
    origin_host = _host(origin)
    target_host = _host(target)
    try:
        scheme = urlsplit(target).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https") or not target_host:
        return f"{origin_host} sent OutageTray on to something that is not a web address, so it is not used"
    if scheme == "http" and "https" in (urlsplit(current).scheme.lower(), urlsplit(origin).scheme.lower()):
        return (
            f"{origin_host} sent OutageTray on to an unprotected (http) address, "
            "where anyone could change the answer, so it is not used"
        )
    if not _within_source_site(origin_host, target_host):
        return (
            f"{origin_host} sent OutageTray on to {target_host}, a different site, so its answer is not used"
        )
    return None


def _within_source_site(origin: str, target: str) -> bool:
    """``target`` is ``origin`` or a subdomain of it (an address only ever matches itself).

    The strict rule for pinning a status source's redirects (STATUS-SOURCES §2.4), not
    the looser "same registrable domain" the probes use to judge a redirect
    (``probes.answers._same_registrable_domain``): a status page is believed only from its own host.

    ``www.`` is the same host to the people who run a site: www.redditstatus.com and
    redditstatus.com are one page, and a status page moving between them must not go
    blind. So the origin counts without its ``www.``, and nothing wider than that.
    """
    origin, target = origin.rstrip("."), target.rstrip(".")
    if target == origin:
        return True
    try:
        ipaddress.ip_address(origin)
    except ValueError:
        bare = origin[4:] if origin.startswith("www.") and origin.count(".") >= 2 else origin
        return target == bare or target.endswith("." + bare)
    return False


def _too_slow(url: str, budget: float) -> FetchError:
    # Under 0.05 s the budget rounds to "0 s", which reads as nonsense: the "within" part is left out.
    within = f" (no complete answer within {_duration(budget)})" if budget >= 0.05 else ""
    return FetchError("timeout", f"{_host(url)} is answering too slowly{within}", url)


def _checked_host(url: str) -> str:
    """The host of ``url``, or FetchError("invalid_url") when it is no address this client can ask.

    The same rule as the settings file and the catalog (outagetray.core.webaddress), so an
    address that slipped past them (typed into "Try it", or from an old settings file)
    still ends as one "unknown" reading with a reason, never as an exception.
    """
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        scheme = ""
    if scheme not in ("http", "https") or host_problem(url) is not None:
        raise _invalid_url(url)
    return _host(url)


def _invalid_url(url: str) -> FetchError:
    shown = _host(url) or mask_url(url)
    return FetchError("invalid_url", f"“{shown}” is not a web address OutageTray can check", url)


_ADAPTER: type[Any] | None = None


def _watched_adapter() -> type[Any]:
    """A ``requests`` adapter whose connections register their sockets with the running exchange.

    Built on first use so ``requests`` stays off the start path. A new connection is
    registered as soon as its socket exists (before TLS, so a dripped handshake is cut
    too); a kept-alive connection is registered again when a request reuses it.
    """
    global _ADAPTER
    if _ADAPTER is not None:
        return _ADAPTER
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class WatchedHTTPConnection(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            deadlines.watch(sock)
            return sock

        def getresponse(self) -> Any:
            if self.sock is not None:
                deadlines.watch(self.sock)
            return super().getresponse()

    class WatchedHTTPSConnection(WatchedHTTPConnection, HTTPSConnection):
        """The same watching, before HTTPSConnection in the order: its TLS wrap comes after."""

    class WatchedHTTPPool(HTTPConnectionPool):
        ConnectionCls = WatchedHTTPConnection

    class WatchedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = WatchedHTTPSConnection

    pools = {"http": WatchedHTTPPool, "https": WatchedHTTPSPool}

    class WatchedAdapter(HTTPAdapter):
        def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = pools

        def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
            manager = super().proxy_manager_for(proxy, **kwargs)
            if not proxy.lower().startswith("socks"):
                manager.pool_classes_by_scheme = pools
            return manager

    _ADAPTER = WatchedAdapter
    return WatchedAdapter


def _transport_error(url: str, exc: BaseException) -> FetchError:
    """Tell apart the transport failures that mean different things to the judge.

    Decided by the exceptions' types along the whole chain (requests wraps urllib3,
    which wraps http.client and the socket), never by their message text, which
    changes between versions and languages.
    """
    import http.client
    import ssl

    import requests
    import urllib3.exceptions as u3

    host = _host(url)
    chain = _exception_chain(exc)

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if has(requests.exceptions.SSLError, u3.SSLError, ssl.SSLError, ssl.CertificateError):
        return FetchError("tls", f"the secure connection to {host} failed (certificate or TLS error)", url)
    if has(u3.NameResolutionError, socket.gaierror):
        return FetchError("dns", f"the name {host} could not be looked up (DNS)", url)
    # urllib3 makes NewConnectionError a ConnectTimeoutError for old callers: a refusal is no timeout.
    timeouts = [
        e
        for e in chain
        if isinstance(e, (requests.exceptions.Timeout, u3.TimeoutError, TimeoutError))
        and not isinstance(e, u3.NewConnectionError)
    ]
    if timeouts:
        return FetchError("timeout", f"{host} did not answer in time", url)
    if has(requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead, u3.IncompleteRead):
        return FetchError("truncated", f"the answer from {host} was cut off", url)
    if has(ConnectionResetError, ConnectionAbortedError, BrokenPipeError):  # RemoteDisconnected is one
        return FetchError("reset", f"the connection to {host} was reset", url)
    if has(u3.InvalidChunkLength):
        return FetchError("truncated", f"the answer from {host} was cut off", url)
    if has(requests.exceptions.ConnectionError, u3.NewConnectionError, ConnectionError):
        return FetchError("connect", f"could not connect to {host}", url)
    # The type says nothing to a person; it goes to the log, for whoever fixes the cause.
    log.warning("fetching %s failed in an unexpected way", mask_url(url), exc_info=exc)
    return FetchError(
        "connect",
        f"the check of {host} failed in an unexpected way; the details are in OutageTray's log",
        url,
    )


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack and len(seen) < 12:
        current = stack.pop()
        if current is None or any(current is s for s in seen):
            continue
        seen.append(current)
        stack.extend([current.__cause__, current.__context__])
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    return seen


def _check_content_type(url: str, expect: Expect, content_type: str, status: int) -> None:
    if expect == "any" or not content_type:
        return
    host = _host(url)
    if "html" in content_type:
        raise FetchError("content_type", f"{host} sent a web page instead of status data", url, status)
    if content_type in _GENERIC_TYPES:
        return  # servers mislabel often; the parser decides from the bytes
    if expect == "json" and not (content_type in _JSON_TYPES or content_type.endswith("+json")):
        raise FetchError("content_type", f"{host} sent {content_type}, not JSON status data", url, status)
    if expect == "xml" and not any(t in content_type for t in _XML_TYPES):
        raise FetchError("content_type", f"{host} sent {content_type}, not a feed", url, status)


def _sniff_html(body: bytes) -> bool:
    from outagetray.core.sources._common import looks_like_html

    return looks_like_html(body)


def _accept(expect: Expect) -> str:
    if expect == "json":
        return "application/json, text/json;q=0.9, */*;q=0.1"
    if expect == "xml":
        return "application/atom+xml, application/rss+xml, application/xml, text/xml;q=0.9, */*;q=0.1"
    return "*/*"


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def parse_retry_after(value: str, now: float) -> float | None:
    """Seconds to wait from a Retry-After header, given as seconds or as an HTTP date."""
    value = value.strip()
    if not value:
        return None
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return min(max(0.0, when.timestamp() - now), MAX_RETRY_AFTER)


def _max_age(headers: Mapping[str, str]) -> float | None:
    for part in headers.get("cache-control", "").split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "max-age" and value.strip().isdigit():
            return float(value.strip())
    return None


def _duration(seconds: float) -> str:
    """A span as a person reads it: "0.4 s" and "2.5 s" (whole seconds would say "0 s"), "12 s", "3 min"."""
    if seconds < 9.95:
        return f"{max(0.0, seconds):.1f}".removesuffix(".0") + " s"
    seconds = round(seconds)
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
