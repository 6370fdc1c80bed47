"""Ghost (Ghost(Pro) or self-hosted) through the Admin API: one post per job.

Why it is built this way:

- It signs in as a custom *integration* (Settings > Integrations > Add custom
  integration), whose Admin API key is ``id:secret``; that key is what the keyring keeps.
  Each request carries a short token made from it as Ghost documents: an HS256 JWT with
  ``kid`` = the id, ``aud`` = ``/admin/``, valid five minutes, signed with the secret's
  hex-decoded bytes. It is made with the standard library (hmac), so no JWT package is
  needed, and it is reused until a minute before it expires.
- Ghost has no idempotency key, but slugs are unique per post. Each job's post gets the
  slug ``outagetray-`` + the first 16 hex digits of the job key (the same rule as the
  WordPress channel: stable per job, unique in practice, kept by Ghost exactly as sent).
  ``lookup`` reads ``posts/slug/<slug>/``: the post (sent, with its link), or Ghost's
  own ``NotFoundError`` (proof that it was not sent). Anything else proves nothing.
- A second POST is *not* harmless: Ghost takes a taken slug by adding ``-2``, so it
  makes a second post. ``resend_is_harmless`` is False; the outbox looks up first.
- Ghost deletes posts for good (there is no bin), so a post the user deleted looks as
  if it was never sent. The outbox asks ``lookup`` only about jobs whose answer was
  lost, soon after the send, so this matters only if someone deletes the post meanwhile.
- A 2xx answer that is not the post's JSON (a proxy's page) may still mean the post was
  made, so it is :class:`NoAnswer`; a 500/502/504 likewise (the post may be saved), while
  429 and 503 are retryable refusals. 401 (``INVALID_JWT``, an unknown key) and 403 are
  refusals of the key: trying again will not help.
- A post whose answer was lost may still be on its way in (Ghost still saving it after our
  deadline, or behind a gateway that gave up: 502, 504). The outbox looks up at once after
  a lost answer, so for :data:`SETTLE_SECONDS` after such a send this channel does not
  believe Ghost's "not found": ``lookup`` says ``CANNOT_TELL`` (a post it finds is still
  proof of "sent"), and the job stays unknown rather than being sent twice.
- ``check`` reads one post id (``posts/?limit=1&fields=id``): Ghost's ``site/`` endpoint
  needs no key at all, so it would prove nothing; ``users/me`` is not for integrations.
- Posts are created from HTML (``?source=html``), so paragraphs and links survive. Sending
  the post as a newsletter email is not done: that is a separate decision in Ghost.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from outagetray.core.channels import (
    CANNOT_TELL,
    NOT_SENT,
    ChannelConfigError,
    Field,
    Health,
    Lookup,
    Receipt,
    SendRejected,
    html_from_text,
    split_title,
)
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, NoAnswer, WebApi, base_url_problem

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "STATUSES", "GhostChannel", "admin_token", "from_settings", "slug_for"]

log = logging.getLogger(__name__)

STATUSES = ("published", "draft")
SLUG_PREFIX = "outagetray-"
MAX_TITLE = 120
#: Ghost refuses tokens valid longer than five minutes.
TOKEN_LIFETIME = 300
#: A token is made afresh when less than this is left of it.
TOKEN_MARGIN = 60
#: After a send whose answer was lost, "not found" is not believed for this long (seconds).
SETTLE_SECONDS = 15.0
#: Answers after which Ghost may still be saving the post (a gateway stopped waiting).
GATEWAY_GAVE_UP = (502, 504)
API = "ghost/api/admin/"
ACCEPT_VERSION = "v5.0"

CREDENTIALS_HELP = (
    "Copy the Admin API key again from Ghost (Settings > Integrations > your integration) "
    "and save it in OutageTray's settings."
)

FIELDS: tuple[Field, ...] = (
    Field(
        "base_url",
        "Ghost admin address",
        kind="url",
        help="The address you open Ghost Admin at, without /ghost: for example https://yoursite.ghost.io",
    ),
    Field(
        "status",
        "Posts are",
        kind="choice",
        required=False,
        choices=STATUSES,
        default="published",
        help="published: the post goes live at once. draft: it waits for you in Ghost.",
    ),
)

SECRET: Field | None = Field(
    "secret",
    "Admin API key",
    kind="secret",
    help=(
        "In Ghost Admin open Settings > Integrations, click Add custom integration, name it "
        "OutageTray, and copy its Admin API key (two parts joined by a colon) here."
    ),
)


def slug_for(key: str) -> str:
    """The slug a job's post gets: the same for the same key, different for different keys."""
    return SLUG_PREFIX + key.strip().lower()[:16]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def admin_token(key: str, now: float) -> str:
    """An Admin API token (HS256 JWT) for ``key`` (``id:hexsecret``), issued at ``now``.

    Raises ValueError, with no part of the key in it, when the key has not that shape.
    """
    ident, sep, secret = key.strip().partition(":")
    try:
        signing_key = bytes.fromhex(secret)
    except ValueError:
        signing_key = b""
    if not sep or not ident or not signing_key:
        raise ValueError("not an Admin API key")
    header = {"alg": "HS256", "typ": "JWT", "kid": ident}
    issued = int(now)
    payload = {"iat": issued, "exp": issued + TOKEN_LIFETIME, "aud": "/admin/"}
    signing_input = (
        _b64(json.dumps(header, separators=(",", ":")).encode())
        + "."
        + _b64(json.dumps(payload, separators=(",", ":")).encode())
    )
    signature = hmac.new(signing_key, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


class GhostChannel:
    """Posts to one Ghost site as one integration; see the module text for the rules."""

    #: A second POST makes a second post ("-2" slug); the outbox looks up before a resend.
    resend_is_harmless = False
    #: How long after a send was armed a post may still land. This object remembers its own
    #: lost sends; a caller settling a job armed by another process (one that was killed)
    #: should trust ``not_sent`` only once the job was armed longer ago than this.
    settle_seconds = SETTLE_SECONDS

    def __init__(
        self,
        base_url: str,
        admin_key: str,
        *,
        name: str = "",
        status: str = "published",
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        problem = base_url_problem(base_url, "Ghost")
        if problem:
            raise ChannelConfigError(problem)
        if status not in STATUSES:
            raise ChannelConfigError("status must be published or draft.")
        self.host = urlsplit(base_url.strip()).hostname or ""
        self.name = name or self.host
        self.status = status
        self._key = admin_key.strip()
        secret_part = self._key.partition(":")[2]
        self._api = WebApi(
            f"Ghost at {self.host}",
            base_url,
            secrets=tuple(s for s in (self._key, secret_part) if len(s) >= 8),
            client=client,
            timeout=timeout,
        )
        self._token = ""
        self._token_until = 0.0
        self._lock = threading.Lock()
        #: Job key -> until when (client's monotonic clock) its post may still be landing.
        self._landing: dict[str, float] = {}

    def __repr__(self) -> str:  # never the key
        return f"GhostChannel({self._api.base_url}, {self.status})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST one post whose slug is made from the job key."""
        headers = self._headers()
        title, body = split_title(text)
        if not title:
            first = text.strip().splitlines()[0] if text.strip() else ""
            title = _shortened(first, MAX_TITLE)
        post = {"title": title, "html": html_from_text(body), "status": self.status, "slug": slug_for(key)}
        try:
            answer = self._api.post(
                API + "posts/", params={"source": "html"}, json={"posts": [post]}, headers=headers
            )
        except NoAnswer:
            self._may_be_landing(key)
            raise
        if not answer.ok:
            refused = self._api.refusal(
                answer, credentials_help=CREDENTIALS_HELP, resend_is_harmless=False, not_found=self._no_api()
            )
            if answer.status in GATEWAY_GAVE_UP:
                self._may_be_landing(key)
            raise refused
        receipt = _receipt(answer.object())
        if receipt is None:
            raise NoAnswer(
                f"{self._api.service} answered, but not with the post's details, so it may or may "
                "not have been published. Check the Ghost address in the settings."
            )
        return receipt

    def check(self) -> Health:
        """Read one post id with the key: proves the key works, changes nothing."""
        try:
            headers = self._headers()
            answer = self._api.get(API + "posts/", params={"limit": "1", "fields": "id"}, headers=headers)
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self._api.health(exc)
        if not answer.ok:
            return self._api.health(
                self._api.refusal(
                    answer,
                    credentials_help=CREDENTIALS_HELP,
                    resend_is_harmless=True,
                    not_found=self._no_api(),
                )
            )
        if not isinstance(answer.object().get("posts"), list):
            return Health(False, f"{self._api.service} answered, but not as Ghost. Check the address.")
        return Health(True, f"The Admin API key works on {self.host}.")

    def lookup(self, key: str) -> Lookup:
        """The post this key made, by its slug; ``NOT_SENT`` only on Ghost's own NotFoundError."""
        try:
            headers = self._headers()
            answer = self._api.get(API + f"posts/slug/{slug_for(key)}/", headers=headers)
        except Exception:  # noqa: BLE001 - a look-up that fails proves nothing
            return CANNOT_TELL
        if answer.status == 200:
            receipt = _receipt(answer.object())
            return Lookup("sent", receipt) if receipt else CANNOT_TELL
        if answer.status == 404:
            errors = answer.object().get("errors")
            first = errors[0] if isinstance(errors, list) and errors else None
            if (
                isinstance(first, dict)
                and first.get("type") == "NotFoundError"
                and not self._still_landing(key)
            ):
                return NOT_SENT
        return CANNOT_TELL

    # -- inside ---------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Ghost {self._current_token()}", "Accept-Version": ACCEPT_VERSION}

    def _current_token(self) -> str:
        if not self._key:
            raise SendRejected(
                f"No Admin API key is saved for {self.name}. Add it in OutageTray's settings.",
                retryable=False,
            )
        now = self._api.client.wall()
        with self._lock:
            if (
                not self._token
                or now > self._token_until - TOKEN_MARGIN
                or now < self._token_until - TOKEN_LIFETIME
            ):
                try:
                    self._token = admin_token(self._key, now)
                except ValueError:
                    raise SendRejected(
                        f"The Admin API key saved for {self.name} is not complete: it is two parts joined "
                        "by a colon. " + CREDENTIALS_HELP,
                        retryable=False,
                    ) from None
                self._token_until = int(now) + TOKEN_LIFETIME
                self._api.add_secret(self._token)
            return self._token

    def _may_be_landing(self, key: str) -> None:
        with self._lock:
            self._landing[key] = self._api.client.monotonic() + SETTLE_SECONDS

    def _still_landing(self, key: str) -> bool:
        now = self._api.client.monotonic()
        with self._lock:
            for old in [k for k, until in self._landing.items() if until <= now]:
                del self._landing[old]
            return key in self._landing

    def _no_api(self) -> str:
        return (
            f"{self.host} did not answer as Ghost's Admin API (error 404). "
            "Check the address: it is the one you open Ghost Admin at, without /ghost."
        )


def _receipt(data: dict[str, Any]) -> Receipt | None:
    posts = data.get("posts")
    post = posts[0] if isinstance(posts, list) and posts else None
    if not isinstance(post, dict):
        return None
    ident, url = post.get("id"), post.get("url")
    if not isinstance(ident, str) or not ident or not isinstance(url, str) or not url:
        return None
    return Receipt(url=url, id=ident)


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def from_settings(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> GhostChannel:
    """A Ghost channel from its ``[[channels]]`` table and the Admin API key."""
    extra = table.extra
    label = table.name or table.id
    base_url = extra.get("base_url", table.url)
    if not isinstance(base_url, str) or not base_url.strip():
        raise ChannelConfigError(
            f"Channel {label}: write base_url, the address you open Ghost Admin at (https://yoursite.ghost.io)."
        )
    problem = base_url_problem(base_url, "Ghost")
    if problem:
        raise ChannelConfigError(f"Channel {label}: base_url: {problem}")
    parts = urlsplit(base_url.strip())
    if parts.path.rstrip("/").endswith("/ghost"):
        raise ChannelConfigError(f"Channel {label}: base_url: leave /ghost off the end of the address.")
    status = extra.get("status", "published")
    if status not in STATUSES:
        raise ChannelConfigError(f'Channel {label}: status must be "published" or "draft".')
    return GhostChannel(base_url, secret, name=label, status=str(status), client=client)
