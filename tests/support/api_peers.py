"""Loopback stand-ins for the Facebook Graph API and the X API v2, written from their public documents.

(And a plain JSON web hook, which is what Apprise's json:// URL posts to.)

Why they exist: neither service can be run here, and the channels' hard cases (an expired
token, a rate limit, a duplicate, an answer that never comes) must be sent for real over
HTTP, not faked inside the client. Each peer:

- listens on a free 127.0.0.1 port, in a thread (``with GraphPeer(...) as peer:``), and
  can be used by tests and benches alike (nothing here imports pytest);
- checks the credentials the way the service does (a Page token; an OAuth 1.0a HMAC-SHA1
  signature, recomputed here independently of the channel's own code, with nonces that
  may not be reused), and keeps every post it made in ``posts``;
- answers with the service's status codes and error bodies, and takes faults:
  ``peer.fault = "hold"`` stores the post, then holds the answer until the peer stops
  (a timeout after the send); ``"html"`` answers 200 with a web page (a captive portal);
  ``"503"`` and ``"502"`` answer with a bare server error; the rest are per peer
  (:meth:`GraphPeer.fail_with`, :meth:`XPeer.rate_limited`).

Graph API facts used: ``POST /{version}/{page-id}/feed`` with ``message`` answers
``{"id": "{page-id}_{post-id}"}``; ``GET /{version}/me`` with a Page token is the Page;
errors are ``{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}``,
mostly with status 400 (190 bad token, 200 permission, 4/17/32/613 rate limits, 368 blocked).
X API v2 facts used: ``POST /2/tweets`` ``{"text"}`` answers 201 ``{"data": {"id", "text"}}``;
the same text again is 403 "You are not allowed to create a Tweet with duplicate content.";
a bad signature is 401; 429 carries ``x-rate-limit-reset`` (epoch seconds);
``GET /2/users/me`` answers ``{"data": {"id", "name", "username"}}``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit

__all__ = ["ApiPeer", "GraphPeer", "JsonHookPeer", "Seen", "XPeer"]

#: The longest a held answer waits when nobody stops the peer (a test that forgot).
HOLD_LIMIT = 30.0

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Seen:
    """One request as the peer read it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


def json_answer(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Answer:
    out = {"Content-Type": "application/json; charset=UTF-8"}
    out.update(headers or {})
    return status, out, json.dumps(data).encode()


HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head><body>Hello</body></html>"


class ApiPeer:
    """The common part: a threaded HTTP server on 127.0.0.1 and the shared faults."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.seen: list[Seen] = []
        #: "hold", "html", "503", "502", or a peer's own; None answers normally.
        self.fault: str | None = None
        #: Set when a post was stored (a held send can be awaited on it).
        self.posted = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- life ---------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the peer is not running")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> ApiPeer:
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_DELETE(self) -> None:
                self._answer()

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                seen = Seen(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query, keep_blank_values=True)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
                with peer._lock:
                    peer.seen.append(seen)
                status, headers, payload = peer.handle(seen)
                try:
                    self.send_response(status)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (a held answer): nothing to tell it

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: tests read ``seen`` instead

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
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

    def __enter__(self) -> ApiPeer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()

    # -- answering ----------------------------------------------------------------------------

    def handle(self, seen: Seen) -> Answer:
        """The answer to one request; the peers override :meth:`route`."""
        if self.fault == "503":
            return 503, {"Content-Type": "text/plain", "Retry-After": "20"}, b"Service Unavailable"
        if self.fault == "502":
            return 502, {"Content-Type": "text/html"}, b"<html><body>502 Bad Gateway</body></html>"
        return self.route(seen)

    def route(self, seen: Seen) -> Answer:
        raise NotImplementedError

    def store(self, post: dict[str, Any]) -> None:
        with self._lock:
            self.posts.append(post)
        self.posted.set()

    def after_post(self, answer: Answer) -> Answer:
        """The answer to a post just stored, unless a fault holds or replaces it."""
        if self.fault == "hold":
            self._release.wait(HOLD_LIMIT)
        if self.fault == "html":
            return 200, {"Content-Type": "text/html; charset=utf-8"}, HTML_PAGE
        return answer


# -- the Facebook Graph API ------------------------------------------------------------------------

_VERSIONED = re.compile(r"^/(v\d+\.\d+)/(.+)$")


@dataclass
class GraphError:
    status: int
    code: int
    message: str
    subcode: int | None = None
    is_transient: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class GraphPeer(ApiPeer):
    """A Facebook Page behind the Graph API: one Page token, a feed, and Graph's error bodies."""

    def __init__(
        self, page_id: str = "104812345678901", token: str = "", page_name: str = "Corner Shop"
    ) -> None:
        super().__init__()
        self.page_id = page_id
        self.page_name = page_name
        self.token = token or "EAAGpage-Token-0123456789abcdef"
        #: A valid token that is a person's, not the Page's (``/me`` is then the person).
        self.user_token = "EAAGuser-Token-fedcba9876543210"
        self.error: GraphError | None = None
        self._numbers = iter(range(900_000_000_000_001, 10**18))

    def fail_with(
        self,
        code: int,
        message: str,
        *,
        status: int = 400,
        subcode: int | None = None,
        is_transient: bool = False,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer every request with this Graph error (as the service does for a whole token or app)."""
        self.error = GraphError(status, code, message, subcode, is_transient, dict(headers or {}))

    def _error(self, error: GraphError) -> Answer:
        body: dict[str, Any] = {
            "message": error.message,
            "type": "OAuthException",
            "code": error.code,
            "fbtrace_id": "AbCdEfGhIjK",
        }
        if error.subcode is not None:
            body["error_subcode"] = error.subcode
        if error.is_transient:
            body["is_transient"] = True
        return json_answer({"error": body}, error.status, error.headers)

    def _token(self, seen: Seen) -> str:
        auth = seen.headers.get("authorization", "")
        for scheme in ("Bearer ", "OAuth "):
            if auth.startswith(scheme):
                return auth[len(scheme) :].strip()
        if seen.method == "POST" and "access_token" in seen.form():
            return seen.form()["access_token"]
        return seen.query.get("access_token", "")

    def route(self, seen: Seen) -> Answer:
        found = _VERSIONED.match(seen.path)
        if not found:
            return self._error(GraphError(400, 2500, "Unknown path components: " + seen.path))
        node = found.group(2)
        token = self._token(seen)
        if not token:
            return self._error(
                GraphError(400, 2500, "An active access token must be used to query information.")
            )
        if token not in (self.token, self.user_token):
            return self._error(
                GraphError(400, 190, "Invalid OAuth access token - Cannot parse access token", subcode=None)
            )
        if self.error is not None:
            return self._error(self.error)
        if seen.method == "GET" and node in ("me", self.page_id):
            if token == self.user_token and node == "me":
                return json_answer({"id": "5550001112223", "name": "Sam Owner"})
            return json_answer({"id": self.page_id, "name": self.page_name})
        if seen.method == "POST" and node == f"{self.page_id}/feed":
            if token == self.user_token:
                return self._error(
                    GraphError(
                        403,
                        200,
                        "(#200) If posting to a page, requires both pages_read_engagement "
                        "and pages_manage_posts as an admin with sufficient administrative permission",
                    )
                )
            message = seen.form().get("message", "")
            if not message:
                return self._error(GraphError(400, 100, "(#100) Missing message or attachment"))
            post_id = f"{self.page_id}_{next(self._numbers)}"
            self.store({"id": post_id, "message": message})
            return self.after_post(json_answer({"id": post_id}))
        return self._error(
            GraphError(
                400, 100, f"Unsupported {seen.method.lower()} request. Object with ID '{node}' does not exist"
            )
        )


# -- the X API v2 -----------------------------------------------------------------------------------


def _pct(value: str) -> str:
    """RFC 3986 percent-encoding, as RFC 5849 section 3.6 asks."""
    return quote(value, safe="-._~")


def _oauth_params(header: str) -> dict[str, str]:
    if not header.startswith("OAuth "):
        return {}
    found = re.findall(r'([A-Za-z_]+)="([^"]*)"', header[len("OAuth ") :])
    return {unquote(k): unquote(v) for k, v in found}


class XPeer(ApiPeer):
    """One X account behind the API v2, checking OAuth 1.0a signatures and X's duplicate rule."""

    def __init__(
        self,
        consumer_key: str = "xk-Consumer-0123456789",
        consumer_secret: str = "xs-ConsumerSecret-abcdefghij0123456789",
        token: str = "1234567890-AccessToken0123456789",
        token_secret: str = "ts-TokenSecret-0123456789abcdefghij",
        username: str = "cornershop",
    ) -> None:
        super().__init__()
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token = token
        self.token_secret = token_secret
        self.username = username
        self.nonces: set[str] = set()
        #: The 429's headers, when :meth:`rate_limited` was called.
        self.limit_headers: dict[str, str] | None = None
        #: Answer posts with 403 "not permitted" (an app with read-only permission).
        self.read_only = False
        #: Answer posts with 403 and this detail (a suspended account, an app on the wrong plan).
        self.forbidden: str | None = None
        #: The clock the peer signs ``x-rate-limit-reset`` with.
        self.wall = time.time
        self._numbers = iter(range(1_845_000_000_000_000_001, 10**20))

    def keys(self) -> str:
        """The four values as OutageTray keeps them: separated by spaces."""
        return f"{self.consumer_key} {self.consumer_secret} {self.token} {self.token_secret}"

    def rate_limited(self, reset_in: float) -> None:
        """Answer 429 with ``x-rate-limit-reset`` ``reset_in`` seconds from now."""
        reset = int(self.wall() + reset_in)
        self.limit_headers = {
            "x-rate-limit-limit": "17",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        }

    def _signed(self, seen: Seen) -> bool:
        params = _oauth_params(seen.headers.get("authorization", ""))
        signature = params.pop("oauth_signature", "")
        if (
            params.get("oauth_consumer_key") != self.consumer_key
            or params.get("oauth_token") != self.token
            or params.get("oauth_signature_method") != "HMAC-SHA1"
            or not params.get("oauth_nonce")
            or not params.get("oauth_timestamp", "").isdigit()
        ):
            return False
        if abs(int(params["oauth_timestamp"]) - time.time()) > 300:
            return False
        params.pop("realm", None)
        pairs = [*params.items(), *seen.query.items()]
        if seen.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            pairs += list(seen.form().items())
        normal = "&".join(f"{k}={v}" for k, v in sorted((_pct(k), _pct(v)) for k, v in pairs))
        host = seen.headers.get("host", "").lower()
        base = "&".join((seen.method.upper(), _pct(f"http://{host}{seen.path}"), _pct(normal)))
        key = f"{_pct(self.consumer_secret)}&{_pct(self.token_secret)}".encode()
        expected = base64.b64encode(hmac.new(key, base.encode(), hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            return False
        with self._lock:
            if params["oauth_nonce"] in self.nonces:
                return False
            self.nonces.add(params["oauth_nonce"])
        return True

    def route(self, seen: Seen) -> Answer:
        if not self._signed(seen):
            return json_answer(
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"}, 401
            )
        if self.limit_headers is not None:
            return json_answer(
                {
                    "title": "Too Many Requests",
                    "detail": "Too Many Requests",
                    "type": "about:blank",
                    "status": 429,
                },
                429,
                self.limit_headers,
            )
        if seen.method == "GET" and seen.path == "/2/users/me":
            return json_answer(
                {"data": {"id": "2244994945", "name": "Corner Shop", "username": self.username}}
            )
        if seen.method == "POST" and seen.path == "/2/tweets":
            return self._tweet(seen)
        return json_answer(
            {"title": "Not Found Error", "detail": "Sorry, that page does not exist.", "status": 404}, 404
        )

    def _tweet(self, seen: Seen) -> Answer:
        if self.forbidden is not None:
            body = {"title": "Forbidden", "type": "about:blank", "status": 403, "detail": self.forbidden}
            return json_answer(body, 403)
        if self.read_only:
            return json_answer(
                {
                    "title": "Forbidden",
                    "type": "about:blank",
                    "status": 403,
                    "detail": "Your client app is not configured with the appropriate oauth1 app "
                    "permissions for this endpoint.",
                },
                403,
            )
        data = seen.json()
        text = data.get("text") if isinstance(data, dict) else None
        if not isinstance(text, str) or not text:
            return json_answer(
                {
                    "errors": [{"message": "Your Tweet text is empty."}],
                    "title": "Invalid Request",
                    "detail": "One or more parameters to your request was invalid.",
                    "type": "https://api.twitter.com/2/problems/invalid-request",
                },
                400,
            )
        with self._lock:
            duplicate = any(post["text"] == text for post in self.posts)
        if duplicate:
            return json_answer(
                {
                    "detail": "You are not allowed to create a Tweet with duplicate content.",
                    "type": "about:blank",
                    "title": "Forbidden",
                    "status": 403,
                },
                403,
            )
        post = {"id": str(next(self._numbers)), "text": text}
        self.store(post)
        return self.after_post(json_answer({"data": dict(post)}, 201))


# -- a JSON webhook (what Apprise's json:// URL posts to) ----------------------------------------


class JsonHookPeer(ApiPeer):
    """A web hook taking Apprise's JSON notification (``version``, ``title``, ``message``, ``type``).

    With ``user`` and ``password`` it wants HTTP Basic credentials (``json://user:password@host``)
    and answers 401 without them. ``fault`` may also be ``"401"`` or ``"429"``.
    """

    def __init__(self, path: str = "/hook", user: str = "", password: str = "") -> None:
        super().__init__()
        self.path = path
        self.user = user
        self.password = password

    def route(self, seen: Seen) -> Answer:
        if seen.method != "POST" or seen.path != self.path:
            return json_answer({"error": "not found"}, 404)
        if self.user or self.password:
            wanted = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            if seen.headers.get("authorization", "") != f"Basic {wanted}":
                return json_answer({"error": "unauthorized"}, 401)
        if self.fault == "401":
            return json_answer({"error": "unauthorized"}, 401)
        if self.fault == "429":
            return json_answer({"error": "slow down"}, 429, {"Retry-After": "30"})
        data = seen.json()
        if not isinstance(data, dict) or "message" not in data:
            return json_answer({"error": "no message"}, 400)
        self.store({"title": data.get("title", ""), "message": data["message"], "type": data.get("type")})
        return self.after_post(json_answer({"ok": True}))
