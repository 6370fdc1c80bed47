"""Matrix room: one ``m.room.message`` per job, sent with a transaction id made from the job key.

Why it is built this way:

- Matrix has exactly the dedupe an outbox needs: ``PUT /rooms/{room}/send/m.room.message/{txnId}``.
  The same transaction id sent again by the same login returns the first event's id and
  posts nothing new, so an unknown job may be sent again (``resend_is_harmless``). The
  transaction id is the job key itself, prefixed, so a restart of OutageTray still sends
  the same one.
- How long that holds is the server's choice. The spec only promises it for the same access
  token (the same device, since Matrix 1.7). Synapse keeps recent transaction ids in memory
  for about 30 minutes, and in its database for about a day (so a server restart does not
  lose them), keyed by room, sender, device and transaction id. So a resend within the day
  is harmless; a resend days later, or with a new access token (the user signed in again,
  which makes a new device), may post the message a second time. Whoever resends an unknown
  job should do it the same day, and ``lookup`` first.
- ``lookup`` reads the newest messages of the room and looks for ours: the event carries
  the job key in its content (``app.outagetray.job``), and the sender's own events carry the
  transaction id. Found, the job is settled with the real receipt, even after the server
  forgot the transaction id. Not found proves nothing (it may be further back, or the
  token may not read the room), so the answer is then "cannot tell". The key is a random
  hex string, so room members who read the raw event learn nothing from it.
- A room may be named by its alias (``#news:example.org``); it is resolved to the room's
  id once and kept, because sending, the receipt and the link need the id.
- ``check`` proves more than the token: it confirms the account is in the room and may
  post there, because "not in the room" and "muted in an announcement room" are exactly
  what nobody notices until an outage.
- Every call goes through :class:`~outagetray.core.channels.web.WebApi`: one deadline per
  exchange, no redirects, and the access token (sent only in the Authorization header,
  never in an address) masked out of anything a server says.
"""

from __future__ import annotations

import json
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from outagetray.core.channels import (
    CANNOT_TELL,
    ChannelConfigError,
    Field,
    Health,
    Lookup,
    Receipt,
    SendRejected,
    html_from_text,
)
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem
from outagetray.core.http import HttpClient, parse_retry_after

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "MatrixChannel", "from_settings", "matrix_to", "txn_id"]

DEFAULT_BASE_URL = "https://matrix.org"
API = "/_matrix/client/v3"
#: The key in a message's content that names the job it came from (read back by ``lookup``).
JOB_FIELD = "app.outagetray.job"
#: How many of the room's newest messages ``lookup`` reads.
LOOKUP_DEPTH = 100

FIELDS: tuple[Field, ...] = (
    Field(
        "base_url",
        "Homeserver address",
        kind="url",
        required=False,
        default=DEFAULT_BASE_URL,
        help="The address of the Matrix server the account is on, such as https://matrix.org.",
    ),
    Field(
        "room",
        "Room",
        help=(
            "The room's address, such as #news:matrix.org, or its internal id, such as "
            "!AbCdEf:matrix.org (in Element: Room settings, Advanced). The account must have joined it."
        ),
    ),
)
SECRET: Field | None = Field(
    "token",
    "Access token",
    kind="secret",
    help=(
        "The access token of the account that posts. In Element: Settings, Help & About, Access token. "
        "Signing out of that session makes the token stop working."
    ),
)

CREDENTIALS_HELP = "Sign in again, copy the new access token, and save it in OutageTray's settings."


def txn_id(key: str) -> str:
    """The transaction id for a job: the same key always gives the same id, so a resend is dropped."""
    return f"outagetray-{key}"


def matrix_to(room_id: str, event_id: str) -> str:
    """A link to one event that opens in any Matrix app (each part encoded, as matrix.to expects)."""
    link = f"https://matrix.to/#/{quote(room_id, safe='')}/{quote(event_id, safe='')}"
    _, colon, server = room_id.partition(":")
    return f"{link}?via={quote(server, safe='')}" if colon and server else link


class MatrixChannel:
    """One Matrix room, posted to by one account."""

    resend_is_harmless = True
    #: Synapse keeps a transaction id a day (per device): older jobs are left to the user.
    resend_window = 20 * 3600.0

    def __init__(
        self,
        base_url: str,
        room: str,
        token: str,
        *,
        name: str = "",
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/") or DEFAULT_BASE_URL
        self.room = room.strip()
        self.name = name or "this Matrix room"
        self._token = token.strip()
        host = urlsplit(self.base_url).hostname or self.base_url
        self.web = WebApi(
            f"Matrix at {host}", self.base_url, secrets=(self._token,), client=client, timeout=timeout
        )
        self._room_id: str | None = self.room if self.room.startswith("!") else None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the token
        return f"MatrixChannel({self.base_url!r}, {self.room!r})"

    # -- the channel's shape --------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        self._need_token()
        room_id = self._resolved_room()
        content = {
            "msgtype": "m.text",
            "body": text,
            "format": "org.matrix.custom.html",
            "formatted_body": html_from_text(text),
            JOB_FIELD: key,
        }
        path = f"{API}/rooms/{quote(room_id, safe='')}/send/m.room.message/{quote(txn_id(key), safe='')}"
        answer = self.web.put(path, json=content, headers=self._auth())
        if not answer.ok:
            raise self._refusal(answer)
        event_id = answer.object().get("event_id")
        if not isinstance(event_id, str) or not event_id:
            raise NoAnswer(
                f"{self.web.service} answered without the message's id (perhaps a web page from "
                "something in between), so it is not known whether the message was posted."
            )
        return Receipt(url=matrix_to(room_id, event_id), id=event_id)

    def check(self) -> Health:
        if not self._token:
            return Health(False, self._no_token())
        try:
            answer = self.web.get(f"{API}/account/whoami", headers=self._auth())
            if not answer.ok:
                raise self._refusal(answer)
            user = answer.object().get("user_id")
            if not isinstance(user, str) or not user:
                return Health(
                    False, f"{self.web.service} did not answer like a Matrix server. Check the address."
                )
            room_id = self._resolved_room()
            problem = self._membership_problem(user, room_id)
        except Exception as exc:  # noqa: BLE001 - a check never raises; told in plain words
            return self.web.health(exc)
        if problem:
            return Health(False, problem)
        return Health(
            True, f"Signed in as {self.web.clean(user)}, and may post in {self.web.clean(self.room)}."
        )

    def lookup(self, key: str) -> Lookup:
        """The message a job made, found among the room's newest messages; else "cannot tell"."""
        if not self._token:
            return CANNOT_TELL
        try:
            room_id = self._resolved_room()
            params = {
                "dir": "b",
                "limit": str(LOOKUP_DEPTH),
                "filter": json.dumps({"types": ["m.room.message"]}),
            }
            answer = self.web.get(
                f"{API}/rooms/{quote(room_id, safe='')}/messages", headers=self._auth(), params=params
            )
        except Exception:  # noqa: BLE001 - no answer is no proof either way
            return CANNOT_TELL
        chunk = answer.object().get("chunk") if answer.ok else None
        for event in chunk if isinstance(chunk, list) else ():
            if isinstance(event, dict) and _made_by(event, key):
                event_id = event.get("event_id")
                if isinstance(event_id, str) and event_id:
                    return Lookup("sent", Receipt(url=matrix_to(room_id, event_id), id=event_id))
        return CANNOT_TELL

    # -- inside -----------------------------------------------------------------------------------

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"}

    def _no_token(self) -> str:
        return f"No Matrix access token is saved for {self.name}. Add it in OutageTray's settings."

    def _need_token(self) -> None:
        if not self._token:
            raise SendRejected(self._no_token(), retryable=False)

    def _resolved_room(self) -> str:
        """The room's id; an alias is asked of the server once. Nothing is posted here.

        So a lost answer is a retryable refusal, never an unknown job.
        """
        with self._lock:
            if self._room_id:
                return self._room_id
        alias = self.room
        try:
            answer = self.web.get(f"{API}/directory/room/{quote(alias, safe='')}", headers=self._auth())
        except NoAnswer:
            raise SendRejected(
                f"{self.web.service} did not say which room {self.web.clean(alias)} is. Nothing was sent.",
                retryable=True,
            ) from None
        if answer.status == 404:
            raise SendRejected(
                f"{self.web.service} knows no room called {self.web.clean(alias)}. "
                "Check the room's address in OutageTray's settings."
            )
        if not answer.ok:
            raise self._refusal(answer)
        room_id = answer.object().get("room_id")
        if not isinstance(room_id, str) or not room_id.startswith("!"):
            raise SendRejected(
                f"{self.web.service} did not say which room {self.web.clean(alias)} is. Nothing was sent.",
                retryable=True,
            )
        with self._lock:
            self._room_id = room_id
        return room_id

    def _membership_problem(self, user: str, room_id: str) -> str:
        """Why this account cannot post in the room, in plain words; "" when it can."""
        room = quote(room_id, safe="")
        members = self.web.get(f"{API}/rooms/{room}/joined_members", headers=self._auth())
        joined = members.object().get("joined") if members.ok else None
        if members.status in (403, 404) or (members.ok and isinstance(joined, dict) and user not in joined):
            return self._not_in_room()
        if not members.ok:
            raise self._refusal(members)
        levels = self.web.get(f"{API}/rooms/{room}/state/m.room.power_levels/", headers=self._auth())
        if levels.ok and not _may_post(levels.object(), user):
            return (
                f"The account may not post in {self.web.clean(self.room)}: the room lets only some members "
                "write. Ask a room admin to let this account post, or pick another room."
            )
        return ""

    def _not_in_room(self) -> str:
        return (
            f"The Matrix account is not in the room {self.web.clean(self.room)}. "
            "Join the room with this account (for example in Element), then try again."
        )

    def _refusal(self, answer: Answer) -> SendRejected | NoAnswer:
        """What Matrix's ``{"errcode": "M_…", "error": "…"}`` means for the user."""
        data = answer.object()
        code = data.get("errcode") if isinstance(data.get("errcode"), str) else ""
        service = self.web.service
        if code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN") or (answer.status == 401 and not code):
            return SendRejected(f"{service} did not accept the access token. {CREDENTIALS_HELP}")
        if code == "M_FORBIDDEN":
            return SendRejected(
                f"The Matrix account may not post in {self.web.clean(self.room)}. Join the room with this "
                "account (for example in Element), or ask a room admin to let it post, then try again."
            )
        if code == "M_LIMIT_EXCEEDED" or answer.status == 429:
            wait = _retry_after(answer, data, self.web.client.wall())
            text = f"{service} is limiting how often we may post"
            if wait is not None:
                text += f"; it asked us to wait {max(1, round(wait))} s"
            return SendRejected(text + ". Nothing was posted.", retryable=True, retry_after=wait)
        if code == "M_TOO_LARGE" or answer.status == 413:
            return SendRejected(
                f"The message is too large for {service}. Shorten it and send again "
                "(Matrix allows about 65,000 bytes per message)."
            )
        return self.web.refusal(answer, credentials_help=CREDENTIALS_HELP, resend_is_harmless=True)


def _made_by(event: dict[str, Any], key: str) -> bool:
    content = event.get("content")
    unsigned = event.get("unsigned")
    if isinstance(content, dict) and content.get(JOB_FIELD) == key:
        return True
    return isinstance(unsigned, dict) and unsigned.get("transaction_id") == txn_id(key)


def _may_post(levels: dict[str, Any], user: str) -> bool:
    """Whether the room's power levels let ``user`` send a message (the spec's defaults where unsaid)."""

    def number(value: Any, default: int) -> int:
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    users: dict[str, Any] = levels.get("users") or {}
    events: dict[str, Any] = levels.get("events") or {}
    if not isinstance(users, dict) or not isinstance(events, dict):
        return True  # a power-levels event we cannot read: let the send say
    mine = number(users.get(user), number(levels.get("users_default"), 0))
    needed = number(events.get("m.room.message"), number(levels.get("events_default"), 0))
    return mine >= needed


def _retry_after(answer: Answer, data: dict[str, Any], now: float) -> float | None:
    """The wait Matrix asked for: ``retry_after_ms`` in the body, else the Retry-After header."""
    millis = data.get("retry_after_ms")
    if isinstance(millis, (int, float)) and not isinstance(millis, bool) and millis >= 0:
        return millis / 1000.0
    return parse_retry_after(answer.headers.get("Retry-After", ""), now)


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> MatrixChannel:
    """The channel a ``[[channels]]`` table of type ``matrix`` describes."""
    extra = channel.extra
    base = extra.get("base_url", DEFAULT_BASE_URL)
    if not isinstance(base, str) or not base.strip():
        base = DEFAULT_BASE_URL
    problem = base_url_problem(base, "Matrix server")
    if problem:
        raise ChannelConfigError(f"{problem} Write base_url as, for example, https://matrix.org.")
    room = extra.get("room", "")
    if not isinstance(room, str) or not room.strip():
        raise ChannelConfigError(
            'Write the room to post in as room, for example room = "#news:matrix.org" '
            'or room = "!AbCdEf:matrix.org".'
        )
    room = room.strip()
    if not (room.startswith("!") and len(room) > 1) and not (
        room.startswith("#") and ":" in room and room.index(":") > 1 and not room.endswith(":")
    ):
        raise ChannelConfigError(
            "The room must be a room address such as #news:matrix.org, or a room id such as "
            "!AbCdEf:matrix.org."
        )
    return MatrixChannel(base, room, secret, name=channel.name or channel.id, client=client)
