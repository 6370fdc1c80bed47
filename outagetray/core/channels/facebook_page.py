"""Facebook Page: one post on the Page's feed through the Graph API, with a Page access token.

Why it is built this way:

- ``POST /{version}/{page-id}/feed`` with ``message`` answers ``{"id": "{page-id}_{post-id}"}``.
  The receipt's address is ``https://www.facebook.com/{page-id}_{post-id}``: Facebook
  opens the post from that compound id (the Graph API gives no permalink on creation,
  and asking for one would be a second call that can fail after the post exists).
- The Graph API has no idempotency key and no way to find a post by anything we choose,
  so a second send after a lost answer may post twice: ``resend_is_harmless`` is False
  and ``lookup`` cannot tell. An unknown job waits for the user.
- The token travels in the POST body (``access_token``, as Meta's examples send it) and
  in the ``Authorization: Bearer`` header for the check; never in the address, where
  proxies and server logs would keep it.
- Graph errors come as ``{"error": {"message", "type", "code", "error_subcode",
  "fbtrace_id", "is_transient"}}``, mostly with status 400, so the *code* says what
  happened, not the status: 190 (and 102) a token that expired or was withdrawn, 10
  and 200-299 a missing permission (``pages_manage_posts``), 4, 17, 32, 613 and 80001
  rate limits (retryable: nothing was posted), 368 a Page blocked from posting for a
  while, 1 and 2 or ``is_transient`` a passing fault on Facebook's side that the API
  itself reported (retryable). Anything else is told with Facebook's own words.
  A bare 500, 502 or 504 from a proxy (no Graph error in it) may come after the post
  was made, so it leaves the job unknown.
- The check asks ``GET /{version}/me?fields=id,name`` with the token. With a Page token
  "me" is the Page, so this proves, without posting, both that the token works and that
  it is this Page's (a person's token would name the person, and could not post).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from outagetray.core.channels import ChannelConfigError, Field, is_loopback
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem
from outagetray.core.outbox import CANNOT_TELL, Health, Lookup, Receipt, SendRejected

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = [
    "DEFAULT_API_VERSION",
    "DEFAULT_GRAPH_URL",
    "FIELDS",
    "POST_URL",
    "SECRET",
    "FacebookPageChannel",
    "from_settings",
]

DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
#: Where a post made on a Page is opened, from the compound id the Graph API returns.
POST_URL = "https://www.facebook.com/{id}"
#: Most of a Page post (Facebook allows 63,206 characters).
MAX_LENGTH = 63_206

_PAGE_ID = re.compile(r"\d{5,25}")
_VERSION = re.compile(r"v\d{1,2}\.\d{1,2}")
_RATE_LIMITS = frozenset({4, 17, 32, 613, 80001})
_TOKEN_GONE = frozenset({102, 190})
_TRANSIENT = frozenset({1, 2})
_MANAGE = "Meta Business Suite"

FIELDS: tuple[Field, ...] = (
    Field(
        "page_id",
        "Page ID",
        help=(
            "The Page's number. On Facebook, open the Page, then About > Page transparency; "
            f"or in {_MANAGE}, Settings > Page info."
        ),
    ),
    Field(
        "graph_url",
        "Graph API address",
        kind="url",
        required=False,
        default=DEFAULT_GRAPH_URL,
        help="Leave it as it is.",
    ),
    Field(
        "api_version",
        "Graph API version",
        required=False,
        default=DEFAULT_API_VERSION,
        help="Leave it as it is, unless Meta tells you this version has been retired.",
    ),
)
SECRET: Field | None = Field(
    "token",
    "Page access token",
    kind="secret",
    help=(
        "A Page access token with the pages_manage_posts and pages_read_engagement permissions, "
        "made by someone who can post on the Page (for example in Meta's Graph API Explorer: "
        "choose your app, add those permissions, then pick the Page under User or Page). "
        "A token made from a long-lived one does not expire on its own."
    ),
)


class FacebookPageChannel:
    """Posts on one Facebook Page's feed; see the module text for the rules."""

    #: The Graph API drops no second send: a resend after a lost answer may post twice.
    resend_is_harmless = False

    def __init__(
        self,
        page_id: str,
        token: str,
        *,
        name: str = "",
        graph_url: str = DEFAULT_GRAPH_URL,
        api_version: str = DEFAULT_API_VERSION,
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.page_id = page_id
        self.name = name or page_id
        self.api_version = api_version
        self._token = token.strip()
        self.api = WebApi("Facebook", graph_url, secrets=(self._token,), client=client, timeout=timeout)

    def __repr__(self) -> str:  # never the token
        return f"FacebookPageChannel({self.page_id}, {self.api.base_url}, {self.api_version})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """One POST to the Page's feed; the key cannot be used (the Graph API has no dedupe)."""
        if not self._token:
            raise SendRejected(self._no_token())
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was posted on Facebook.")
        if len(text) > MAX_LENGTH:
            raise SendRejected(
                f"The message is {len(text):,} characters long; a Facebook post may have {MAX_LENGTH:,}. "
                "Shorten it in the draft."
            )
        answer = self.api.post(
            f"{self.api_version}/{quote(self.page_id, safe='')}/feed",
            data={"message": text, "access_token": self._token},
        )
        if not answer.ok:
            raise self._refusal(answer)
        post_id = answer.object().get("id")
        if not isinstance(post_id, str) or not re.fullmatch(r"[0-9_]{1,80}", post_id):
            raise NoAnswer(
                "Facebook answered, but not with the post it made, so it may or may not have been published."
            )
        return Receipt(url=POST_URL.format(id=post_id), id=post_id)

    def check(self) -> Health:
        """GET /me with the token: the Page itself when the token is this Page's; nothing is posted."""
        if not self._token:
            return Health(False, self._no_token())
        try:
            answer = self.api.get(
                f"{self.api_version}/me",
                params={"fields": "id,name"},
                headers={"Authorization": f"Bearer {self._token}"},
            )
        except (SendRejected, NoAnswer) as problem:
            return self.api.health(problem)
        if not answer.ok:
            return self.api.health(self._refusal(answer))
        data = answer.object()
        found, named = data.get("id"), data.get("name")
        if not isinstance(found, str):
            return Health(False, "Facebook answered, but not with a Page. Check the Graph API address.")
        shown_name = self.api.clean(named) if isinstance(named, str) and named.strip() else found
        if found != self.page_id:
            return Health(
                False,
                f"This token belongs to {shown_name}, not to the Page {self.page_id}: it cannot post there. "
                "Make a Page access token for this Page and save it in OutageTray's settings.",
            )
        return Health(True, f"Ready to post on the Facebook Page {shown_name}.")

    def lookup(self, key: str) -> Lookup:
        """The Graph API cannot find a post by a key of ours, so an unknown job stays unknown."""
        return CANNOT_TELL

    # -- inside -----------------------------------------------------------------------------------

    def _no_token(self) -> str:
        return f"No Page access token is saved for {self.name}. Add it in OutageTray's settings."

    def _refusal(self, answer: Answer) -> SendRejected | NoAnswer:
        """What a Graph answer that is not a post means, from its error code first."""
        error = answer.object().get("error")
        if not isinstance(error, dict) or not isinstance(error.get("code"), int):
            return self.api.refusal(
                answer,
                credentials_help="Make a new Page access token and save it in OutageTray's settings.",
                resend_is_harmless=self.resend_is_harmless,
            )
        code: int = error["code"]
        said = self.api.clean(error.get("message", "")) if isinstance(error.get("message"), str) else ""
        told = f" Facebook said: {said}" if said else ""
        if code in _TOKEN_GONE:
            return SendRejected(
                "Facebook no longer accepts the Page access token (it has expired, or was withdrawn when "
                "a password or the Page's roles changed). Make a new one and save it in OutageTray's "
                "settings. Nothing was posted."
            )
        if code == 10 or 200 <= code <= 299:
            return SendRejected(
                "Facebook says this token may not post on the Page: it needs the pages_manage_posts "
                "permission, given by someone who can post on the Page. Make a new Page access token "
                "with it and save it in OutageTray's settings. Nothing was posted."
            )
        if code == 368:
            return SendRejected(
                "Facebook has stopped this Page from posting for a while, because it judged something "
                f"on it as against its rules. Look at the Page's account status in {_MANAGE}. "
                "Nothing was posted." + told
            )
        if code in _RATE_LIMITS:
            wait = _regain_access(answer, self.api.client.wall())
            text = "Facebook is limiting how often this Page or app may post"
            if wait is not None:
                text += f"; it expects to allow it again in about {max(1, round(wait / 60))} min"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        if answer.status >= 500 and answer.status != 503:
            # Graph's "passing problem" may come after the post was made, and a Page has no dedupe.
            return NoAnswer(
                f"Facebook had a passing problem (error {code}) after the post was sent, "
                "so it may or may not be on the Page."
            )
        if code in _TRANSIENT or error.get("is_transient") is True:
            return SendRejected(
                f"Facebook had a passing problem (error {code}). Nothing was posted; try again shortly.",
                retryable=True,
            )
        if code == 506:
            return SendRejected(
                "Facebook refused this as a duplicate of a recent post on the Page: it may already be "
                "there. Look at the Page before sending it again."
            )
        return SendRejected(f"Facebook did not accept the post (error {code}).{told}")


def _regain_access(answer: Answer, now: float) -> float | None:
    """Seconds until Facebook allows calls again: Retry-After, or the usage header's estimate (minutes)."""
    from outagetray.core.http import MAX_RETRY_AFTER, parse_retry_after

    headers = {k.lower(): v for k, v in answer.headers.items()}
    waited = parse_retry_after(headers.get("retry-after", ""), now)
    if waited is not None:
        return waited
    minutes: list[float] = []
    for name in ("x-business-use-case-usage", "x-page-usage", "x-app-usage"):
        try:
            usage: Any = json.loads(headers.get(name, "") or "null")
        except ValueError:
            continue
        _collect_estimates(usage, minutes, 0)
    if not minutes:
        return None
    return min(max(minutes) * 60.0, MAX_RETRY_AFTER)


def _collect_estimates(data: Any, into: list[float], depth: int) -> None:
    if depth > 4:
        return
    if isinstance(data, dict):
        for name, value in data.items():
            if name == "estimated_time_to_regain_access" and isinstance(value, (int, float)) and value > 0:
                into.append(float(value))
            else:
                _collect_estimates(value, into, depth + 1)
    elif isinstance(data, list):
        for item in data[:20]:
            _collect_estimates(item, into, depth + 1)


def from_settings(
    channel: ChannelTable, secret: str, *, client: HttpClient | None = None
) -> FacebookPageChannel:
    """A Facebook Page channel from its table (``page_id``, ``graph_url``, ``api_version``) and token."""
    extra = channel.extra
    where = f'Facebook Page channel "{channel.name or channel.id}"'
    raw_id = extra.get("page_id")
    if raw_id is None:
        raise ChannelConfigError(
            f'The {where} needs page_id = "…", the Page\'s number (see About on the Page).'
        )
    page_id = str(raw_id).strip() if isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) else ""
    if not _PAGE_ID.fullmatch(page_id):
        raise ChannelConfigError(
            f"In the {where}, page_id must be the Page's number (digits only, such as "
            '"104812345678901"), not its name or address.'
        )
    graph_url = extra.get("graph_url", DEFAULT_GRAPH_URL)
    if not isinstance(graph_url, str) or base_url_problem(graph_url, "Graph API"):
        raise ChannelConfigError(
            f"In the {where}, graph_url must be a web address such as {DEFAULT_GRAPH_URL} (or leave it out)."
        )
    parts = urlsplit(graph_url.strip())
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise ChannelConfigError(
            f"In the {where}, graph_url must start with https:// (plain http is allowed only on this "
            "computer, because the Page's token travels with every post)."
        )
    version = extra.get("api_version", DEFAULT_API_VERSION)
    if not isinstance(version, str) or not _VERSION.fullmatch(version.strip()):
        raise ChannelConfigError(
            f'In the {where}, api_version must look like "{DEFAULT_API_VERSION}" (or leave it out).'
        )
    return FacebookPageChannel(
        page_id,
        secret,
        name=channel.name or channel.id,
        graph_url=graph_url,
        api_version=version.strip(),
        client=client,
    )
