"""WordPress (any self-hosted site or WordPress.com Business with the REST API): one post per job.

Why it is built this way:

- It signs in with an *application password* (Users > Profile > Application Passwords),
  sent as HTTP Basic auth with the user name. That password only reaches the REST API,
  can be revoked on its own, and is what the keyring keeps; the user's login password
  is never asked for.
- WordPress has no idempotency key, but it keeps one post per *slug*. Each job's post
  gets the slug ``outagetray-`` + the first 16 hex digits of the job key: stable per job
  (the same key always gives the same slug), unique in practice (64 bits per blog), made
  only of lowercase letters, digits and hyphens so WordPress keeps it exactly as sent,
  short enough for a readable address, and never a slug a person would write. So
  ``lookup`` can ask "is there a post with this slug?" (``status=any``, signed in, so
  drafts, scheduled and private posts count too) and prove a job was, or was not, sent.
- A second POST is *not* harmless: WordPress takes a taken slug by adding ``-2``, so it
  would make a second post. ``resend_is_harmless`` is therefore False, and the outbox
  settles an unknown job by ``lookup`` first and sends again only on proof of none.
- A post the user moved to the bin still counts as sent: WordPress renames its slug to
  ``<slug>__trashed``, so ``lookup`` asks for both, with ``trash`` among the statuses.
  A job whose post was deliberately binned must not come back by itself.
- ``NOT_SENT`` is said only when the signed-in query answered a JSON list with no post of
  ours in it. A login wall, a cache plugin's HTML page, an error, or a list of posts
  without ours (a server that ignored the filter) proves nothing: ``CANNOT_TELL``.
- A 2xx answer to the POST that is not the post's JSON (PHP notices printed before it,
  a web page) may still mean the post was made, so it is :class:`NoAnswer` (the job
  becomes unknown and ``lookup`` settles it), never a refusal that invites a resend.
- A 500/502/504 after the POST may come after the post was saved, so it is no answer
  too (:meth:`WebApi.refusal` with ``resend_is_harmless=False``); 503 and 429 are
  retryable refusals.
- Addresses: ``base_url`` is the site's address. The REST API is asked at
  ``<base_url>/wp-json/``; a site whose server does not route that address (Plain
  permalinks on Apache) answers with its own 404 page before WordPress runs, so the same
  call is made again as ``<base_url>/?rest_route=/wp/v2/…``, which every WordPress serves.
- A post whose answer was lost may still be on its way in: the server can still be saving
  it after our deadline passed or a gateway gave up (502, 504). The outbox looks up at once
  after a lost answer, so for :data:`SETTLE_SECONDS` after such a send this channel does not
  believe "none": ``lookup`` says ``CANNOT_TELL`` (a post it finds is still proof of "sent").
  The job stays unknown rather than being sent twice; a later look-up settles it.
"""

from __future__ import annotations

import base64
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
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "STATUSES", "WordPressChannel", "from_settings", "slug_for"]

log = logging.getLogger(__name__)

STATUSES = ("publish", "draft")
SLUG_PREFIX = "outagetray-"
#: A title taken from the first line is cut here (WordPress allows more; readers do not).
MAX_TITLE = 120
#: After a send whose answer was lost, "no such post" is not believed for this long (seconds).
SETTLE_SECONDS = 15.0
#: Answers after which the server may still be saving the post (a gateway stopped waiting).
GATEWAY_GAVE_UP = (502, 504)
#: How WordPress renames the slug of a post in the bin (wp_add_trashed_suffix_to_post_name_for_post).
TRASHED_SUFFIX = "__trashed"

CREDENTIALS_HELP = (
    "Make a new application password in WordPress (Users > Profile > Application Passwords) "
    "and save it in OutageTray's settings."
)

FIELDS: tuple[Field, ...] = (
    Field(
        "base_url",
        "Site address",
        kind="url",
        help="Your WordPress site's address, for example https://blog.example.com",
    ),
    Field(
        "username",
        "WordPress user name",
        help="The user the posts appear under; the user must be allowed to publish posts.",
    ),
    Field(
        "status",
        "Posts are",
        kind="choice",
        required=False,
        choices=STATUSES,
        default="publish",
        help="publish: the post goes live at once. draft: it waits for you in WordPress.",
    ),
    Field(
        "categories",
        "Category numbers",
        kind="list",
        required=False,
        help="Optional: the numbers (IDs) of the categories to file the posts under, one a line.",
    ),
)

SECRET: Field | None = Field(
    "secret",
    "Application password",
    kind="secret",
    help=(
        "In WordPress, open Users > Profile, scroll to Application Passwords, type a name "
        "such as OutageTray and click Add. Copy the password it shows (once) here."
    ),
)


def slug_for(key: str) -> str:
    """The slug a job's post gets: the same for the same key, different for different keys."""
    return SLUG_PREFIX + key.strip().lower()[:16]


class WordPressChannel:
    """Posts to one WordPress site as one user; see the module text for the rules."""

    #: A second POST makes a second post ("-2" slug); the outbox looks up before a resend.
    resend_is_harmless = False
    #: How long after a send was armed a post may still land. This object remembers its own
    #: lost sends; a caller settling a job armed by another process (one that was killed)
    #: should trust ``not_sent`` only once the job was armed longer ago than this.
    settle_seconds = SETTLE_SECONDS

    def __init__(
        self,
        base_url: str,
        username: str,
        app_password: str,
        *,
        name: str = "",
        status: str = "publish",
        categories: tuple[int, ...] = (),
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        problem = base_url_problem(base_url, "WordPress")
        if problem:
            raise ChannelConfigError(problem)
        if status not in STATUSES:
            raise ChannelConfigError("status must be publish or draft.")
        self.host = urlsplit(base_url.strip()).hostname or ""
        self.name = name or self.host
        self.username = username
        self.status = status
        self.categories = categories
        # Application passwords are shown with spaces; WordPress accepts them with or without.
        self._password = app_password
        #: Job key -> until when (client's monotonic clock) its post may still be landing.
        self._landing: dict[str, float] = {}
        self._landing_lock = threading.Lock()
        #: True once /wp-json/ proved not served here (see _rest).
        self._by_query = False
        self._api = WebApi(
            f"WordPress at {self.host}",
            base_url,
            secrets=_secret_forms(app_password, username),
            client=client,
            timeout=timeout,
        )

    def __repr__(self) -> str:  # never the password
        return f"WordPressChannel({self._api.base_url}, {self.username!r}, {self.status})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST one post whose slug is made from the job key."""
        self._need_password()
        title, body = split_title(text)
        if not title:
            first = text.strip().splitlines()[0] if text.strip() else ""
            title = _shortened(first, MAX_TITLE)
        slug = slug_for(key)
        post: dict[str, Any] = {
            "title": title,
            "content": html_from_text(body),
            "status": self.status,
            "slug": slug,
        }
        if self.categories:
            post["categories"] = list(self.categories)
        try:
            answer = self._rest("POST", "posts", json=post)
        except NoAnswer:
            self._may_be_landing(key)
            raise
        if not answer.ok:
            refused = self._api.refusal(
                answer,
                credentials_help=CREDENTIALS_HELP,
                resend_is_harmless=False,
                not_found=self._no_api(),
            )
            if answer.status in GATEWAY_GAVE_UP:
                self._may_be_landing(key)
            raise refused
        receipt = _receipt(answer.object())
        if receipt is None:
            raise NoAnswer(
                f"{self._api.service} answered, but not with the post's details, so it may or may "
                "not have been published. Check the site address in the settings."
            )
        made = answer.object().get("slug")
        if isinstance(made, str) and made != slug:
            # WordPress renamed a taken slug: a post of this job existed already.
            log.warning("%s: the post's slug was taken and renamed to %s", self._api.service, made)
        return receipt

    def check(self) -> Health:
        """GET users/me: proves the user name and application password work, posts nothing."""
        if not self._password:
            return Health(False, self._missing())
        try:
            answer = self._rest("GET", "users/me", params={"context": "edit"})
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
        me = answer.object()
        who = me.get("name") or me.get("slug") or me.get("username")
        if not isinstance(who, str) or "id" not in me:
            return Health(False, f"{self._api.service} answered, but not as WordPress. Check the address.")
        capabilities = me.get("capabilities")
        if (
            self.status == "publish"
            and isinstance(capabilities, dict)
            and not capabilities.get("publish_posts")
        ):
            return Health(
                False,
                f"{self._api.clean(who)} may not publish posts on {self.host}. "
                "Give the user the Author role or higher in WordPress, or choose draft.",
            )
        return Health(True, f"Signed in as {self._api.clean(who)} on {self.host}.")

    def lookup(self, key: str) -> Lookup:
        """The post this key made (bin included), by a signed-in slug query; proof only from a clean list."""
        if not self._password:
            return CANNOT_TELL
        slug = slug_for(key)
        try:
            answer = self._rest(
                "GET",
                "posts",
                params={
                    "slug": f"{slug},{slug}{TRASHED_SUFFIX}",
                    "status": "any,trash",
                    "context": "edit",
                    "_fields": "id,link,slug,status",
                },
            )
        except Exception:  # noqa: BLE001 - a look-up that fails proves nothing
            return CANNOT_TELL
        if answer.status != 200:
            return CANNOT_TELL
        posts = answer.json()
        if not isinstance(posts, list):
            return CANNOT_TELL
        ours = [p for p in posts if isinstance(p, dict) and p.get("slug") in (slug, slug + TRASHED_SUFFIX)]
        if ours:
            receipt = _receipt(min(ours, key=lambda p: _number(p.get("id"))))
            return Lookup("sent", receipt) if receipt else CANNOT_TELL
        if posts or self._still_landing(key):
            return CANNOT_TELL
        return NOT_SENT

    # -- inside ---------------------------------------------------------------------------

    def _may_be_landing(self, key: str) -> None:
        with self._landing_lock:
            self._landing[key] = self._api.client.monotonic() + SETTLE_SECONDS

    def _still_landing(self, key: str) -> bool:
        now = self._api.client.monotonic()
        with self._landing_lock:
            for old in [k for k, until in self._landing.items() if until <= now]:
                del self._landing[old]
            return key in self._landing

    def _rest(self, method: str, route: str, **kwargs: Any) -> Answer:
        """One REST call; where ``/wp-json/`` is not served, the same call by ``?rest_route=``.

        A site on "Plain" permalinks (or a server without its rewrite rules) answers
        ``/wp-json/`` with its own 404 page, before WordPress sees the request: nothing
        was posted, so asking again by ``?rest_route=``, which every WordPress serves, is
        safe. A 404 from the REST API itself (JSON with a ``code``) is not retried.
        """
        answer = self._api.request(method, self._route(route), headers=self._auth(), **kwargs)
        if answer.status == 404 and not self._by_query and not isinstance(answer.object().get("code"), str):
            self._by_query = True
            answer = self._api.request(method, self._route(route), headers=self._auth(), **kwargs)
        return answer

    def _route(self, route: str) -> str:
        return f"?rest_route=/wp/v2/{route}" if self._by_query else f"wp-json/wp/v2/{route}"

    def _auth(self) -> dict[str, str]:
        pair = f"{self.username}:{self._password}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}

    def _need_password(self) -> None:
        if not self._password:
            raise SendRejected(self._missing(), retryable=False)

    def _missing(self) -> str:
        return f"No application password is saved for {self.name}. Add it in OutageTray's settings."

    def _no_api(self) -> str:
        return (
            f"{self.host} did not answer as a WordPress site with its REST API (error 404). "
            "Check the site address, and that no plugin turns the REST API off."
        )


def _receipt(post: dict[str, Any]) -> Receipt | None:
    ident, link = post.get("id"), post.get("link")
    if not isinstance(ident, int) or isinstance(ident, bool) or not isinstance(link, str) or not link:
        return None
    return Receipt(url=link, id=str(ident))


def _number(value: object) -> int:
    return value if isinstance(value, int) else 1 << 62


def _shortened(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _secret_forms(password: str, username: str) -> tuple[str, ...]:
    """The password as typed, without its spaces, and inside the Basic header: all masked."""
    if not password:
        return ()
    forms = {password, password.replace(" ", "")}
    forms.add(base64.b64encode(f"{username}:{password}".encode()).decode("ascii"))
    return tuple(sorted(forms, key=len, reverse=True))


def from_settings(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> WordPressChannel:
    """A WordPress channel from its ``[[channels]]`` table and the application password."""
    extra = table.extra
    label = table.name or table.id
    base_url = extra.get("base_url", table.url)
    if not isinstance(base_url, str) or not base_url.strip():
        raise ChannelConfigError(
            f"Channel {label}: write base_url, your WordPress site's address (https://blog.example.com)."
        )
    problem = base_url_problem(base_url, "WordPress")
    if problem:
        raise ChannelConfigError(f"Channel {label}: base_url: {problem}")
    username = extra.get("username")
    if not isinstance(username, str) or not username.strip():
        raise ChannelConfigError(
            f"Channel {label}: write username, the WordPress user the posts appear under."
        )
    status = extra.get("status", "publish")
    if status not in STATUSES:
        raise ChannelConfigError(f'Channel {label}: status must be "publish" or "draft".')
    raw = extra.get("categories", [])
    if isinstance(raw, (int, str)):
        raw = [raw]
    categories: list[int] = []
    if not isinstance(raw, (list, tuple)):
        raise ChannelConfigError(
            f"Channel {label}: categories must be a list of category numbers, like [3, 7]."
        )
    for item in raw:
        try:
            number = int(str(item).strip())
        except ValueError:
            number = 0
        if number <= 0 or isinstance(item, bool):
            raise ChannelConfigError(
                f"Channel {label}: categories must be a list of category numbers, like [3, 7]."
            )
        categories.append(number)
    return WordPressChannel(
        base_url,
        username.strip(),
        secret.strip(),
        name=label,
        status=str(status),
        categories=tuple(categories),
        client=client,
    )
