"""One careful HTTP exchange for every channel that talks to a web API.

Why it is built this way:

- Sending is where a lost answer costs most: a post that went out but whose answer was
  lost must never be called "failed" (it would be sent twice), and one that never left
  must never be called "unknown" (the user would be asked to check for nothing). So every
  exchange ends in one of three ways: an :class:`Answer`; :class:`NotSent` (the request
  never left: no name, no connection, no TLS), which is a retryable
  :class:`~outagetray.core.outbox.SendRejected`; or :class:`NoAnswer`, which the outbox
  turns into an unknown job.
- One deadline covers the whole exchange, as for status checks (core/deadline.py): a
  server that drips its answer cannot hold a send for hours.
- Redirects are never followed: a token must not be carried to another address, and a
  POST that is redirected may be posted twice.
- The secrets a channel holds are masked out of everything that may reach the user or
  the log, including the server's own words (a webhook's token sits in its path, where
  no generic mask can tell it from a name).
- ``requests`` is imported on first use, so no channel costs anything at start.
"""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from outagetray.core import deadline as deadlines
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import AnswerLost, Health, SendRejected
from outagetray.core.redact import one_line, shown

if TYPE_CHECKING:
    import requests

__all__ = ["MAX_ERROR_TEXT", "Answer", "NoAnswer", "NotSent", "WebApi", "base_url_problem"]

log = logging.getLogger(__name__)

#: The most of a server's own error text shown to the user.
MAX_ERROR_TEXT = 200
#: A whole send (connect, TLS, request, answer) gets this long by default.
DEFAULT_SEND_TIMEOUT = 30.0


class NotSent(SendRejected):
    """The request never left (no name, no connection, no secure connection): safe to send again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason, retryable=True)


class NoAnswer(AnswerLost):
    """The request went out and no answer came: the post may or may not exist."""


@dataclass(frozen=True)
class Answer:
    """What the service answered. ``body`` is capped at the client's limit."""

    status: int
    #: As the server sent them; ``requests`` hands a mapping that ignores the case of names.
    headers: Mapping[str, str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON, or None when it is not JSON."""
        try:
            return jsonlib.loads(self.body)
        except ValueError:
            return None

    def object(self) -> dict[str, Any]:
        """The body as a JSON object, or {} when it is anything else."""
        data = self.json()
        return data if isinstance(data, dict) else {}


def base_url_problem(url: str, service: str) -> str | None:
    """Why ``url`` cannot be a service's address, in plain words; None when it can."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"The {service} address must start with https:// and name the server."
    if parts.username or parts.password:
        return f"Leave the user name and password out of the {service} address: they go in the settings."
    return None


class WebApi:
    """The exchanges of one channel with one service.

    ``service`` names it in messages ("Mastodon at social.example"); ``secrets`` are masked
    out of every message; ``base_url`` is where relative paths start.
    """

    def __init__(
        self,
        service: str,
        base_url: str = "",
        *,
        secrets: Iterable[str] = (),
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.service = service
        self.base_url = base_url.strip().rstrip("/")
        self.client = client if client is not None else HttpClient()
        self.timeout = timeout
        self._secrets = tuple(s for s in secrets if s)

    def __repr__(self) -> str:  # never a secret
        return f"WebApi({self.service})"

    def add_secret(self, secret: str) -> None:
        """Mask one more value (a session token the service handed out)."""
        if secret and secret not in self._secrets:
            self._secrets = (*self._secrets, secret)

    # -- exchanges ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | bytes | None = None,
        params: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Answer:
        """One exchange; raises :class:`NotSent` or :class:`NoAnswer`, never anything else."""
        # Joined as text: urljoin would read "bot123:ABC/sendMessage" as an address of scheme "bot123".
        target = f"{self.base_url}/{url.lstrip('/')}" if self.base_url and "://" not in url else url
        sent_headers = {"User-Agent": self.client.user_agent, "Accept": "application/json"}
        sent_headers.update(headers or {})
        budget = self.timeout if timeout is None else timeout
        try:
            with deadlines.exchange(budget) as exchange:
                try:
                    raw = self.client.session().request(
                        method,
                        target,
                        headers=sent_headers,
                        json=json,
                        data=data,
                        params=params,
                        timeout=(
                            min(self.client.connect_timeout, budget),
                            min(max(self.client.read_timeout, budget), budget),
                        ),
                        stream=True,
                        allow_redirects=False,
                    )
                    with raw:
                        body = self._read(raw)
                        answer = Answer(raw.status_code, raw.headers, body)  # looked up case-insensitively
                except Exception:
                    if exchange.end():
                        raise NoAnswer(self._late()) from None
                    raise
                if exchange.end():
                    raise NoAnswer(self._late())
        except (NotSent, NoAnswer):
            raise
        except Exception as exc:  # noqa: BLE001 - sorted by type below, told in plain words
            if _never_sent(exc):
                raise NotSent(f"{self.service} could not be reached. Nothing was sent.") from None
            log.info("%s: an exchange ended without an answer (%s)", self.service, type(exc).__name__)
            raise NoAnswer(self._late()) from None
        return answer

    def get(self, url: str, **kwargs: Any) -> Answer:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> Answer:
        return self.request("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> Answer:
        return self.request("PUT", url, **kwargs)

    # -- words ----------------------------------------------------------------------------------

    def clean(self, text: object) -> str:
        """Text as it may be shown: one line, short, every secret masked out."""
        value = one_line(shown(str(text)))
        for secret in self._secrets:
            value = value.replace(secret, "***")
        if len(value) > MAX_ERROR_TEXT:
            value = value[: MAX_ERROR_TEXT - 1].rstrip() + "…"
        return value.strip()

    def server_said(self, answer: Answer) -> str:
        """The service's own explanation, if it gave one in a usual place, cleaned; else ""."""
        data = answer.json()
        found = _first_text(data)
        if not found and data is None and answer.body and b"<" not in answer.body[:200]:
            found = answer.body[:400].decode("utf-8", "replace")
        return self.clean(found) if found else ""

    def refusal(
        self,
        answer: Answer,
        *,
        credentials_help: str,
        resend_is_harmless: bool,
        not_found: str = "",
    ) -> SendRejected | NoAnswer:
        """What a non-2xx answer to a send means: a refusal (nothing posted) or no answer.

        A 500, 502 or 504 can come after the service made the post (a proxy gave up
        waiting), so it is no answer: the job is unknown, and the sender sends it again only
        where the service drops a repeat (``resend_is_harmless``), within its key's lifetime.
        A 503 says the service is unavailable: nothing was made.
        """
        status = answer.status
        said = self.server_said(answer)
        with_said = f": {said}" if said else ""
        if status in (401, 403):
            detail = f" ({said})" if said else ""
            return SendRejected(
                f"{self.service} refused the credentials{detail}. {credentials_help}", credentials=True
            )
        if status == 429:
            wait = parse_retry_after(answer.headers.get("Retry-After", ""), self.client.wall())
            text = f"{self.service} is limiting how often we may post"
            if wait is not None:
                text += f"; it asked us to wait {_duration(wait)}"
            refused = SendRejected(text + ". Nothing was posted.", retryable=True)
            refused.retry_after = wait
            return refused
        if status == 503:
            wait = parse_retry_after(answer.headers.get("Retry-After", ""), self.client.wall())
            refused = SendRejected(
                f"{self.service} is having trouble (error {status}). Nothing was posted.", retryable=True
            )
            refused.retry_after = wait
            return refused
        if status >= 500:
            return NoAnswer(
                f"{self.service} answered with error {status} after the post was sent, "
                "so it may or may not have been published."
            )
        if 300 <= status < 400:
            return SendRejected(f"{self.service} sent OutageTray to another address. Check the address.")
        if status == 404:
            return SendRejected(
                not_found or f"{self.service} does not know that address (error 404){with_said}."
            )
        if status == 413:
            return SendRejected(f"{self.service} says the message is too large{with_said}.")
        return SendRejected(f"{self.service} did not accept the post (error {status}){with_said}.")

    def health(self, problem: BaseException) -> Health:
        """A failed check in plain words (a check never raises)."""
        if isinstance(problem, NoAnswer):
            return Health(False, f"{self.service} did not answer in time. Nothing was posted by this check.")
        if isinstance(problem, SendRejected):
            return Health(False, str(problem))
        return Health(False, f"{self.service} could not be checked ({self.clean(type(problem).__name__)}).")

    # -- inside -----------------------------------------------------------------------------------

    def _late(self) -> str:
        return (
            f"{self.service} did not answer in time after the request was sent, "
            "so it may or may not have been posted."
        )

    def _read(self, raw: requests.Response) -> bytes:
        """The body up to the client's cap; a longer one is cut (its head is all we read)."""
        limit = self.client.max_body
        chunks: list[bytes] = []
        size = 0
        for chunk in raw.iter_content(64 * 1024):
            chunks.append(chunk)
            size += len(chunk)
            if size >= limit:
                break
        return b"".join(chunks)[:limit]


def _first_text(data: Any, depth: int = 0) -> str:
    """The first error text in the usual places: error, message, description, errors[0], detail."""
    if depth > 3:
        return ""
    if isinstance(data, str):
        return data
    if isinstance(data, list):
        return _first_text(data[0], depth + 1) if data else ""
    if not isinstance(data, dict):
        return ""
    for key in ("error_description", "message", "description", "detail", "error", "errors", "title"):
        value = data.get(key)
        found = _first_text(value, depth + 1) if value is not None else ""
        if found.strip():
            return found
    return ""


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def _never_sent(exc: BaseException) -> bool:
    """True when the connection never carried the request, so nothing can have been posted."""
    import ssl

    import requests
    import urllib3.exceptions as u3

    chain: list[BaseException] = []
    stack: list[BaseException | None] = [exc]
    while stack and len(chain) < 12:
        current = stack.pop()
        if current is None or any(current is seen for seen in chain):
            continue
        chain.append(current)
        stack.extend([current.__cause__, current.__context__])
        stack.extend(a for a in current.args if isinstance(a, BaseException))
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException):
            stack.append(reason)
    never = (
        requests.exceptions.ConnectTimeout,
        requests.exceptions.InvalidURL,
        requests.exceptions.InvalidSchema,
        requests.exceptions.MissingSchema,
        u3.NewConnectionError,
        u3.NameResolutionError,
        u3.LocationParseError,
        # Only a refused certificate proves the handshake never finished; other TLS errors
        # (an abrupt end after the request) may come after the post was made.
        ssl.SSLCertVerificationError,
        ssl.CertificateError,
        ConnectionRefusedError,
    )
    return any(isinstance(e, never) for e in chain)
