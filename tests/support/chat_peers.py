"""Loopback HTTP peers for Telegram's Bot API, Discord webhooks and Slack incoming webhooks.

Written from the services' public documents, so the channels meet the status codes,
error bodies, limits and quirks they will meet for real, without the internet:

- Telegram Bot API: ``/bot<token>/<method>``; every answer is ``{"ok": ...}``; a
  refusal carries ``error_code``, ``description`` and, for flood control,
  ``parameters.retry_after`` (no Retry-After header); text over 4096 UTF-16 units is
  "Bad Request: message is too long".
- Discord: ``/api/webhooks/<id>/<token>``; ``?wait=true`` answers the message object;
  errors are ``{"message", "code"}`` (10015 Unknown Webhook, 50027 Invalid Webhook
  Token, 50035 Invalid Form Body); a 429 carries ``retry_after`` (float seconds),
  ``global`` and a Retry-After header; content over 2000 characters is refused.
- Slack: ``/services/T/B/X``; 200 with the plain-text body ``ok``; errors are plain-text
  codes (400 no_text / invalid_payload, 403 invalid_token / action_prohibited, 404
  no_service / channel_not_found, 410 channel_is_archived, 429 with Retry-After).

Each peer starts on a free 127.0.0.1 port in a daemon thread (use it as a context
manager), records every request and every message it posted, and takes a ``fault``
that changes its next answers (see :data:`FAULTS`). The ``hold`` fault posts the
message, sets ``held``, and keeps the answer back until ``release`` is set or the peer
stops, so a test can wait for the post instead of sleeping. ``delay`` makes every post's
answer come that many seconds late (a slow but working service, for benches).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

__all__ = ["FAULTS", "ChatPeer", "DiscordPeer", "Recorded", "Reply", "SlackPeer", "TelegramPeer"]

#: Faults every peer understands. ``rate_limited``: 429 in the service's shape; ``server_error``
#: (500), ``bad_gateway`` (502), ``unavailable`` (503): nothing posted; ``html``: a 200 web page
#: (a captive portal or a proxy's page), nothing posted; ``refused_page``: the same page with 400;
#: ``hold``: post, then hold the answer; ``echo``: a refusal whose text repeats the secret (a
#: careless server). SlackPeer also has ``lax``: "ok" to anything, even an empty payload.
FAULTS = (
    "rate_limited",
    "server_error",
    "bad_gateway",
    "unavailable",
    "html",
    "refused_page",
    "hold",
    "echo",
)

HTML_PAGE = b"<!doctype html><html><head><title>Sign in to the Wi-Fi</title></head><body>Hi</body></html>"


@dataclass(frozen=True)
class Recorded:
    """One request as the peer received it."""

    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        head = {"Content-Type": "application/json"}
        head.update(headers or {})
        return cls(status, json.dumps(data).encode(), head)

    @classmethod
    def of_text(cls, text: str, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        head = {"Content-Type": "text/plain; charset=utf-8"}
        head.update(headers or {})
        return cls(status, text.encode(), head)


class ChatPeer:
    """The server and the bookkeeping common to the three peers; subclasses answer."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        #: The messages the peer made visible (what a reader of the channel would see).
        self.posts: list[dict[str, Any]] = []
        self.fault: str | None = None
        self.held = threading.Event()
        self.release = threading.Event()
        self.stopping = threading.Event()
        #: Seconds every successful post waits before its answer (a slow but working service).
        self.delay = 0.0
        self.lock = threading.Lock()
        peer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
                recorded = Recorded(self.command, parts.path, query, dict(self.headers.items()), body)
                with peer.lock:
                    peer.requests.append(recorded)
                reply = peer.handle(recorded)
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_DELETE = _any

            def log_message(self, format: str, *args: Any) -> None:
                return  # quiet: the paths hold the secrets under test

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.02,), daemon=True, name=type(self).__name__
        )

    # -- life -----------------------------------------------------------------------------------

    def start(self) -> ChatPeer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self.release.set()  # a held answer goes out (to a client that gave up) and the thread ends
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> ChatPeer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- answering ------------------------------------------------------------------------------

    def handle(self, request: Recorded) -> Reply:
        raise NotImplementedError

    def common_fault(self) -> Reply | None:
        """The answer a transport-level fault gives before the service looks at the request."""
        if self.fault == "server_error":
            return Reply.of_text("Internal Server Error", 500)
        if self.fault == "bad_gateway":
            return Reply(502, HTML_PAGE, {"Content-Type": "text/html"})
        if self.fault == "unavailable":
            return Reply.of_text("Service Unavailable", 503, {"Retry-After": "120"})
        if self.fault == "html":
            return Reply(200, HTML_PAGE, {"Content-Type": "text/html"})
        if self.fault == "refused_page":
            return Reply(400, HTML_PAGE, {"Content-Type": "text/html"})
        return None

    def hold_if_asked(self) -> None:
        """A made post's answer waits ``delay`` seconds (a slow service, for benches); under ``hold``
        the test is told the post is made, and the answer waits for ``release``."""
        if self.delay > 0:
            self.stopping.wait(self.delay)
        if self.fault == "hold":
            self.held.set()
            self.release.wait(10.0)

    def record_post(self, post: dict[str, Any]) -> None:
        with self.lock:
            self.posts.append(post)


def utf16_units(text: str) -> int:
    """Telegram counts message length in UTF-16 code units (an emoji outside the BMP is 2)."""
    return len(text.encode("utf-16-le")) // 2


class TelegramPeer(ChatPeer):
    """The Bot API for one bot and a few chats it may or may not post in."""

    LIMIT = 4096

    def __init__(self, token: str, *, bot_username: str = "shop_status_bot") -> None:
        super().__init__()
        self.token = token
        number = token.split(":", 1)[0]
        self.bot = {"id": int(number) if number.isdigit() else 1, "is_bot": True}
        self.bot.update({"first_name": "Shop status", "username": bot_username})
        #: chat key (@username or id text) -> chat object.
        self.chats: dict[str, dict[str, Any]] = {}
        #: chat id -> the bot's status there ("administrator", "member", "left").
        self.member: dict[int, str] = {}
        self.limit = self.LIMIT
        self.retry_after = 7

    def add_chat(
        self,
        chat_id: int,
        *,
        username: str = "",
        title: str = "Shop news",
        kind: str = "channel",
        status: str = "administrator",
    ) -> dict[str, Any]:
        chat: dict[str, Any] = {"id": chat_id, "title": title, "type": kind}
        if username:
            chat["username"] = username
            self.chats["@" + username.lower()] = chat
        self.chats[str(chat_id)] = chat
        self.member[chat_id] = status
        return chat

    def _error(self, code: int, description: str, **parameters: int) -> Reply:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return Reply.of_json(body, code)

    def handle(self, request: Recorded) -> Reply:
        found = re.fullmatch(r"/bot([^/]*)/(\w+)", request.path)
        if not found:
            return self._error(404, "Not Found")
        token, method = found.group(1), found.group(2).lower()  # methods are case-insensitive
        faulted = self.common_fault()
        if faulted is not None:
            return faulted
        if token != self.token:
            return self._error(401, "Unauthorized")
        if self.fault == "rate_limited":
            return self._error(
                429, f"Too Many Requests: retry after {self.retry_after}", retry_after=self.retry_after
            )
        params: dict[str, Any] = dict(request.query)
        data = request.json()
        if isinstance(data, dict):
            params.update(data)
        elif request.body:
            params.update({k: v[-1] for k, v in parse_qs(request.body.decode()).items()})
        if method == "getme":
            return Reply.of_json({"ok": True, "result": self.bot})
        chat = self.chats.get(str(params.get("chat_id", "")).lower())
        if method in ("getchat", "getchatmember", "sendmessage") and chat is None:
            if not params.get("chat_id"):
                return self._error(400, "Bad Request: chat_id is empty")
            return self._error(400, "Bad Request: chat not found")
        if method == "getchat":
            return Reply.of_json({"ok": True, "result": chat})
        if method == "getchatmember":
            status = self.member.get(chat["id"], "left") if chat else "left"
            member: dict[str, Any] = {"user": self.bot, "status": status}
            if status == "administrator":
                member["can_post_messages"] = True
            return Reply.of_json({"ok": True, "result": member})
        if method == "sendmessage" and chat is not None:
            return self._send(chat, params)
        return self._error(404, "Not Found: method not found")

    def _send(self, chat: dict[str, Any], params: dict[str, Any]) -> Reply:
        text = str(params.get("text", ""))
        if self.fault == "echo":
            return self._error(400, f"Bad Request: can't parse entities for bot{self.token}")
        if not text.strip():
            return self._error(400, "Bad Request: message text is empty")
        if utf16_units(text) > self.limit:
            return self._error(400, "Bad Request: message is too long")
        status = self.member.get(chat["id"], "left")
        if status in ("left", "kicked"):
            kind = chat.get("type", "channel")
            return self._error(403, f"Forbidden: bot is not a member of the {kind} chat")
        if chat.get("type") == "channel" and status != "administrator":
            return self._error(400, "Bad Request: need administrator rights in the channel chat")
        message = {"message_id": 100 + len(self.posts), "date": 1764662400, "chat": chat, "text": text}
        self.record_post({"chat_id": chat["id"], "text": text, "params": params, "message": message})
        self.hold_if_asked()
        return Reply.of_json({"ok": True, "result": message})


class DiscordPeer(ChatPeer):
    """One Discord webhook (``/api/webhooks/<id>/<token>``) in one channel of one server."""

    LIMIT = 2000

    def __init__(self, webhook_id: str, token: str, *, guild_id: str | None = "81384788765712384") -> None:
        super().__init__()
        self.webhook_id = webhook_id
        self.token = token
        self.guild_id = guild_id
        self.channel_id = "290926798999357250"
        self.deleted = False
        self.retry_after = 1.5
        self.limit = self.LIMIT

    @property
    def url(self) -> str:
        return f"{self.base}/api/webhooks/{self.webhook_id}/{self.token}"

    def handle(self, request: Recorded) -> Reply:
        found = re.fullmatch(r"/api(?:/v\d+)?/webhooks/(\d+)/([^/]+)", request.path)
        faulted = self.common_fault()
        if faulted is not None:
            return faulted
        if not found or found.group(1) != self.webhook_id or self.deleted:
            return Reply.of_json({"message": "Unknown Webhook", "code": 10015}, 404)
        if found.group(2) != self.token:
            return Reply.of_json({"message": "Invalid Webhook Token", "code": 50027}, 401)
        if self.fault == "rate_limited":
            body = {
                "message": "You are being rate limited.",
                "retry_after": self.retry_after,
                "global": False,
            }
            headers = {"Retry-After": str(int(self.retry_after + 0.999)), "X-RateLimit-Scope": "shared"}
            return Reply.of_json(body, 429, headers)
        if request.method == "GET":
            hook: dict[str, Any] = {
                "type": 1,
                "id": self.webhook_id,
                "name": "Shop status",
                "channel_id": self.channel_id,
                "application_id": None,
                "avatar": None,
                "token": self.token,
            }
            if self.guild_id:
                hook["guild_id"] = self.guild_id
            return Reply.of_json(hook)
        if request.method != "POST":
            return Reply.of_json({"message": "405: Method Not Allowed", "code": 0}, 405)
        return self._execute(request)

    def _execute(self, request: Recorded) -> Reply:
        data = request.json()
        if self.fault == "echo":
            return Reply.of_json(
                {"message": f"Invalid Form Body for {self.url} (token {self.token})", "code": 50035}, 400
            )
        if not isinstance(data, dict) or not str(data.get("content") or "").strip():
            return Reply.of_json({"message": "Cannot send an empty message", "code": 50006}, 400)
        content = str(data["content"])
        if len(content) > self.limit:
            error = {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {self.limit} or fewer in length."}
            body = {
                "message": "Invalid Form Body",
                "code": 50035,
                "errors": {"content": {"_errors": [error]}},
            }
            return Reply.of_json(body, 400)
        message_id = str(1100000000000000000 + len(self.posts))
        message = {
            "id": message_id,
            "type": 0,
            "content": content,
            "channel_id": self.channel_id,
            "author": {"id": self.webhook_id, "username": "Shop status", "bot": True},
            "webhook_id": self.webhook_id,
            "mentions": [],
            "mention_everyone": False,
        }
        self.record_post(
            {"content": content, "payload": data, "query": dict(request.query), "message": message}
        )
        self.hold_if_asked()
        if request.query.get("wait", "").lower() != "true":
            return Reply(204)
        return Reply.of_json(message)


class SlackPeer(ChatPeer):
    """One Slack incoming webhook (``/services/T/B/X``); ``state`` picks how the hook is broken."""

    def __init__(self, team: str, bot: str, secret: str) -> None:
        super().__init__()
        self.path = f"/services/{team}/{bot}/{secret}"
        self.secret = secret
        #: "" (works), or the error code a broken hook answers with: "no_service",
        #: "invalid_token", "action_prohibited", "channel_not_found", "channel_is_archived".
        self.state = ""

    @property
    def url(self) -> str:
        return self.base + self.path

    STATUS: ClassVar[dict[str, int]] = {
        "no_service": 404,
        "no_team": 404,
        "channel_not_found": 404,
        "invalid_token": 403,
        "action_prohibited": 403,
        "channel_is_archived": 410,
    }

    def handle(self, request: Recorded) -> Reply:
        faulted = self.common_fault()
        if faulted is not None:
            return faulted
        if not request.path.startswith("/services/"):
            return Reply.of_text("no_service", 404)
        if request.path != self.path:
            team_ok = request.path.split("/")[2:3] == self.path.split("/")[2:3]
            return Reply.of_text("invalid_token" if team_ok else "no_service", 403 if team_ok else 404)
        if request.method != "POST":
            return Reply.of_text("invalid_payload", 400)  # a GET finds no payload
        if self.state:
            return Reply.of_text(self.state, self.STATUS.get(self.state, 400))
        if self.fault == "rate_limited":
            return Reply.of_text("rate_limited", 429, {"Retry-After": "30"})
        if self.fault == "echo":
            return Reply.of_text(f"invalid_payload for {self.url} (token {self.secret})", 400)
        if self.fault == "lax":  # not Slack: something that takes even an empty payload
            return Reply.of_text("ok")
        data = request.json()
        if not isinstance(data, dict):
            return Reply.of_text("invalid_payload", 400)
        if not str(data.get("text") or "").strip() and not data.get("blocks") and not data.get("attachments"):
            return Reply.of_text("no_text", 400)
        self.record_post({"text": data.get("text", ""), "payload": data})
        self.hold_if_asked()
        return Reply.of_text("ok")
