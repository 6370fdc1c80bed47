"""A loopback Ghost Admin API for tests and benches, written from Ghost's public Admin API document.

Why it exists: a real Ghost installs only from npm (six minutes, half a gigabyte; see the
peers README), and what the channel must get right is the API's contract: the signed
token, the slugs, the error bodies. Nothing here imports pytest, so benches and the CLI
tests can reuse it::

    with GhostPeer() as peer:
        ...  # point a channel at peer.base_url with peer.admin_key
        peer.fault = "slow"  # the next post is made, then its answer is held
        peer.release()

What it does, as Ghost 5 does (docs.ghost.org/admin-api, and Ghost's api-key/admin.js):

- ``Authorization: Ghost <token>``, the token an HS256 JWT whose header names the key
  (``kid``) and whose payload has ``iat``, ``exp`` and ``aud`` ``/admin/``; it is verified
  for real: a token Ghost cannot decode is 400 ``INVALID_JWT``; an unknown ``kid`` 401
  ``UNKNOWN_ADMIN_API_KEY``; a bad signature, another algorithm, another audience, an
  expired token or one issued more than five minutes ago 401 ``INVALID_JWT``; another
  scheme 401 ``INVALID_AUTH_HEADER``; no header 403 ``NoPermissionError``.
- Errors are ``{"errors": [{"message", "context", "type", "code", ...}]}``.
- ``POST /ghost/api/admin/posts/?source=html`` with ``{"posts": [{title, html, status,
  slug}]}`` answers 201 ``{"posts": [post]}``; a taken slug gets ``-2`` (``-3``…), as Ghost
  does, so a second post is made; a title over 255 characters is 422 ``ValidationError``.
- ``GET posts/slug/<slug>/`` answers the post or 404 ``NotFoundError``; ``GET posts/``
  (``limit``, ``fields``) lists them; ``GET site/`` needs no key. Anything else is 404.

Faults (``peer.fault = ...``; None answers normally), on ``POST posts/`` only, after the
token is accepted: ``"429"`` (Retry-After 30), ``"500"``, ``"502"``, ``"503"``, ``"504"``
(nothing made); ``"hold"`` (the request waits *before* the post is made, until :meth:`release`);
``"html"`` (200 with a web page, nothing made); ``"echo"`` (400 whose message repeats
the Authorization header, over two lines); ``"slow"`` (the post is made, then the
answer is held until :meth:`release` or :meth:`stop`). ``"html-all"`` and ``"503-all"``
hit every request.

It is a ``ThreadingHTTPServer`` on a free 127.0.0.1 port, each request in its own thread.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

__all__ = ["GhostPeer"]

API = "/ghost/api/admin/"
#: Ghost verifies with maxAge 5m: a token issued longer ago is refused even if exp says later.
MAX_AGE = 300
MAX_TITLE = 255


class GhostPeer:
    """A running Ghost Admin API with one integration; ``admin_key`` is its ``id:hexsecret``."""

    def __init__(self, *, clock: Callable[[], float] = time.time, hold: float = 10.0) -> None:
        self.key_id = secrets.token_hex(12)
        self.secret_hex = secrets.token_hex(32)
        self.admin_key = f"{self.key_id}:{self.secret_hex}"
        self.clock = clock
        self.hold = hold
        self.fault: str | None = None
        self.posts: list[dict[str, Any]] = []
        self.requests: list[tuple[str, str]] = []
        #: Every token presented, in order (to see when a client makes a new one).
        self.tokens: list[str] = []
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._released = threading.Event()
        self._numbers = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="ghost-peer", daemon=True)

    def __enter__(self) -> GhostPeer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def release(self) -> None:
        """Let held answers go (fault ``slow``)."""
        self._released.set()

    def reset(self) -> None:
        """Answer normally again, and hold the next ``slow`` answer afresh."""
        self.fault = None
        self._released.set()
        self._released = threading.Event()

    def wait_for_posts(self, count: int, timeout: float = 5.0) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: len(self.posts) >= count, timeout)

    def post_by_slug(self, slug: str) -> dict[str, Any] | None:
        with self._lock:
            return next((p for p in self.posts if p["slug"] == slug), None)

    # -- what Ghost does -----------------------------------------------------------------------

    def authenticate(self, header: str, path: str) -> tuple[int, dict[str, Any]] | None:
        """None when the token is good; else Ghost's status and error body."""
        if not header:
            return 403, _error(
                "Authorization failed",
                "NoPermissionError",
                "Unable to determine the authenticated user or integration. "
                "Check that cookies are being passed through if using session authentication.",
            )
        scheme, _, token = header.partition(" ")
        with self._lock:
            self.tokens.append(token)
        if scheme != "Ghost" or not token:
            return 401, _error(
                'Authorization header format is "Authorization: Ghost [token]"',
                "UnauthorizedError",
                code="INVALID_AUTH_HEADER",
            )
        parts = token.split(".")
        try:
            header_data = json.loads(_unb64(parts[0]))
            payload = json.loads(_unb64(parts[1]))
            signature = _unb64(parts[2])
        except (ValueError, IndexError):
            return 400, _error("Invalid token", "BadRequestError", code="INVALID_JWT")
        if not isinstance(header_data, dict) or not isinstance(payload, dict):
            return 400, _error("Invalid token", "BadRequestError", code="INVALID_JWT")
        if not header_data.get("kid"):
            return 400, _error("Admin API kid missing.", "BadRequestError", code="MISSING_ADMIN_API_KID")
        if header_data["kid"] != self.key_id:
            return 401, _error("Unknown Admin API Key", "UnauthorizedError", code="UNKNOWN_ADMIN_API_KEY")

        def invalid(why: str) -> tuple[int, dict[str, Any]]:
            return 401, _error(f"Invalid token: {why}", "UnauthorizedError", code="INVALID_JWT")

        if header_data.get("alg") != "HS256":
            return invalid("invalid algorithm")
        signed = (parts[0] + "." + parts[1]).encode("ascii")
        expected = hmac.new(bytes.fromhex(self.secret_hex), signed, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, signature):
            return invalid("invalid signature")
        now = self.clock()
        exp, iat = payload.get("exp"), payload.get("iat")
        if not isinstance(exp, (int, float)) or now >= exp:
            return invalid("jwt expired")
        if not isinstance(iat, (int, float)) or now - iat > MAX_AGE:
            return invalid("maxAge exceeded")
        audience = payload.get("aud")
        if not isinstance(audience, str) or audience.strip("/") not in ("admin", "v5/admin", "v4/admin"):
            return invalid(f"jwt audience invalid. expected: {path}")
        return None

    def create(self, body: Any, base: str) -> tuple[int, dict[str, Any]]:
        posts = body.get("posts") if isinstance(body, dict) else None
        if not isinstance(posts, list) or not posts or not isinstance(posts[0], dict):
            return 422, _error("Validation error, cannot save post.", "ValidationError", "No posts found.")
        data = posts[0]
        title = str(data.get("title") or "(Untitled)")
        if len(title) > MAX_TITLE:
            return 422, _error(
                "Validation error, cannot save post.",
                "ValidationError",
                f"Value in [posts.title] exceeds maximum length of {MAX_TITLE} characters.",
            )
        status = data.get("status", "draft")
        if status not in ("published", "draft", "scheduled"):
            return 422, _error("Validation error, cannot save post.", "ValidationError", "Invalid status.")
        with self._lock:
            wanted = _slugify(str(data.get("slug") or title))
            slug = wanted
            taken = {p["slug"] for p in self.posts}
            for number in itertools.count(2):
                if slug not in taken:
                    break
                slug = f"{wanted}-{number}"
            ident = f"{next(self._numbers):024x}"
            post_uuid = str(uuid.uuid4())
            url = f"{base}/{slug}/" if status == "published" else f"{base}/p/{post_uuid}/"
            post = {
                "id": ident,
                "uuid": post_uuid,
                "title": title,
                "slug": slug,
                "html": str(data.get("html") or ""),
                "status": status,
                "url": url,
                "created_at": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.clock())),
            }
            self.posts.append(post)
            self._changed.notify_all()
        return 201, {"posts": [post]}


def _error(message: str, kind: str, context: str | None = None, *, code: str | None = None) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": message,
                "context": context,
                "type": kind,
                "details": None,
                "property": None,
                "help": None,
                "code": code,
                "id": str(uuid.uuid4()),
                "ghostErrorCode": None,
            }
        ]
    }


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _slugify(text: str) -> str:
    out = "".join(c if c.isalnum() else "-" for c in text.lower())
    return "-".join(part for part in out.split("-") if part)[:185] or "untitled"


def _handler(peer: GhostPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            path, query = parts.path, parse_qs(parts.query)
            with peer._lock:
                peer.requests.append((method, self.path))
            fault = peer.fault or ""
            everything = fault.endswith("-all")
            if everything and fault == "html-all":
                return self._page()
            if everything and fault == "503-all":
                return self._json(503, _error("Service Unavailable", "InternalServerError"))
            if not path.startswith(API):
                return self._page(404)  # Ghost's site answers other addresses with its 404 page
            route = path[len(API) :]
            if route == "site/" and method == "GET":
                return self._json(
                    200, {"site": {"title": "Shop news", "url": peer.base_url + "/", "version": "5.130"}}
                )
            refused = peer.authenticate(self.headers.get("Authorization", ""), path)
            if refused:
                return self._json(*refused)
            if route == "posts/" and method == "POST":
                return self._create(raw, query, fault)
            if route == "posts/" and method == "GET":
                limit = int((query.get("limit") or ["15"])[0])
                with peer._lock:
                    listed = [dict(p) for p in reversed(peer.posts)][:limit]
                fields = (query.get("fields") or [""])[0]
                if fields:
                    keep = set(fields.split(","))
                    listed = [{k: v for k, v in p.items() if k in keep} for p in listed]
                return self._json(200, {"posts": listed, "meta": {"pagination": {"page": 1, "limit": limit}}})
            if route.startswith("posts/slug/") and method == "GET":
                found = peer.post_by_slug(route[len("posts/slug/") :].strip("/"))
                if found is None:
                    return self._json(404, _error("Post not found.", "NotFoundError"))
                return self._json(200, {"posts": [found]})
            return self._json(404, _error("Resource not found", "NotFoundError"))

        def _create(self, raw: bytes, query: dict[str, list[str]], fault: str) -> None:
            if fault == "429":
                return self._json(
                    429,
                    _error("Too many requests.", "TooManyRequestsError"),
                    {"Retry-After": "30"},
                )
            if fault == "hold":  # held before the post is saved, until release() or stop()
                peer._released.wait(peer.hold)
            if fault in ("500", "502", "503", "504"):
                return self._json(
                    int(fault), _error("The server has encountered an error.", "InternalServerError")
                )
            if fault == "html":
                return self._page()
            if fault == "echo":  # a careless proxy that repeats the request's header in its error
                said = "Bad request with " + self.headers.get("Authorization", "") + "\nsecond line"
                return self._json(400, _error(said, "BadRequestError"))
            try:
                body = json.loads(raw or b"null")
            except ValueError:
                return self._json(400, _error("Request not understood error.", "BadRequestError"))
            if (query.get("source") or [""])[0] != "html":
                return self._json(
                    422, _error("Validation error, cannot save post.", "ValidationError", "lexical")
                )
            status, answer = peer.create(body, peer.base_url)
            if fault == "slow" and status == 201:
                peer._released.wait(peer.hold)  # the event of this moment: reset() makes a new one
            return self._json(status, answer)

        def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _page(self, status: int = 200) -> None:
            body = b"<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>"
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
