"""A loopback Mastodon server for tests and benches, written from Mastodon's public API document.

Why it exists: no Mastodon server installs here (none in Debian; npm and PyPI hold only
clients), and the hard cases of posting (a lost answer, a retry with the same key, a
rate limit, a server that drips its answer) must go over real HTTP, not be faked inside
the client. Nothing here imports pytest, so the CLI crash test (which kills
``outagetray send`` processes that post here) and the benches reuse it::

    with MastodonPeer(token="tok-123") as peer:
        ...  # point a channel at peer.base_url with that token
        peer.fault = "drop_after_post"  # the next posts are made, then the line goes dead
        assert peer.wait_for_statuses(1)
        print(peer.statuses)

What it does, as Mastodon does (docs.joinmastodon.org, methods/statuses, instance, accounts):

- ``Authorization: Bearer <token>``; a missing token is 401 ``{"error": "This method requires
  an authenticated user"}``, a wrong one 401 ``{"error": "The access token is invalid"}``, a
  token without the scope 403 ``{"error": "This action is outside the authorized scopes"}``.
- ``POST /api/v1/statuses`` (form or JSON: ``status``, ``visibility``) answers 200 with the
  Status. The ``Idempotency-Key`` header is kept (per account, ``key_window`` seconds: about
  an hour on Mastodon) with the status it made; a retry with it answers that same status.
  Keys are checked and stored under one lock, as Mastodon does under a Redis lock.
- 422 ``Validation failed: Text character limit of 500 exceeded``, counted as Mastodon
  counts (graphemes, each link 23, ``@user@domain`` as ``@user``: the project's own port
  of Mastodon's validator, ``outagetray.core.limits.mastodon_length``); 422
  ``Validation failed: Text can't be blank``.
- ``GET /api/v2/instance`` (no token) with ``configuration.statuses.max_characters`` and
  ``characters_reserved_per_url``; ``GET /api/v1/accounts/verify_credentials``;
  ``GET /api/v1/statuses/:id``. Anything else is 404 ``{"error": "Record not found"}``.
- A 429 carries ``X-RateLimit-Limit``, ``X-RateLimit-Remaining`` and ``X-RateLimit-Reset``
  (an ISO 8601 moment), as Mastodon sends them, and no ``Retry-After``.

Faults (``peer.fault = ...``, settable at any time from any thread; None answers normally):

- on ``POST /api/v1/statuses`` only, after the token is accepted:
  ``"429"`` (the rate limit, nothing made); ``"echo"`` (400 whose error repeats the token,
  over two lines: a careless server); ``"sleep"`` (the status is made, then the answer is
  held until :meth:`release` or :meth:`stop`: a timeout after the send); ``"drip"`` (the
  status is made, then the answer goes out one byte every ``drip_step`` seconds, so no
  per-read timeout ever fires); ``"drop_after_post"`` (the status is made, then the
  connection is closed without a word: the crash, or lost-answer, case).
- on every request: ``"503"`` (the server is down, a bare 503 page); ``"html"`` (200 with a
  web page, as a Wi-Fi sign-in page answers).

It is a ``ThreadingHTTPServer`` on a free 127.0.0.1 port: requests are served at once,
each in its own thread, so a held or dripping answer never blocks the others.
"""

from __future__ import annotations

import html
import itertools
import json
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from outagetray.core.limits import MASTODON_URL_LENGTH, mastodon_length

__all__ = ["FAULTS", "MastodonPeer", "Request"]

#: The faults a peer takes; see the module text.
FAULTS = ("429", "503", "sleep", "drip", "echo", "drop_after_post", "html")
#: The longest a held answer waits when nobody releases or stops the peer (a test that forgot).
HOLD_LIMIT = 30.0
#: The seconds Mastodon asks a rate-limited client to wait, in the peer's 429.
RATE_LIMIT_WAIT = 30

_Answer = tuple[int, dict[str, str], bytes]
_HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head><body>Hi</body></html>"
_SCOPES_FOR = {
    "post": ("write", "write:statuses"),
    "account": ("read", "read:accounts", "profile"),
}


@dataclass(frozen=True)
class Request:
    """One request as the peer read it (header names in lower case)."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes


class MastodonPeer:
    """A small Mastodon with one account; a context manager that starts and stops it.

    ``statuses`` is a snapshot (a new list each time) of every status made, oldest first;
    each is the Status the API answered, plus ``text`` (as sent) and ``idempotency_key``.
    """

    def __init__(
        self,
        token: str = "peer-token-0123456789",
        *,
        username: str = "shop",
        max_characters: int = 500,
        scopes: Iterable[str] = ("read", "write"),
        key_window: float = 3600.0,
        drip_step: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token = token
        self.username = username
        self.max_characters = max_characters
        self.scopes = frozenset(scopes)
        self.key_window = key_window
        self.drip_step = drip_step
        self.clock = clock
        #: One of :data:`FAULTS`, or None to answer normally.
        self.fault: str | None = None
        self._statuses: list[dict[str, Any]] = []
        self._keys: dict[str, tuple[dict[str, Any], float]] = {}
        self._seen: list[Request] = []
        self._ids = itertools.count(113_500_000_000_000_001)
        self._changed = threading.Condition()
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:  # never the token
        where = self.base_url if self._server is not None else "stopped"
        return f"MastodonPeer({where}, @{self.username})"

    # -- what tests read ------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the Mastodon peer is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def statuses(self) -> list[dict[str, Any]]:
        with self._changed:
            return [dict(status) for status in self._statuses]

    @property
    def seen(self) -> list[Request]:
        """Every request, oldest first (a snapshot)."""
        with self._changed:
            return list(self._seen)

    def wait_for_statuses(self, count: int, timeout: float = 5.0) -> bool:
        """Block until at least ``count`` statuses exist; False when ``timeout`` passed first."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self._statuses) >= count, timeout)

    def release(self) -> None:
        """Let every held (``"sleep"``) or dripping answer go; later ones are held again."""
        self._release.set()
        self._release = threading.Event()

    # -- life -----------------------------------------------------------------------------

    def start(self) -> MastodonPeer:
        server = _Server(("127.0.0.1", 0), _handler(self))
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="mastodon-peer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

    def __enter__(self) -> MastodonPeer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- answering ------------------------------------------------------------------------

    def _route(self, request: Request) -> _Answer:
        if self.fault == "503":
            return 503, {"Content-Type": "text/html"}, b"<html><body>503 Service Unavailable</body></html>"
        if self.fault == "html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, _HTML_PAGE
        path = request.path.rstrip("/")
        if request.method == "GET" and path == "/api/v2/instance":
            return _json(self._instance())
        if request.method == "GET" and path == "/api/v1/accounts/verify_credentials":
            return self._authorized(request, "account") or _json(self._account())
        if request.method == "GET" and path.startswith("/api/v1/statuses/"):
            wanted = path.rsplit("/", 1)[1]
            with self._changed:
                found = [s for s in self._statuses if s["id"] == wanted]
            return _json(_public(found[0])) if found else _json({"error": "Record not found"}, 404)
        if request.method == "POST" and path == "/api/v1/statuses":
            return self._authorized(request, "post") or self._post(request)
        return _json({"error": "Record not found"}, 404)

    def _authorized(self, request: Request, need: str) -> _Answer | None:
        """None when the token may do ``need``; else the 401 or 403 Mastodon answers."""
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or not header[7:].strip():
            return _json({"error": "This method requires an authenticated user"}, 401)
        if header[7:].strip() != self.token:
            return _json({"error": "The access token is invalid"}, 401)
        if not self.scopes.intersection(_SCOPES_FOR[need]):
            return _json({"error": "This action is outside the authorized scopes"}, 403)
        return None

    def _post(self, request: Request) -> _Answer:
        fault = self.fault
        if fault == "429":
            reset = datetime.now(UTC) + timedelta(seconds=RATE_LIMIT_WAIT)
            headers = {
                "X-RateLimit-Limit": "300",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": reset.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            }
            return _json({"error": "Too many requests"}, 429, headers)
        if fault == "echo":
            return _json({"error": f"Bad request with token {self.token}\nsecond line"}, 400)
        params = _params(request)
        text = str(params.get("status") or "")
        key = request.headers.get("idempotency-key", "")
        with self._changed:
            if key:
                kept = self._keys.get(key)
                if kept is not None and self.clock() - kept[1] < self.key_window:
                    return _json(_public(kept[0]))
            if not text.strip():
                return _json({"error": "Validation failed: Text can't be blank"}, 422)
            if mastodon_length(text) > self.max_characters:
                return _json(
                    {"error": f"Validation failed: Text character limit of {self.max_characters} exceeded"},
                    422,
                )
            status = self._status(text, str(params.get("visibility") or "public"), key)
            self._statuses.append(status)
            if key:
                self._keys[key] = (status, self.clock())
            self._changed.notify_all()
        return _json(_public(status))

    def _status(self, text: str, visibility: str, key: str) -> dict[str, Any]:
        number = str(next(self._ids))
        return {
            "id": number,
            "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "uri": f"{self.base_url}/users/{self.username}/statuses/{number}",
            "url": f"{self.base_url}/@{self.username}/{number}",
            "visibility": visibility,
            "sensitive": False,
            "spoiler_text": "",
            "in_reply_to_id": None,
            "content": "".join(f"<p>{html.escape(part)}</p>" for part in text.split("\n\n")),
            "account": self._account(),
            "text": text,
            "idempotency_key": key,
        }

    def _account(self) -> dict[str, Any]:
        return {
            "id": "109000000000000001",
            "username": self.username,
            "acct": self.username,
            "display_name": self.username.title(),
            "url": f"{self.base_url}/@{self.username}",
        }

    def _instance(self) -> dict[str, Any]:
        return {
            "domain": "127.0.0.1",
            "title": "Loopback Mastodon",
            "version": "4.3.0",
            "configuration": {
                "statuses": {
                    "max_characters": self.max_characters,
                    "max_media_attachments": 4,
                    "characters_reserved_per_url": MASTODON_URL_LENGTH,
                }
            },
        }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    #: Room for many clients at once (a bench, several ``outagetray send`` processes).
    request_queue_size = 128


def _public(status: Mapping[str, Any]) -> dict[str, Any]:
    """The Status as the API shows it (without what only the peer keeps)."""
    return {k: v for k, v in status.items() if k not in ("text", "idempotency_key")}


def _params(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").startswith("application/json"):
        try:
            data = json.loads(request.body)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return dict(parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True))


def _json(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> _Answer:
    out = {"Content-Type": "application/json; charset=utf-8"}
    out.update(headers or {})
    return status, out, json.dumps(data).encode()


def _handler(peer: MastodonPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(
                self.command,
                urlsplit(self.path).path,
                {k.lower(): v for k, v in self.headers.items()},
                body,
            )
            with peer._changed:
                peer._seen.append(request)
            fault = peer.fault
            release = peer._release
            status, headers, payload = peer._route(request)
            posted = (
                request.method == "POST" and status == 200 and fault in ("sleep", "drip", "drop_after_post")
            )
            if posted and fault == "drop_after_post":
                self.close_connection = True  # made, and not a word back
                return
            if posted and fault == "sleep":
                release.wait(HOLD_LIMIT)
            head = f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            head += f"Content-Length: {len(payload)}\r\n\r\n"
            whole = head.encode("latin-1") + payload
            try:
                if posted and fault == "drip":
                    for i in range(len(whole)):
                        if release.wait(peer.drip_step):
                            self.close_connection = True
                            return
                        self.wfile.write(whole[i : i + 1])
                else:
                    self.wfile.write(whole)
            except OSError:
                self.close_connection = True  # the client gave up: nothing to tell it

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: tests read ``seen`` instead

    return Handler
