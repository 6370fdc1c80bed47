"""The one HTTP client of the app.

Limits, headers, caching and politeness live here once, so that every status
source and probe behaves the same way: bounded time, bounded memory, honest
errors in plain words. ``requests`` is imported on first use, not at start-up,
because it costs about 0.2 s and the tray must appear at once.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from outagetray import __version__

if TYPE_CHECKING:
    import requests

DEFAULT_MAX_BODY = 5 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 10.0
#: Upper bound on a whole fetch, so a server that drips one byte a second cannot hold a worker.
DEFAULT_TOTAL_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5
#: A Retry-After longer than this is treated as this; a typo on a status page must not silence it for days.
MAX_RETRY_AFTER = 6 * 3600.0
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
    "rate_limited",
    "http_status",
    "content_type",
    "backoff",
    "invalid_url",
]

_JSON_TYPES = ("application/json", "text/json", "application/problem+json")
_XML_TYPES = ("xml", "rss", "atom")
_GENERIC_TYPES = ("text/plain", "application/octet-stream")


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

    def fetch(self, url: str, expect: Expect = "any") -> Response:
        """GET ``url`` and return its body, or raise FetchError saying plainly what went wrong."""
        host = _host(url)
        if not host or urlsplit(url).scheme not in ("http", "https"):
            raise FetchError("invalid_url", f"“{url}” is not a web address OutageTray can check", url)
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
        raw = self._get(url, headers)
        try:
            return self._handle(url, raw, expect, cached, started)
        finally:
            raw.close()

    def probe(self, url: str, max_body: int = 64 * 1024) -> Response:
        """GET ``url`` as a probe: no redirects followed, any status returned, body cut at ``max_body``.

        Probes and connection checks judge the status code, the redirect target and the
        first bytes themselves, so nothing here turns a status into an error; only a
        transport failure raises.
        """
        host = _host(url)
        if not host or urlsplit(url).scheme not in ("http", "https"):
            raise FetchError("invalid_url", f"“{url}” is not a web address OutageTray can check", url)
        started = self.monotonic()
        raw = self._get(url, {"User-Agent": self.user_agent, "Accept": "*/*"}, allow_redirects=False)
        try:
            body = self._read_capped(url, raw, started, max_body, truncate=True)
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

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            import requests

            session = requests.Session()
            session.max_redirects = self.max_redirects
            session.trust_env = True
            self._local.session = session
        return session

    def _get(self, url: str, headers: Mapping[str, str], allow_redirects: bool = True) -> requests.Response:
        import requests

        try:
            return self._session().get(
                url,
                headers=dict(headers),
                timeout=(self.connect_timeout, self.read_timeout),
                stream=True,
                allow_redirects=allow_redirects,
            )
        except requests.exceptions.TooManyRedirects:
            raise FetchError(
                "too_many_redirects",
                f"{_host(url)} redirected more than {self.max_redirects} times",
                url,
            ) from None
        except requests.exceptions.RequestException as exc:
            raise _transport_error(url, exc) from None

    def _handle(
        self,
        url: str,
        raw: requests.Response,
        expect: Expect,
        cached: _CacheEntry | None,
        started: float,
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

        body = self._read_capped(url, raw, started, self.max_body)
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
        self, url: str, raw: requests.Response, started: float, limit: int, truncate: bool = False
    ) -> bytes:
        """Read at most ``limit`` bytes (after decompression, so a gzip bomb is caught too).

        ``read1`` returns after one read from the socket, so the total deadline is
        checked even against a server that drips a byte at a time.
        """
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
                if self.monotonic() - started > self.total_timeout:
                    raise FetchError("timeout", f"{_host(url)} is answering too slowly", url)
                chunks.append(chunk)
        except urllib3.exceptions.DecodeError:
            raise FetchError(
                "truncated", f"the answer from {_host(url)} could not be unpacked", url
            ) from None
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise _transport_error(url, exc) from None
        return b"".join(chunks)


def _transport_error(url: str, exc: Exception) -> FetchError:
    """Tell apart the transport failures that mean different things to the judge."""
    import requests

    host = _host(url)
    chain = _exception_chain(exc)
    names = " ".join(type(e).__name__ for e in chain)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(exc, requests.exceptions.SSLError):
        return FetchError("tls", f"the secure connection to {host} failed (certificate or TLS error)", url)
    if isinstance(exc, requests.exceptions.Timeout) or "timeout" in names.lower():
        return FetchError("timeout", f"{host} did not answer in time", url)
    if "NameResolutionError" in names or "gaierror" in names or "name or service not known" in text:
        return FetchError("dns", f"the name {host} could not be found (DNS)", url)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or "IncompleteRead" in names:
        return FetchError("truncated", f"the answer from {host} was cut off", url)
    if "reset" in text or "ConnectionResetError" in names or "RemoteDisconnected" in names:
        return FetchError("reset", f"the connection to {host} was reset", url)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return FetchError("connect", f"could not connect to {host}", url)
    return FetchError("connect", f"could not reach {host} ({type(exc).__name__})", url)


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
    seconds = max(0, round(seconds))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
