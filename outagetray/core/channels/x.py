"""X (API v2, the user's own keys): one post, signed with OAuth 1.0a; "duplicate content" means sent.

Why it is built this way:

- ``POST /2/tweets`` with ``{"text": …}`` answers 201 ``{"data": {"id", "text"}}``; the
  receipt is ``https://x.com/i/web/status/{id}``, which opens the post whatever the
  account's name is now.
- The request is signed as the user (OAuth 1.0a, HMAC-SHA1, RFC 5849) with four values
  from the app's "Keys and tokens" page: API key, API key secret, access token, access
  token secret. The keyring keeps one string per channel, so the four are kept together,
  separated by spaces (or on four lines), in that order: a person can paste them as the
  portal shows them. The signing is done here with the standard library, and tested
  against the worked example of X's "Creating a signature" page. A JSON body is not
  part of the signature (only query and form parameters are), as the RFC says.
- X has no idempotency key, but it refuses a post whose text is the same as a recent
  one of the account: 403 "You are not allowed to create a Tweet with duplicate content."
  That answer means the words are already there (issue 16 item 4), so ``send`` returns
  a receipt instead of an error. The API does not say which post it was, and finding it
  would take more calls that can fail (and a paid read tier), so that receipt is
  ``Receipt(url="", id="")``: confirmed, with no link. The same rule makes a resend of an
  unknown job harmless, so ``resend_is_harmless`` is True: the resend either posts (the
  first never arrived) or is answered "duplicate" and confirmed. X does not document how
  long it remembers texts; in use it covers an account's recent posts, which is when an
  unknown job is completed (the next run of the send). ``lookup`` cannot tell.
- The length is checked before sending with X's own counting (weighted: most
  characters 1, CJK and emoji 2, each link 23): a post over 280 would be refused anyway.
- 401 means the keys; 403 other than a duplicate is told with X's words (a read-only
  app is named plainly); 429 is retryable, waiting until ``x-rate-limit-reset`` (or the
  24-hour user limit's reset, whichever is later when both are spent). A bare 500, 502
  or 504 may come after the post was made; with the duplicate rule a resend is harmless,
  so it is retryable.
- The check is ``GET /2/users/me``, signed the same way: it names the account and posts
  nothing. It cannot prove the keys may write (a read-only app passes it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from outagetray.core.channels import ChannelConfigError, Field, is_loopback
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem
from outagetray.core.limits import X_LIMIT, twitter_weighted_length
from outagetray.core.outbox import CANNOT_TELL, Health, Lookup, Receipt, SendRejected

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = [
    "DEFAULT_API_URL",
    "DUPLICATE_RECEIPT",
    "FIELDS",
    "POST_URL",
    "SECRET",
    "XChannel",
    "XKeys",
    "authorization",
    "from_settings",
    "parse_keys",
    "signature",
]

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.x.com"
POST_URL = "https://x.com/i/web/status/{id}"
#: What a send returns when X says the same text is already on the account.
DUPLICATE_RECEIPT = Receipt(url="", id="")
DUPLICATE_WORDS = "duplicate content"
_KEYS_HELP = (
    "In the X developer portal, open your app's Keys and tokens: copy the API Key, the API Key Secret, "
    "the Access Token and the Access Token Secret, in that order, separated by spaces. "
    "Set the app's permissions to Read and write before you make the access token."
)
_MAKE_NEW = "Make new keys in the X developer portal and save them in OutageTray's settings."

FIELDS: tuple[Field, ...] = (
    Field(
        "api_url",
        "X API address",
        kind="url",
        required=False,
        default=DEFAULT_API_URL,
        help="Leave it as it is.",
    ),
)
SECRET: Field | None = Field("keys", "X keys (four values)", kind="secret", help=_KEYS_HELP)


@dataclass(frozen=True)
class XKeys:
    """The four values that sign as the user; shown as stars only."""

    api_key: str
    api_key_secret: str
    access_token: str
    access_token_secret: str

    def __repr__(self) -> str:  # never a value
        return "XKeys(***)"

    __str__ = __repr__

    def values(self) -> tuple[str, str, str, str]:
        return (self.api_key, self.api_key_secret, self.access_token, self.access_token_secret)


_ORDER = ("API Key", "API Key Secret", "Access Token", "Access Token Secret")
_ACCESS_TOKEN = re.compile(r"\d+-[A-Za-z0-9]+")
_PRINTABLE = re.compile(r"[\x21-\x7e]+")


def parse_keys(secret: str) -> XKeys:
    """The four values from the kept string; the errors name what is wrong, never a value."""
    parts = secret.split()
    if len(parts) != 4:
        raise ChannelConfigError(
            f"The X keys need four values separated by spaces; {_count(len(parts))} found. {_KEYS_HELP}"
        )
    for label, part in zip(_ORDER, parts, strict=True):
        if not _PRINTABLE.fullmatch(part):
            raise ChannelConfigError(
                f"The {label} has characters X keys never have (perhaps quotes or accents were copied). "
                f"{_KEYS_HELP}"
            )
    tokens = [i for i, part in enumerate(parts) if _ACCESS_TOKEN.fullmatch(part)]
    if tokens and 2 not in tokens:
        raise ChannelConfigError(
            "The X keys seem to be in another order: the Access Token (digits, a dash, then letters) "
            f"must come third. {_KEYS_HELP}"
        )
    return XKeys(*parts)


def _count(number: int) -> str:
    return "none was" if number == 0 else ("one was" if number == 1 else f"{number} were")


# -- OAuth 1.0a (RFC 5849), HMAC-SHA1 -----------------------------------------------------------


def percent(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8 (RFC 5849 section 3.6): only A-Z a-z 0-9 - . _ ~ stay."""
    return quote(value.encode("utf-8"), safe="-._~")


def base_string_uri(url: str) -> str:
    """The request's address as signed: lower-case scheme and host, no default port, no query."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    port = parts.port
    if port is not None and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def signature(
    method: str, url: str, params: Iterable[tuple[str, str]], consumer_secret: str, token_secret: str
) -> str:
    """The base64 HMAC-SHA1 of the signature base string, keyed with both secrets."""
    normal = "&".join(f"{k}={v}" for k, v in sorted((percent(k), percent(v)) for k, v in params))
    base = "&".join((method.upper(), percent(base_string_uri(url)), percent(normal)))
    key = f"{percent(consumer_secret)}&{percent(token_secret)}".encode()
    return base64.b64encode(hmac.new(key, base.encode("ascii"), hashlib.sha1).digest()).decode("ascii")


def authorization(
    method: str,
    url: str,
    keys: XKeys,
    *,
    params: Iterable[tuple[str, str]] = (),
    nonce: str | None = None,
    timestamp: int | None = None,
) -> str:
    """The ``Authorization: OAuth …`` header for one request; ``params``: its query and form values."""
    oauth = {
        "oauth_consumer_key": keys.api_key,
        "oauth_nonce": nonce if nonce is not None else secrets.token_hex(16),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(timestamp if timestamp is not None else int(time.time())),
        "oauth_token": keys.access_token,
        "oauth_version": "1.0",
    }
    oauth["oauth_signature"] = signature(
        method, url, [*oauth.items(), *params], keys.api_key_secret, keys.access_token_secret
    )
    return "OAuth " + ", ".join(f'{percent(k)}="{percent(v)}"' for k, v in oauth.items())


# -- the channel ------------------------------------------------------------------------------


class XChannel:
    """Posts on one X account with the user's own keys; see the module text for the rules."""

    #: X refuses the same text again ("duplicate content"), which ``send`` reads as sent.
    resend_is_harmless = True
    #: X refuses a recent duplicate, for how long it does not say: an hour is trusted, no more.
    resend_window = 3600.0

    def __init__(
        self,
        secret: str,
        *,
        name: str = "",
        api_url: str = DEFAULT_API_URL,
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.name = name or "X"
        self._keys: XKeys | None = None
        self._problem = ""
        if not secret.strip():
            self._problem = f"No X keys are saved for {self.name}. Add them in OutageTray's settings."
        else:
            try:
                self._keys = parse_keys(secret)
            except ChannelConfigError as bad:
                self._problem = str(bad)
        hidden = self._keys.values() if self._keys else tuple(p for p in secret.split() if len(p) >= 4)
        self.api = WebApi("X", api_url, secrets=hidden, client=client, timeout=timeout)

    def __repr__(self) -> str:  # never a key
        return f"XChannel({self.name}, {self.api.base_url})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST /2/tweets once; "duplicate content" means the words are already there."""
        keys = self._ready()
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was posted on X.")
        length = twitter_weighted_length(text)
        if length > X_LIMIT:
            raise SendRejected(
                f"The message is {length} characters as X counts them (links 23, emoji 2); "
                f"X allows {X_LIMIT}. Shorten it in the draft."
            )
        url = self.api.base_url + "/2/tweets"
        answer = self.api.post(
            url, json={"text": text}, headers={"Authorization": authorization("POST", url, keys)}
        )
        if answer.ok:
            data = answer.object().get("data")
            post_id = data.get("id") if isinstance(data, dict) else None
            if isinstance(post_id, str) and post_id.isdigit():
                return Receipt(url=POST_URL.format(id=post_id), id=post_id)
            raise NoAnswer(
                "X answered, but not with the post it made, so it may or may not have been published."
            )
        if answer.status == 403 and self._duplicate(answer):
            log.info("X says this text is already on %s: counted as sent, with no link", self.name)
            return DUPLICATE_RECEIPT
        raise self._refusal(answer)

    def check(self) -> Health:
        """GET /2/users/me, signed: names the account; nothing is posted."""
        try:
            keys = self._ready()
            url = self.api.base_url + "/2/users/me"
            answer = self.api.get(url, headers={"Authorization": authorization("GET", url, keys)})
        except (SendRejected, NoAnswer) as problem:
            return self.api.health(problem)
        if not answer.ok:
            return self.api.health(self._refusal(answer))
        data = answer.object().get("data")
        username = data.get("username") if isinstance(data, dict) else None
        if not isinstance(username, str) or not username.strip():
            return Health(False, "X answered, but not with an account. Check the X API address.")
        return Health(True, f"Signed in as @{self.api.clean(username)} on X.")

    def lookup(self, key: str) -> Lookup:
        """X cannot find a post by a key of ours; a resend is harmless instead (duplicate content)."""
        return CANNOT_TELL

    # -- inside -----------------------------------------------------------------------------------

    def _ready(self) -> XKeys:
        if self._keys is None:
            raise SendRejected(self._problem)
        return self._keys

    def _duplicate(self, answer: Answer) -> bool:
        return DUPLICATE_WORDS in answer.body[:4000].decode("utf-8", "replace").lower()

    def _refusal(self, answer: Answer) -> SendRejected | NoAnswer:
        said = self.api.server_said(answer)
        if answer.status == 401:
            return SendRejected(
                "X refused the keys (they were withdrawn, regenerated, or copied wrongly; a computer "
                f"clock that is far off does it too). {_MAKE_NEW} Nothing was posted."
            )
        if answer.status == 403:
            if "permission" in said.lower():
                return SendRejected(
                    "X says these keys may read but not post. In the X developer portal, set the app's "
                    "permissions to Read and write, then make a new access token and save the keys "
                    "in OutageTray's settings. Nothing was posted."
                )
            told = f": {said}" if said else "."
            return SendRejected(f"X refused the post{told} Nothing was posted.")
        if answer.status == 429:
            wait = _reset_wait(answer, self.api.client.wall())
            text = "X is limiting how often this account or app may post"
            if wait is not None:
                text += f"; it allows it again in about {_minutes(wait)}"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        return self.api.refusal(
            answer, credentials_help=_MAKE_NEW, resend_is_harmless=self.resend_is_harmless
        )


def _reset_wait(answer: Answer, now: float) -> float | None:
    """Seconds until X allows posting again: the latest reset among the spent limits, else Retry-After."""
    from outagetray.core.http import MAX_RETRY_AFTER, parse_retry_after

    headers = {k.lower(): v.strip() for k, v in answer.headers.items()}
    resets: list[float] = []
    for prefix in ("x-rate-limit", "x-user-limit-24hour", "x-app-limit-24hour"):
        reset = headers.get(f"{prefix}-reset", "")
        spent = headers.get(f"{prefix}-remaining", "0") == "0"
        if reset.isdigit() and spent:
            resets.append(max(0.0, float(reset) - now))
    if resets:
        return min(max(resets), MAX_RETRY_AFTER)
    return parse_retry_after(headers.get("retry-after", ""), now)


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{round(seconds / 3600)} h"


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> XChannel:
    """An X channel from its ``[[channels]]`` table (``api_url``) and the four keys kept as one secret.

    Keys that cannot be read do not stop the channel from being built: ``send`` and
    ``check`` then say what is wrong with them, where the user sees it.
    """
    extra = channel.extra
    where = f'X channel "{channel.name or channel.id}"'
    api_url = extra.get("api_url", DEFAULT_API_URL)
    if not isinstance(api_url, str) or base_url_problem(api_url, "X API"):
        raise ChannelConfigError(
            f"In the {where}, api_url must be a web address such as {DEFAULT_API_URL} (or leave it out)."
        )
    parts = urlsplit(api_url.strip())
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise ChannelConfigError(
            f"In the {where}, api_url must start with https:// (plain http is allowed only on this computer)."
        )
    return XChannel(secret, name=channel.name or channel.id, api_url=api_url, client=client)
