"""Mastodon (any instance): one status per job, made harmless to repeat by an Idempotency-Key.

Why it is built this way:

- Mastodon keeps an ``Idempotency-Key`` header per account for about an hour (it is
  kept in Redis for 3600 s, under a lock, with the id of the status it made) and
  answers a repeated key with that same status. The job key goes there, so sending an
  unknown job again within that hour cannot post twice: that is how the outbox completes
  it (``resend_is_harmless``). After the hour the key is forgotten and a resend would
  post again, so the harmless resend holds only within ``resend_window`` of the first
  try (the status, if any, was made after that moment); a job left unknown for longer
  is for the user to settle.
- ``lookup`` cannot tell: the API offers no look-up by key, and the account's timeline
  proves nothing about one key, so we never claim a proof we lack.
- Every exchange goes through :class:`~outagetray.core.channels.web.WebApi`: one deadline
  for the whole exchange (a server that drips its answer cannot hold a send), redirects
  never followed (the token must not travel to another address), and three endings:
  an answer, :class:`NotSent` (never left: retryable), or :class:`NoAnswer` (went out,
  no answer: the job becomes unknown, and a resend with the same key settles it).
- A refusal the server states is a :class:`SendRejected`, nothing was created: a 401 or
  403 token (make a new one), a 422 validation (too long, empty), a 429 limit (retryable,
  with Mastodon's wait: it sends ``X-RateLimit-Reset`` as a moment, not ``Retry-After``),
  a 5xx (retryable, since a resend with the same key cannot post twice).
- ``check`` posts nothing: ``verify_credentials`` proves the token, and the server's
  own limit (``/api/v2/instance``) is said with it when it comes within the same time.
- The token is passed in (from ``core/secrets.py``) and never appears in any message,
  log line or repr; the server's own words are shown only after it is masked out.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from outagetray.core.channels import (
    CANNOT_TELL,
    ChannelConfigError,
    Field,
    Health,
    Lookup,
    Receipt,
    is_loopback,
)
from outagetray.core.channels.web import (
    DEFAULT_SEND_TIMEOUT,
    Answer,
    NoAnswer,
    NotSent,
    WebApi,
    base_url_problem,
)
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import SendRejected

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "VISIBILITIES", "MastodonChannel", "SendUnknown", "from_settings"]

VISIBILITIES = ("public", "unlisted", "private", "direct")

#: The older name of "the post went out and no answer came"; it is WebApi's NoAnswer.
SendUnknown = NoAnswer

#: A check leaves the instance's limit out rather than start it with less time than this.
_LEAST_FOR_LIMIT = 0.2

_TOKEN_HELP = (
    "Make a new one in Mastodon's Preferences > Development (with the scopes write:statuses and "
    "read:accounts), and save it in OutageTray's settings."
)
_WEB_PAGE = "a web page came instead (a Wi-Fi sign-in page or a proxy?)"


def address_problem(url: str) -> str | None:
    """Why ``url`` cannot be a Mastodon server's address, in plain words; None when it can.

    Plain http is allowed only on this computer: the token travels with every request.
    """
    problem = base_url_problem(url, "Mastodon")
    if problem:
        return problem
    parts = urlsplit(url.strip())
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        return (
            "The Mastodon address must start with https:// (plain http is allowed only on this "
            "computer, because the access token travels with every post)."
        )
    return None


class MastodonChannel:
    """Posts a status on one Mastodon account; see the module text for the rules."""

    #: The Idempotency-Key makes a resend within the hour return the same status.
    resend_is_harmless = True
    #: Seconds after a job's first try within which a resend is harmless: Mastodon keeps the
    #: key 3600 s from when it made the status; ten minutes are kept back for clocks and queues.
    resend_window = 3000.0

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        name: str = "",
        client: HttpClient | None = None,
        visibility: str = "public",
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        if visibility not in VISIBILITIES:
            raise ValueError("Who sees the post (visibility) must be public, unlisted, private or direct.")
        problem = address_problem(base_url)
        if problem:
            raise ValueError(problem)
        self.base_url = base_url.strip().rstrip("/")
        self.host = urlsplit(self.base_url).hostname or self.base_url
        self.name = name or self.host
        self.visibility = visibility
        self._token = token.strip()
        self.api = WebApi(
            f"Mastodon at {self.host}", self.base_url, secrets=(self._token,), client=client, timeout=timeout
        )

    def __repr__(self) -> str:  # never the token
        return f"MastodonChannel({self.base_url}, {self.visibility})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST the status with the job key as Idempotency-Key; a repeat returns the same status."""
        if not self._token:
            raise SendRejected(self._no_token(), retryable=False)
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was posted on Mastodon.")
        answer = self.api.post(
            f"{self.base_url}/api/v1/statuses",
            data={"status": text, "visibility": self.visibility},
            headers=self._auth({"Idempotency-Key": key}),
        )
        if not answer.ok:
            raise self._refusal(answer)
        data = answer.object()
        id_value = data.get("id")
        url_value = _link(data.get("url")) or _link(data.get("uri"))
        if isinstance(id_value, (str, int)) and not isinstance(id_value, bool) and str(id_value):
            return Receipt(url=url_value, id=str(id_value))
        what = _WEB_PAGE if answer.json() is None else "its answer could not be read"
        raise NoAnswer(
            f"{self.api.service} seemed to accept the post, but {what}, so it may or may not have been "
            "published. Sending it again is harmless within the hour."
        )

    def check(self) -> Health:
        """GET verify_credentials (proves the token, posts nothing), then the server's own limit."""
        if not self._token:
            return Health(False, self._no_token())
        started = time.monotonic()
        try:
            answer = self.api.get(f"{self.base_url}/api/v1/accounts/verify_credentials", headers=self._auth())
        except NotSent:
            return Health(
                False,
                f"{self.api.service} could not be reached. Check the server address and the connection.",
            )
        except NoAnswer:
            return Health(False, f"{self.api.service} did not answer in time. Try the check again later.")
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self.api.health(exc)
        if not answer.ok:
            return Health(False, self._check_refusal(answer))
        account = answer.object()
        acct = account.get("acct") or account.get("username")
        if not isinstance(acct, str) or not acct.strip():
            what = _WEB_PAGE if answer.json() is None else "it did not name an account"
            return Health(False, f"{self.api.service} answered, but {what}. Check the server address.")
        said = f"Signed in as @{self.api.clean(acct)} on {self.host}"
        limit = self._limit(self.api.timeout - (time.monotonic() - started))
        if limit is not None:
            said += f"; posts up to {limit} characters"
        return Health(True, said + ".")

    def lookup(self, key: str) -> Lookup:
        """Mastodon cannot look a status up by key; a resend within the hour is harmless instead."""
        return CANNOT_TELL

    # -- inside ---------------------------------------------------------------------------

    def _no_token(self) -> str:
        return f"No access token is saved for {self.name}. Add it in OutageTray's settings."

    def _auth(self, more: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._token}"}
        headers.update(more or {})
        return headers

    def _limit(self, budget: float) -> int | None:
        """The server's longest post (configuration.statuses.max_characters), or None; never raises."""
        if budget < _LEAST_FOR_LIMIT:
            return None
        try:
            answer = self.api.get(f"{self.base_url}/api/v2/instance", timeout=budget)
        except Exception:  # noqa: BLE001 - the limit is a courtesy; the check stands without it
            return None
        configuration = answer.object().get("configuration") if answer.ok else None
        statuses = configuration.get("statuses") if isinstance(configuration, dict) else None
        value = statuses.get("max_characters") if isinstance(statuses, dict) else None
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        return None

    def _refusal(self, answer: Answer) -> SendRejected | NoAnswer:
        """What a non-2xx answer to a post means, in Mastodon's own terms where they help."""
        status = answer.status
        said = self.api.server_said(answer)
        if status in (401, 403):
            return SendRejected(self._token_refused(said))
        if status == 422 and "character limit" in said.lower():
            return SendRejected(f"The post is too long for {self.api.service} ({said}). Shorten it.")
        if 300 <= status < 400:
            return SendRejected(self._moved())
        return self.api.refusal(
            _with_retry_after(answer, self.api.client.wall()),
            credentials_help=_TOKEN_HELP,
            resend_is_harmless=self.resend_is_harmless,
            not_found=self._not_mastodon(),
        )

    def _check_refusal(self, answer: Answer) -> str:
        status = answer.status
        if status in (401, 403):
            return self._token_refused(self.api.server_said(answer))
        if 300 <= status < 400:
            return self._moved()
        if status == 404:
            return self._not_mastodon()
        if status == 429:
            wait = parse_retry_after(
                _with_retry_after(answer, self.api.client.wall()).headers.get("Retry-After", ""),
                self.api.client.wall(),
            )
            later = f" in {round(wait)} s" if wait is not None else " later"
            return f"{self.api.service} is limiting how often we may ask. Try the check again{later}."
        if status >= 500:
            return f"{self.api.service} is having trouble (error {status}). Try the check again later."
        said = self.api.server_said(answer)
        return f"{self.api.service} did not accept the check (error {status}){': ' + said if said else ''}."

    def _token_refused(self, said: str) -> str:
        detail = f" ({said})" if said else ""
        return f"The access token was refused by {self.host}{detail}. {_TOKEN_HELP}"

    def _moved(self) -> str:
        return (
            f"{self.host} sent OutageTray to another address. Check the Mastodon server address in "
            "OutageTray's settings (such as https://mastodon.social)."
        )

    def _not_mastodon(self) -> str:
        return (
            f"{self.host} does not look like a Mastodon server (error 404). "
            "Check the server address in OutageTray's settings."
        )


def _link(value: object) -> str:
    return value if isinstance(value, str) and value.startswith(("https://", "http://")) else ""


def _with_retry_after(answer: Answer, now: float) -> Answer:
    """A 429 as WebApi reads it: ``Retry-After`` under that very name (Answer's headers are a
    plain dict, and Rack 3 sends lower-case names), else Mastodon's ``X-RateLimit-Reset``
    (an ISO 8601 moment) turned into seconds."""
    if answer.status != 429:
        return answer
    headers = {name.lower(): value for name, value in answer.headers.items()}
    retry_after = headers.get("retry-after", "").strip()
    if not retry_after:
        reset = headers.get("x-ratelimit-reset", "").strip()
        try:
            when = datetime.fromisoformat(reset.replace("Z", "+00:00"))
        except ValueError:
            when = None
        if when is not None and when.tzinfo is not None:
            retry_after = str(max(0, round(when.timestamp() - now)))
    if not retry_after:
        return answer
    return Answer(answer.status, {**answer.headers, "Retry-After": retry_after}, answer.body)


FIELDS: tuple[Field, ...] = (
    Field("base_url", "Server address", "url", help="Your Mastodon server, such as https://mastodon.social."),
    Field(
        "visibility",
        "Who sees the post",
        "choice",
        required=False,
        choices=VISIBILITIES,
        default="public",
        help="public reaches everyone; unlisted keeps it off the public timelines.",
    ),
)
SECRET: Field | None = Field(
    "secret",
    "Access token",
    "secret",
    help="In Mastodon: Preferences > Development > New application, with the scopes write:statuses "
    "and read:accounts; then copy “Your access token”.",
)


def from_settings(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> MastodonChannel:
    """The Mastodon channel of a ``[[channels]]`` table (``base_url``, ``visibility``) and its token.

    The address may be written as people write it ("mastodon.social", a profile's address):
    only the server counts. A bad one is never repeated in the message (it may hold a password).
    """
    from outagetray.core.composer import server_address

    name = table.name or table.id
    where = f'Mastodon channel "{name}"'
    base_url = table.extra.get("base_url", "")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ChannelConfigError(
            f'The {where} needs its server address, such as base_url = "https://mastodon.social".'
        )
    server = server_address(base_url)
    if server is None:
        raise ChannelConfigError(
            f"In the {where}, base_url is not a server address. "
            'Write it like base_url = "https://mastodon.social", without a user name or password.'
        )
    problem = address_problem(server)
    if problem:
        raise ChannelConfigError(f"In the {where}: {problem}")
    visibility = table.extra.get("visibility", "public")
    if visibility not in VISIBILITIES:
        raise ChannelConfigError(
            f'In the {where}, visibility must be "public", "unlisted", "private" or "direct" '
            "(or leave it out)."
        )
    return MastodonChannel(server, secret, name=name, client=client, visibility=visibility)
