"""Telegram channel (Bot API): a bot posts the message in the user's channel or group.

Why it is built this way:

- The Bot API has no way to make a second send harmless: ``sendMessage`` takes no
  idempotency key, and a bot cannot search a channel's history for a message it may
  have posted. So ``resend_is_harmless`` is False and ``lookup`` cannot tell: a send
  whose answer was lost stays unknown, and the user looks at the channel and decides.
- The bot's token sits in the address itself (``/bot<token>/sendMessage``), so every
  exchange goes through :class:`~outagetray.core.channels.web.WebApi`, which never
  shows an exception's text (a library's error quotes the address) and masks the token
  out of anything the server says. The token never reaches a message, a log line or
  a repr.
- Telegram states why it refused: ``{"ok": false, "error_code", "description",
  "parameters": {"retry_after"}}``. The usual refusals are turned into what to do:
  a wrong token (ask @BotFather again), a chat it cannot find, a bot that is not an
  administrator of the channel, flood control (retryable, with Telegram's wait), a
  text over 4096 UTF-16 units (checked here first, so nothing is sent in vain).
- A 500, 502 or 504 may come after the message was posted, so it leaves the job
  unknown; a 503 and a 429 are refusals worth trying again later.
- ``check`` posts nothing: ``getMe`` proves the token, ``getChat`` that the chat exists
  and the bot sees it, ``getChatMember`` that the bot may post there.
- The Bot API's address is configurable (``api_url``) for a local Bot API server and for
  tests; plain http is allowed only on this computer, because the token travels in the
  address.
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
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem
from outagetray.core.http import HttpClient, parse_retry_after
from outagetray.core.outbox import SendRejected

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["DEFAULT_API", "FIELDS", "LIMIT", "SECRET", "TelegramChannel", "from_settings", "utf16_units"]

DEFAULT_API = "https://api.telegram.org"
#: sendMessage's limit, in UTF-16 code units (what Telegram counts).
LIMIT = 4096

_TOKEN = re.compile(r"\d{1,20}:[A-Za-z0-9_-]{10,100}")
_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_CHAT_ID = re.compile(r"-?\d{1,20}")
_LINK = re.compile(r"(?:https?://)?(?:t\.me|telegram\.me)/([A-Za-z][A-Za-z0-9_]{3,31})/?")

FIELDS: tuple[Field, ...] = (
    Field(
        "chat",
        "Channel",
        help=(
            "The channel's @username (for example @shopnews), or its number for a private channel "
            "(it starts with -100). Add your bot to the channel as an administrator first."
        ),
    ),
    Field(
        "api_url",
        "Bot API address",
        kind="url",
        required=False,
        default=DEFAULT_API,
        help="Leave it as it is, unless you run your own Telegram Bot API server.",
    ),
)
SECRET: Field | None = Field(
    "token",
    "Bot token",
    kind="secret",
    help=(
        "In Telegram, write to @BotFather: /newbot makes a bot and gives you its token "
        "(numbers, a colon, then letters). Then add the bot to your channel as an administrator."
    ),
)


def utf16_units(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji outside the BMP counts 2)."""
    return len(text.encode("utf-16-le")) // 2


class TelegramChannel:
    """Posts in one Telegram chat through one bot; see the module text for the rules."""

    #: The Bot API drops no second send: a resend after a lost answer may post twice.
    resend_is_harmless = False

    def __init__(
        self,
        chat: str,
        token: str,
        *,
        name: str = "",
        api_url: str = DEFAULT_API,
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.chat = chat
        self.name = name or chat
        self._token = token.strip()
        self.api = WebApi("Telegram", api_url, secrets=(self._token,), client=client, timeout=timeout)

    def __repr__(self) -> str:  # never the token
        return f"TelegramChannel({self.chat}, {self.api.base_url})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """sendMessage, once; the key cannot be used (the Bot API has no dedupe)."""
        problem = self._token_problem()
        if problem:
            raise SendRejected(problem)
        if not text.strip():
            raise SendRejected("The message is empty, so nothing was sent to Telegram.")
        if utf16_units(text) > LIMIT:
            raise SendRejected(_too_long(utf16_units(text)))
        answer = self.api.post(
            self._method("sendMessage"),
            json={"chat_id": self.chat, "text": text, "disable_notification": False},
        )
        result = self._result(answer, sending=True)
        message_id = result.get("message_id")
        if not isinstance(message_id, int):
            raise NoAnswer(
                "Telegram accepted the message but its answer could not be read, so it may have been posted."
            )
        chat = result.get("chat")
        return Receipt(url=self._link(chat if isinstance(chat, dict) else {}, message_id), id=str(message_id))

    def check(self) -> Health:
        """getMe, getChat, getChatMember: the token works, the chat exists, the bot may post there."""
        problem = self._token_problem()
        if problem:
            return Health(False, problem)
        try:
            me = self._result(self.api.get(self._method("getMe")), sending=False)
            chat = self._result(
                self.api.get(self._method("getChat"), params={"chat_id": self.chat}), sending=False
            )
            bot_id = str(me.get("id", ""))
            member = self._result(
                self.api.get(self._method("getChatMember"), params={"chat_id": self.chat, "user_id": bot_id}),
                sending=False,
            )
        except (SendRejected, NoAnswer) as exc:
            return self.api.health(exc)
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self.api.health(exc)
        bot = "@" + self.api.clean(me.get("username") or "your bot")
        title = self.api.clean(chat.get("title") or chat.get("username") or self.chat)
        if not _may_post(chat, member):
            return Health(False, f"{bot} is in {title} but may not post there. {_ADMIN_HELP}")
        return Health(True, f"{bot} can post in {title}.")

    def lookup(self, key: str) -> Lookup:
        """A bot cannot search a chat for what it posted, so an unknown send stays unknown."""
        return CANNOT_TELL

    # -- inside ---------------------------------------------------------------------------

    def _method(self, method: str) -> str:
        # Whole, not relative: urljoin would read "bot123:" as a scheme.
        return f"{self.api.base_url}/bot{self._token}/{method}"

    def _token_problem(self) -> str:
        if not self._token:
            return f"No bot token is saved for {self.name}. Add it in OutageTray's settings."
        if not _TOKEN.fullmatch(self._token):
            return (
                f"The bot token saved for {self.name} does not look like one from @BotFather "
                "(numbers, a colon, then letters). Copy it again from @BotFather and save it in "
                "OutageTray's settings."
            )
        return ""

    def _result(self, answer: Answer, *, sending: bool) -> dict[str, Any]:
        """The ``result`` object of a successful call; else the refusal (or, sending, no answer)."""
        data = answer.object()
        if answer.ok and data.get("ok") is True:
            result = data.get("result")
            return result if isinstance(result, dict) else {}
        if answer.ok and data.get("ok") is not False:
            other = "Something other than Telegram answered (a web page: a Wi-Fi sign-in page or a proxy?)"
            if sending:
                raise NoAnswer(
                    f"{other}, so the message may or may not have been posted. "
                    "Check the network and the Bot API address."
                )
            raise SendRejected(f"{other}. Check the network and the Bot API address.")
        raise self._refusal(answer, data, sending=sending)

    def _refusal(self, answer: Answer, data: Mapping[str, Any], *, sending: bool) -> SendRejected | NoAnswer:
        code = data.get("error_code") if isinstance(data.get("error_code"), int) else answer.status
        said = self.api.clean(data.get("description") or "")
        lowered = said.lower()
        found = data.get("parameters")
        parameters: Mapping[str, Any] = found if isinstance(found, dict) else {}
        if code == 429 or answer.status == 429:
            wait = _seconds(parameters.get("retry_after"))
            if wait is None:
                wait = parse_retry_after(answer.headers.get("Retry-After", ""), self.api.client.wall())
            text = "Telegram is limiting how often the bot may post"
            if wait is not None:
                text += f"; it asked us to wait {round(wait)} s"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        if code == 401 or (code == 404 and "ok" in data and lowered.startswith("not found")):
            return SendRejected(
                f"Telegram refused the bot token saved for {self.name}. Copy the token again from "
                "@BotFather (it changes when the token is revoked) and save it in OutageTray's settings."
            )
        if "chat not found" in lowered:
            return SendRejected(
                f"Telegram cannot find the chat {self.chat}. Check the channel's @username or number in "
                "the settings, and that the bot was added to the channel."
            )
        migrated = parameters.get("migrate_to_chat_id")
        if isinstance(migrated, int):
            return SendRejected(
                f"The group {self.chat} became a supergroup with the number {migrated}. "
                f'Write chat = "{migrated}" in its settings.'
            )
        if code == 403 or any(
            words in lowered
            for words in (
                "not a member",
                "administrator rights",
                "not enough rights",
                "have no rights",
                "chat_write_forbidden",
                "was kicked",
            )
        ):
            return SendRejected(f"The bot may not post in {self.chat} ({said or 'forbidden'}). {_ADMIN_HELP}")
        if "message is too long" in lowered:
            return SendRejected(_too_long(None))
        if answer.status >= 500 and not sending:
            return SendRejected(
                f"Telegram is having trouble (error {answer.status}). Try the check again later."
            )
        if answer.status >= 500 or 300 <= answer.status < 400:
            return self.api.refusal(answer, credentials_help=_TOKEN_HELP, resend_is_harmless=False)
        if not data:
            return SendRejected(
                f"The Bot API address answered in a way Telegram does not (error {answer.status}). "
                "Check the Bot API address in the settings."
            )
        detail = f": {said}" if said else ""
        return SendRejected(f"Telegram did not accept the message (error {code}){detail}.")

    def _link(self, chat: Mapping[str, Any], message_id: int) -> str:
        """t.me/<username>/<id> for a public chat, t.me/c/<id>/<id> (members only) for a private one."""
        username = chat.get("username")
        if isinstance(username, str) and re.fullmatch(r"[A-Za-z0-9_]{4,32}", username):
            return f"https://t.me/{username}/{message_id}"
        chat_id = str(chat.get("id", ""))
        if chat_id.startswith("-100") and chat_id[4:].isdigit():
            return f"https://t.me/c/{chat_id[4:]}/{message_id}"
        return ""


_ADMIN_HELP = (
    "In Telegram, open the channel's settings, Administrators, Add Admin, pick the bot, "
    "and allow it to post messages."
)
_TOKEN_HELP = "Copy the token again from @BotFather and save it in OutageTray's settings."


def _too_long(units: int | None) -> str:
    size = f" ({units} characters)" if units is not None else ""
    return f"The message is too long for Telegram{size}: it takes at most {LIMIT} characters. Shorten it."


def _seconds(value: object) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
        return float(value)
    return None


def _may_post(chat: Mapping[str, Any], member: Mapping[str, Any]) -> bool:
    """Whether the bot may post: in a channel as an admin allowed to post, elsewhere as a member."""
    status = member.get("status")
    if chat.get("type") == "channel":
        return status == "creator" or (
            status == "administrator" and member.get("can_post_messages") is not False
        )
    if status == "restricted":
        return member.get("can_send_messages") is True
    return status in ("creator", "administrator", "member")


def chat_problem(value: object) -> str | None:
    """Why ``value`` cannot be a ``chat`` key, in plain words; None when it can."""
    if isinstance(value, int) and not isinstance(value, bool):
        return None
    if not isinstance(value, str) or not value.strip():
        return (
            'Write the Telegram channel as chat = "@yourchannel" (its public @username), '
            'or its number for a private channel, such as chat = "-1001234567890".'
        )
    text = value.strip()
    if _USERNAME.fullmatch(text) or _CHAT_ID.fullmatch(text) or _LINK.fullmatch(text):
        return None
    return (
        f'"{value[:60]}" is not a Telegram channel: write its @username (such as "@shopnews") '
        'or its number (such as "-1001234567890") as chat.'
    )


def _chat(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    text = str(value).strip()
    link = _LINK.fullmatch(text)
    return "@" + link.group(1) if link else text


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> TelegramChannel:
    """A Telegram channel from its ``[[channels]]`` table (``chat``, ``api_url``) and the bot token."""
    extra = channel.extra
    where = f'Telegram channel "{channel.name or channel.id}"'
    if "chat" not in extra:
        raise ChannelConfigError(
            f'The {where} needs chat = "@yourchannel" (or the private channel\'s number).'
        )
    problem = chat_problem(extra["chat"])
    if problem:
        raise ChannelConfigError(f"In the {where}: {problem}")
    api_url = extra.get("api_url", DEFAULT_API)
    if not isinstance(api_url, str) or base_url_problem(api_url, "Bot API"):
        raise ChannelConfigError(
            f"In the {where}, api_url must be a web address such as {DEFAULT_API} (or leave it out)."
        )
    parts = urlsplit(api_url.strip())
    if parts.scheme != "https" and not is_loopback(parts.hostname or ""):
        raise ChannelConfigError(
            f"In the {where}, api_url must start with https:// (plain http is allowed only on this "
            "computer, because the bot's token travels in the address)."
        )
    return TelegramChannel(
        _chat(extra["chat"]), secret, name=channel.name or channel.id, api_url=api_url, client=client
    )
