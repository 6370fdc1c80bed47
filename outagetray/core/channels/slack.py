"""Slack channel: an incoming webhook posts the message in the one channel it was made for.

Why it is built this way:

- The webhook's address is the whole credential (``https://hooks.slack.com/services/
  T…/B…/X…``): whoever has it may post. So it is the channel's secret, kept in the
  keyring, and both the address and its last part are masked out of every message, log
  line and repr; every exchange goes through
  :class:`~outagetray.core.channels.web.WebApi`, which never shows an exception's text
  (a library's error quotes the address).
- Incoming webhooks answer ``200 ok`` in plain text and nothing else: no message id and
  no link exist, so the receipt is empty (``Receipt(url="", id="")``), and the window
  can only say "posted". They also have no dedupe and cannot read the channel, so
  ``resend_is_harmless`` is False and ``lookup`` cannot tell: a send whose answer was
  lost stays unknown, for the user to look and decide.
- Errors are plain-text codes with an HTTP status (Slack's "Changes to errors for
  incoming webhooks", 2016): 400 ``invalid_payload`` / ``no_text``, 403
  ``invalid_token`` / ``action_prohibited``, 404 ``no_service`` / ``channel_not_found``,
  410 ``channel_is_archived``, 429 (with Retry-After), 500 ``rollup_error``. Each is
  put into what to do. A 500 may come after the message was posted, so it stays unknown;
  a 429 and a 503 are refusals worth trying again later.
- ``check``: a webhook has no call that reads without posting. It POSTs an empty
  payload (``{}``); Slack refuses it with 400 ``no_text`` (or ``invalid_payload``)
  before posting anything, which proves the address leads to a live webhook. This is a
  known technique (monitoring tools use it), not one Slack documents as a check. It
  cannot prove the channel still takes messages: a webhook whose channel was archived
  or deleted may pass and fail at the first real send (with 410 or 404). A 403 or 404
  to the empty payload means the webhook was removed or its address is wrong.
- The address must be an https Slack webhook address; plain http only on this computer
  (tests), because the token travels in the address. Workflow Builder's webhooks
  (``/triggers/…``) take another payload and are not these.
- Slack cuts messages over 40,000 characters; no draft comes near it, so nothing is
  checked here.
"""

from __future__ import annotations

import re
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
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import SendRejected

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "SlackChannel", "from_settings", "webhook_problem"]

_PATH = re.compile(r"/services/(T[A-Z0-9]{2,30})/(B[A-Z0-9]{2,30})/([A-Za-z0-9]{8,100})/?")
#: The answers to an empty payload that prove a live webhook.
_EMPTY_REFUSED = ("no_text", "invalid_payload", "missing_text_or_fallback_or_attachments")

FIELDS: tuple[Field, ...] = ()
SECRET: Field | None = Field(
    "webhook_url",
    "Webhook address",
    kind="secret",
    help=(
        "In Slack: open api.slack.com/apps, create an app for your workspace, turn on Incoming "
        "Webhooks, then Add New Webhook to Workspace and pick the channel. Copy the address "
        "(https://hooks.slack.com/services/…) and paste it here. Whoever has it can post, so it "
        "is kept in your computer's password store."
    ),
)

_NEW_WEBHOOK = (
    "Make a new one in Slack (your app's Incoming Webhooks, Add New Webhook to Workspace) "
    "and save its address in OutageTray's settings."
)


def webhook_problem(url: str) -> str | None:
    """Why ``url`` is not a Slack incoming webhook address, in plain words (never quoting it)."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        return "it is not a web address that can be read"
    example = "https://hooks.slack.com/services/…"
    if parts.scheme not in ("http", "https") or not host:
        return f"a Slack webhook address starts with {example}"
    if parts.scheme == "http" and not is_loopback(host):
        return "it must start with https://, so its token never travels unprotected"
    if parts.username or parts.password or parts.query or parts.fragment:
        return f"it has parts a webhook address never has (it looks like {example})"
    if parts.path.startswith("/triggers/"):
        return "it is a Workflow Builder webhook; OutageTray needs an incoming webhook (…/services/…)"
    if not _PATH.fullmatch(parts.path):
        return f"it is not an incoming webhook's address (it looks like {example}, then three parts)"
    return None


class SlackChannel:
    """Posts in one Slack channel through its incoming webhook; see the module text for the rules."""

    #: Incoming webhooks drop no second send: a resend after a lost answer may post twice.
    resend_is_harmless = False

    def __init__(
        self,
        webhook_url: str,
        *,
        name: str = "Slack",
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
                    "Copy it again in Slack and save it in OutageTray's settings."
                )
            found = _PATH.fullmatch(urlsplit(self._url).path)
            assert found is not None  # webhook_problem checked it
            secrets = (self._url, found.group(3))
        self.api = WebApi("Slack", secrets=secrets, client=client, timeout=timeout)

    def __repr__(self) -> str:  # never the address: it is the credential
        return f"SlackChannel({self.name})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """POST the text once. Slack answers "ok" and nothing more, so the receipt is empty."""
        if not self._url:
            raise SendRejected(self._missing())
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was sent to Slack.")
        answer = self.api.post(self._url, json={"text": text})
        if answer.ok and _code(answer) == "ok":
            return Receipt(url="", id="")  # incoming webhooks give no message id and no link
        if answer.ok:
            raise NoAnswer(
                "Something other than Slack answered (a web page: a Wi-Fi sign-in page or a proxy?), "
                "so the message may or may not have been posted. Check the network."
            )
        raise self._refusal(answer, sending=True)

    def check(self) -> Health:
        """POST an empty payload: Slack refuses it without posting, which proves the webhook lives."""
        if not self._url:
            return Health(False, self._missing())
        try:
            answer = self.api.post(self._url, json={})
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self.api.health(exc)
        code = _code(answer)
        if answer.status == 400 and code in _EMPTY_REFUSED:
            return Health(
                True, "The Slack webhook is live (it refused an empty test, so nothing was posted)."
            )
        if answer.ok and code == "ok":
            return Health(
                False,
                "The address took an empty test message as if it had posted it, which Slack never does. "
                "Check the webhook address.",
            )
        if answer.ok:
            return Health(
                False,
                "Something other than Slack answered (a web page: a Wi-Fi sign-in page or a proxy?). "
                "Check the network.",
            )
        return self.api.health(self._refusal(answer, sending=False))

    def lookup(self, key: str) -> Lookup:
        """An incoming webhook cannot read its channel, so an unknown send stays unknown."""
        return CANNOT_TELL

    # -- inside ---------------------------------------------------------------------------

    def _missing(self) -> str:
        return f"No webhook address is saved for {self.name}. Add it in OutageTray's settings."

    def _refusal(self, answer: Answer, *, sending: bool) -> SendRejected | NoAnswer:
        code = _code(answer)
        said = self.api.clean(code) if code else ""
        if answer.status == 429:
            wait = parse_retry_after(answer.headers.get("Retry-After", ""), self.api.client.wall())
            text = "Slack is limiting how often this webhook may post"
            if wait is not None:
                text += f"; it asked us to wait {round(wait)} s"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        if code in ("no_service", "no_team", "invalid_token", "team_disabled", "no_active_hooks"):
            return SendRejected(
                f"The Slack webhook of {self.name} was removed or its address is wrong. {_NEW_WEBHOOK}"
            )
        if code == "channel_not_found":
            return SendRejected(
                f"The Slack channel of {self.name}'s webhook no longer exists. {_NEW_WEBHOOK}"
            )
        if code == "channel_is_archived":
            return SendRejected(
                f"The Slack channel of {self.name}'s webhook is archived, so nothing can be posted there. "
                f"Unarchive it in Slack, or make a new webhook for another channel. {_NEW_WEBHOOK}"
            )
        if code == "action_prohibited":
            return SendRejected(
                "The Slack workspace's admins do not allow this webhook to post there. "
                "Ask a workspace admin to allow it, or make a webhook for another channel."
            )
        if code == "posting_to_general_channel_denied":
            return SendRejected(
                "Only admins may post in that Slack channel. Ask an admin to make the webhook, "
                "or make one for another channel."
            )
        if code in ("invalid_payload", "no_text", "user_not_found", "too_many_attachments"):
            return SendRejected(f"Slack could not read the message ({said}). Nothing was posted.")
        if answer.status >= 500 and not sending:
            return SendRejected(
                f"Slack is having trouble (error {answer.status}). Try the check again later."
            )
        if answer.status >= 500 or 300 <= answer.status < 400:
            return self.api.refusal(answer, credentials_help=_NEW_WEBHOOK, resend_is_harmless=False)
        if not said:
            return SendRejected(
                f"The webhook address answered in a way Slack does not (error {answer.status}). "
                "Check the webhook address in OutageTray's settings."
            )
        return SendRejected(f"Slack did not accept the message (error {answer.status}: {said}).")


def _code(answer: Answer) -> str:
    """Slack's plain-text answer ("ok", "no_text"…); "" for a web page or anything long."""
    head = answer.body[:300].decode("utf-8", "replace").strip()
    if not head or "<" in head or "\n" in head:
        return ""
    return head


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> SlackChannel:
    """A Slack channel from its ``[[channels]]`` table (no keys of its own) and the webhook address."""
    name = channel.name or channel.id
    if "webhook_url" in channel.extra:
        raise ChannelConfigError(
            f'Take webhook_url out of the Slack channel "{name}" in the settings file: whoever has '
            "the address can post, so OutageTray keeps it in the password store. Paste it in "
            "OutageTray's settings instead."
        )
    return SlackChannel(secret, name=name, client=client)
