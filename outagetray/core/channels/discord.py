"""Discord channel: a webhook posts the message in one channel of the user's server.

Why it is built this way:

- The webhook's address is the whole credential (``.../api/webhooks/<id>/<token>``):
  whoever has it may post. So it is the channel's secret, kept in the keyring, and both
  the address and its token part are masked out of every message, log line and repr;
  every exchange goes through :class:`~outagetray.core.channels.web.WebApi`, which never
  shows an exception's text (a library's error quotes the address).
- Webhooks have no dedupe: ``nonce`` with ``enforce_nonce`` is for bots, not webhooks,
  and a webhook cannot list the channel's messages. So ``resend_is_harmless`` is False
  and ``lookup`` cannot tell: a send whose answer was lost stays unknown, for the user
  to look and decide.
- ``?wait=true`` makes Discord answer with the message it made (its id, its channel),
  so the receipt links to it; without it Discord answers 204 even when the message was
  not saved.
- ``allowed_mentions: {"parse": []}``: an ``@everyone`` or ``@here`` in a draft is shown
  as text and pings nobody.
- Refusals are put into what to do: a deleted or wrong webhook (401 Invalid Webhook
  Token, 404 Unknown Webhook) needs a new one; 2000 characters at most (checked here
  first); a 429 is retryable after Discord's ``retry_after``; a 503 is retryable; a 500,
  502 or 504 may come after the message was posted, so it stays unknown.
- ``check`` posts nothing: a GET of the webhook's address answers the webhook itself.
- The address must be an https webhook address; plain http only on this computer (tests,
  a local relay), because the token travels in the address.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
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
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import SendRejected

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "LIMIT", "SECRET", "DiscordChannel", "from_settings", "webhook_problem"]

#: A message's content, in characters.
LIMIT = 2000
#: How long the look-up of the webhook's server (for the receipt's link) may take after a send.
GUILD_TIMEOUT = 5.0

_PATH = re.compile(r"/api(?:/v\d{1,2})?/webhooks/(\d{5,25})/([A-Za-z0-9_.\-]{10,200})/?")

FIELDS: tuple[Field, ...] = ()
SECRET: Field | None = Field(
    "webhook_url",
    "Webhook address",
    kind="secret",
    help=(
        "In Discord: Server Settings, Integrations, Webhooks, New Webhook. Pick the channel, "
        "then Copy Webhook URL and paste it here. Whoever has this address can post, so it is "
        "kept in your computer's password store."
    ),
)

_NEW_WEBHOOK = (
    "Make a new one in Discord (Server Settings, Integrations, Webhooks, New Webhook, "
    "Copy Webhook URL) and save it in OutageTray's settings."
)


def webhook_problem(url: str) -> str | None:
    """Why ``url`` is not a Discord webhook address, in plain words (never quoting it); None if it is."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "it is not a web address that can be read"
    example = "https://discord.com/api/webhooks/…"
    if parts.scheme not in ("http", "https") or not host:
        return f"a Discord webhook address starts with {example}"
    if parts.scheme == "http" and not is_loopback(host):
        return "it must start with https://, so its token never travels unprotected"
    if parts.username or parts.password or parts.fragment:
        return f"it has parts a webhook address never has (it looks like {example})"
    if not _PATH.fullmatch(parts.path):
        return f"it is not a webhook's address (it looks like {example}, then two parts)"
    return None


class DiscordChannel:
    """Posts in one Discord channel through its webhook; see the module text for the rules."""

    #: Webhooks drop no second send: a resend after a lost answer may post twice.
    resend_is_harmless = False

    def __init__(
        self,
        webhook_url: str,
        *,
        name: str = "Discord",
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.name = name
        self._url = webhook_url.strip()
        secrets: tuple[str, ...] = (self._url,)
        if self._url:
            problem = webhook_problem(self._url)
            if problem:
                raise ChannelConfigError(
                    f"The webhook address saved for {name} cannot be used: {problem}. "
                    "Copy it again in Discord and save it in OutageTray's settings."
                )
            found = _PATH.fullmatch(urlsplit(self._url).path)
            assert found is not None  # webhook_problem checked it
            secrets = (self._url, found.group(2))
        self.api = WebApi("Discord", secrets=secrets, client=client, timeout=timeout)
        self._guild: str | None = None

    def __repr__(self) -> str:  # never the address: it is the credential
        return f"DiscordChannel({self.name})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """Execute the webhook once, waiting for the message; the key cannot be used (no dedupe)."""
        if not self._url:
            raise SendRejected(self._missing())
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was sent to Discord.")
        if len(text) > LIMIT:
            raise SendRejected(_too_long(len(text)))
        answer = self.api.post(
            self._url,
            params={"wait": "true"},
            json={"content": text, "allowed_mentions": {"parse": []}},
        )
        if answer.status == 204:
            return Receipt(url="", id="")  # posted, though Discord did not say which message it made
        if answer.ok:
            message = answer.object()
            message_id = message.get("id")
            if isinstance(message_id, (str, int)) and str(message_id).isdigit():
                return Receipt(url=self._link(message, str(message_id)), id=str(message_id))
            raise NoAnswer(
                "Something other than Discord answered (a web page: a Wi-Fi sign-in page or a proxy?), "
                "so the message may or may not have been posted. Check the network."
            )
        raise self._refusal(answer, sending=True)

    def check(self) -> Health:
        """GET the webhook: Discord answers the webhook itself, and nothing is posted."""
        if not self._url:
            return Health(False, self._missing())
        try:
            answer = self.api.get(self._url)
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self.api.health(exc)
        hook = answer.object() if answer.ok else {}
        if answer.ok and hook.get("id") is not None:
            guild = hook.get("guild_id")
            if isinstance(guild, (str, int)) and str(guild).isdigit():
                self._guild = str(guild)
            label = self.api.clean(hook.get("name") or "")
            named = f" “{label}”" if label else ""
            return Health(True, f"The Discord webhook{named} is ready to post.")
        if answer.ok:
            return Health(
                False,
                "Something other than Discord answered (a web page: a Wi-Fi sign-in page or a proxy?). "
                "Check the network.",
            )
        return self.api.health(self._refusal(answer, sending=False))

    def lookup(self, key: str) -> Lookup:
        """A webhook cannot read its channel, so an unknown send stays unknown."""
        return CANNOT_TELL

    # -- inside ---------------------------------------------------------------------------

    def _missing(self) -> str:
        return f"No webhook address is saved for {self.name}. Add it in OutageTray's settings."

    def _refusal(self, answer: Answer, *, sending: bool) -> SendRejected | NoAnswer:
        data = answer.object()
        code = data.get("code")
        said = self.api.clean(data.get("message") or "")
        if answer.status == 429:
            wait = _seconds(data.get("retry_after"))
            if wait is None:
                wait = parse_retry_after(answer.headers.get("Retry-After", ""), self.api.client.wall())
            text = "Discord is limiting how often this webhook may post"
            if wait is not None:
                text += f"; it asked us to wait {max(1, round(wait))} s"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        if code in (10015, 50027) or (data and answer.status in (401, 404)):
            return SendRejected(
                f"The Discord webhook of {self.name} was deleted or its address is wrong. {_NEW_WEBHOOK}"
            )
        if code == 50035 and _too_long_error(data):
            return SendRejected(_too_long(None))
        if answer.status >= 500 and not sending:
            return SendRejected(
                f"Discord is having trouble (error {answer.status}). Try the check again later."
            )
        if answer.status >= 500 or 300 <= answer.status < 400:
            return self.api.refusal(answer, credentials_help=_NEW_WEBHOOK, resend_is_harmless=False)
        if not data:
            return SendRejected(
                f"The webhook address answered in a way Discord does not (error {answer.status}). "
                "Check the webhook address in OutageTray's settings."
            )
        detail = f": {said}" if said else ""
        if answer.status == 403:
            return SendRejected(f"Discord does not let this webhook post{detail}. {_NEW_WEBHOOK}")
        return SendRejected(f"Discord did not accept the message (error {answer.status}){detail}.")

    def _link(self, message: Mapping[str, Any], message_id: str) -> str:
        """discord.com/channels/<server>/<channel>/<message>, when the server is known."""
        channel = message.get("channel_id")
        if not isinstance(channel, (str, int)) or not str(channel).isdigit():
            return ""
        guild = message.get("guild_id")
        if isinstance(guild, (str, int)) and str(guild).isdigit():
            self._guild = str(guild)
        if self._guild is None:
            self._guild = self._find_guild()
        if not self._guild:
            return ""
        return f"https://discord.com/channels/{self._guild}/{channel}/{message_id}"

    def _find_guild(self) -> str:
        """The webhook's server, read from the webhook (harmless); "" when it cannot be told."""
        try:
            answer = self.api.get(self._url, timeout=min(GUILD_TIMEOUT, self.api.timeout))
        except Exception:  # noqa: BLE001 - the message is posted; only its link is missing
            return ""
        guild = answer.object().get("guild_id") if answer.ok else None
        return str(guild) if isinstance(guild, (str, int)) and str(guild).isdigit() else ""


def _too_long(length: int | None) -> str:
    size = f" ({length} characters)" if length is not None else ""
    return f"The message is too long for Discord{size}: it takes at most {LIMIT} characters. Shorten it."


def _too_long_error(data: Mapping[str, Any]) -> bool:
    errors = data.get("errors")
    content = errors.get("content") if isinstance(errors, dict) else None
    found = content.get("_errors") if isinstance(content, dict) else None
    return isinstance(found, list) and any(
        isinstance(e, dict) and e.get("code") == "BASE_TYPE_MAX_LENGTH" for e in found
    )


def _seconds(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> DiscordChannel:
    """A Discord channel from its ``[[channels]]`` table (no keys of its own) and the webhook address."""
    name = channel.name or channel.id
    if "webhook_url" in channel.extra:
        raise ChannelConfigError(
            f'Take webhook_url out of the Discord channel "{name}" in the settings file: whoever has '
            "the address can post, so OutageTray keeps it in the password store. Paste it in "
            "OutageTray's settings instead."
        )
    return DiscordChannel(secret, name=name, client=client)
