"""Mastodon (any instance): one status per job, made harmless to repeat by an Idempotency-Key.

Why it is built this way:

- Mastodon keeps an ``Idempotency-Key`` for about an hour and answers a repeated key
  with the status it already made. The job key goes there, so sending an unknown job
  again within that hour cannot post twice: that is how the outbox completes it.
  ``lookup`` still cannot tell: the API offers no look-up by key, and after
  the hour a resend would make a second post, so we never claim a proof we lack.
- A refusal the server states (401/403 token, 422 validation, 429 limit, 5xx) is a
  :class:`SendRejected`: nothing was created. A 429 or 5xx may work later, so it is
  retryable; a bad token or a too-long text will not.
- A timeout or a reset after the request went out is a plain exception (:class:`SendUnknown`):
  the status may exist. A connection that never opened is a retryable refusal.
- ``HttpClient`` only GETs with its own headers, so this module uses ``requests``
  directly (imported lazily), with the client's connect and read timeouts. Redirects
  are not followed, so the token never goes to another address.
- The token is passed in (from ``core/secrets.py``) and never appears in any message:
  errors are made of plain words; the server's own text is shown only after the token
  is masked out of it.
"""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from outagetray.core.channels import ChannelConfigError, Field
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import CANNOT_TELL, Health, Lookup, Receipt, SendRejected
from outagetray.core.redact import one_line, shown

if TYPE_CHECKING:
    import requests

    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "VISIBILITIES", "MastodonChannel", "SendUnknown", "from_settings"]

log = logging.getLogger(__name__)

VISIBILITIES = ("public", "unlisted", "private", "direct")
#: The most of a server's error text shown to the user.
MAX_ERROR_TEXT = 200


class SendUnknown(Exception):
    """The request went out and no answer came: the status may or may not exist."""


class MastodonChannel:
    """Posts a status on one Mastodon account; see the module text for the error rules."""

    #: The Idempotency-Key makes a resend within the hour return the same status.
    resend_is_harmless = True

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        client: HttpClient | None = None,
        visibility: str = "public",
    ) -> None:
        if visibility not in VISIBILITIES:
            raise ValueError("visibility must be public, unlisted, private or direct")
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("The Mastodon address must start with https:// and name the server.")
        self.base_url = base_url.strip().rstrip("/")
        self.host = parts.hostname
        self._token = token
        self.client = client if client is not None else HttpClient()
        self.visibility = visibility

    def __repr__(self) -> str:  # never the token
        return f"MastodonChannel({self.base_url}, {self.visibility})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST the status with the job key as Idempotency-Key; a repeat returns the same status."""
        if not self._token:
            raise SendRejected(
                f"No access token is saved for {self.host}. Add it in the settings.", retryable=False
            )
        url = self.base_url + "/api/v1/statuses"
        headers = self._headers()
        headers["Idempotency-Key"] = key
        try:
            raw = self._session().post(
                url,
                data={"status": text, "visibility": self.visibility},
                headers=headers,
                timeout=self._timeout(),
                allow_redirects=False,
            )
        except Exception as exc:  # noqa: BLE001 - sorted by type, told in plain words
            if _never_connected(exc):
                raise SendRejected(f"Mastodon at {self.host} could not be reached.", retryable=True) from None
            log.info("posting to %s ended without an answer (%s)", self.host, type(exc).__name__)
            raise SendUnknown(
                f"Mastodon at {self.host} did not answer after the post was sent, "
                "so it may or may not have been published."
            ) from None
        with raw:
            status = raw.status_code
            if 200 <= status < 300:
                data = self._json(raw)
                url_value, id_value = data.get("url") or data.get("uri"), data.get("id")
                if not isinstance(id_value, (str, int)) or not isinstance(url_value, str):
                    raise SendUnknown(
                        f"Mastodon at {self.host} accepted the post but its answer could not be read, "
                        "so it may have been published."
                    )
                return Receipt(url=url_value, id=str(id_value))
            reason, retryable = self._refusal(raw)
            raise SendRejected(reason, retryable=retryable)

    def check(self) -> Health:
        """GET verify_credentials: proves the token works without posting anything."""
        if not self._token:
            return Health(False, f"No access token is saved for {self.host}. Add it in the settings.")
        url = self.base_url + "/api/v1/accounts/verify_credentials"
        try:
            raw = self._session().get(
                url, headers=self._headers(), timeout=self._timeout(), allow_redirects=False
            )
        except Exception as exc:  # noqa: BLE001 - a check never raises
            if _never_connected(exc):
                return Health(False, f"Mastodon at {self.host} could not be reached.")
            return Health(False, f"Mastodon at {self.host} did not answer in time.")
        with raw:
            if raw.status_code == 200:
                data = self._json(raw)
                name = data.get("acct") or data.get("username")
                if isinstance(name, str) and name:
                    return Health(True, f"Signed in as @{self._clean(name)} on {self.host}.")
                return Health(False, f"Mastodon at {self.host} answered, but not with an account.")
            reason, _ = self._refusal(raw)
            return Health(False, reason)

    def lookup(self, key: str) -> Lookup:
        """Mastodon cannot look a status up by key; a resend within the hour is harmless instead."""
        return CANNOT_TELL

    # -- internals ------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self._token}",
            "User-Agent": self.client.user_agent,
            "Accept": "application/json",
        }

    def _timeout(self) -> tuple[float, float]:
        return (self.client.connect_timeout, self.client.read_timeout)

    def _session(self) -> requests.Session:
        import requests

        session = requests.Session()
        session.trust_env = True
        return session

    def _json(self, raw: requests.Response) -> dict[str, Any]:
        try:
            data = json.loads(raw.content[: self.client.max_body])
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def _clean(self, text: str) -> str:
        """Server text as it may be shown: one line, short, the token masked out."""
        text = one_line(shown(text))
        if self._token:
            text = text.replace(self._token, "***")
        if len(text) > MAX_ERROR_TEXT:
            text = text[: MAX_ERROR_TEXT - 1].rstrip() + "…"
        return text

    def _refusal(self, raw: requests.Response) -> tuple[str, bool]:
        """The reason in plain words, and whether trying later may work."""
        status = raw.status_code
        if status in (401, 403):
            return (
                f"The access token was refused by {self.host}. Make a new one in Mastodon's "
                "Preferences > Development, and save it in the settings.",
                False,
            )
        if status == 429:
            wait = parse_retry_after(raw.headers.get("Retry-After", ""), self.client.wall())
            text = f"Mastodon at {self.host} is limiting how often we may post"
            if wait is not None:
                text += f"; it asked us to wait {round(wait)} s"
            return text + ". Nothing was posted.", True
        if status >= 500:
            return f"Mastodon at {self.host} is having trouble (error {status}). Nothing was posted.", True
        if 300 <= status < 400:
            return (
                f"{self.host} sent OutageTray to another address. "
                "Check the Mastodon address in the settings.",
                False,
            )
        error = self._json(raw).get("error")
        said = f": {self._clean(error)}" if isinstance(error, str) and error.strip() else ""
        if status == 404:
            return f"{self.host} does not look like a Mastodon server (error 404).", False
        return f"Mastodon at {self.host} did not accept the post (error {status}){said}.", False


def _never_connected(exc: BaseException) -> bool:
    """True when the connection never opened, so nothing can have been sent."""
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
    if any(isinstance(e, requests.exceptions.ConnectTimeout) for e in chain):
        return True
    return any(
        isinstance(e, (u3.NewConnectionError, u3.NameResolutionError, ConnectionRefusedError)) for e in chain
    )


FIELDS = (
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
SECRET = Field(
    "secret",
    "Access token",
    "secret",
    help="In Mastodon: Preferences > Development > New application, with the scopes write:statuses "
    "and read:accounts; then copy “Your access token”.",
)


def from_settings(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> MastodonChannel:
    """The Mastodon channel of a ``[[channels]]`` table; its token comes from the keyring."""
    name = table.name or table.id
    base_url = table.extra.get("base_url", "")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ChannelConfigError(
            f'Channel {name}: write the server address, e.g. base_url = "https://mastodon.social".'
        )
    visibility = table.extra.get("visibility", "public")
    if visibility not in VISIBILITIES:
        raise ChannelConfigError(f"Channel {name}: visibility must be public, unlisted, private or direct.")
    try:
        return MastodonChannel(base_url, secret, client=client, visibility=visibility)
    except ValueError as exc:
        raise ChannelConfigError(f"Channel {name}: {exc}") from None
