"""Bluesky (any PDS): one post per job, under a record key made from the job key.

Why it is built this way:

- AT Protocol lets the writer choose a record's key. ``com.atproto.repo.putRecord`` into
  ``app.bsky.feed.post`` with a key derived from the job key means a job can only ever make
  one post: the same key always names the same record. The record key must be a valid TID
  (see :func:`record_key` for how one is made from the job key, and why it is stable).
- ``putRecord`` on a key that already holds a record would *replace* it (an edited post, a
  new version, a new commit). A resend carries a new ``createdAt``, so it would not be
  byte-identical. So every send says ``swapRecord: null`` ("only if there is no record
  yet"), and the PDS refuses with ``InvalidSwap`` when one exists. We then read that
  record: the same text means the job was already posted, and its receipt is returned
  without writing anything (the harmless resend, ``resend_is_harmless``). Different text
  under the job's key (the job was changed after it went out) is refused in plain words,
  and the post that is there is left exactly as it is: OutageTray never edits a published
  post behind the user's back. (``@atproto/pds``, which bsky.social runs, honours
  ``swapRecord: null``; a PDS that ignored it would replace the record on a resend: the same
  words with a later ``createdAt``, never a second post.)
- ``lookup`` reads the record with ``com.atproto.repo.getRecord``: found is proof it was
  sent, ``RecordNotFound`` from the account's own PDS is proof it was not (a post the user
  deleted also reads as "not sent"), anything else proves nothing.
- The text posted is the text the counter counted (:func:`outagetray.core.limits.bluesky_shorten_links`):
  long links shortened the way Bluesky's app shows them, each with a link facet pointing at
  the whole address (UTF-8 byte offsets, as the lexicon wants). So what the editor said fits
  (300 graphemes, 3,000 bytes) really fits, and links stay clickable.
- A session is made once with ``com.atproto.server.createSession`` (the handle and an app
  password) and kept in memory for the channel's life, because Bluesky limits sign-ins
  strictly. When the access token expires (``ExpiredToken``), it is refreshed, or a new
  session is made, and the refused call is made once more: an expired token means the PDS
  wrote nothing. The password and both tokens are masked out of every message.
- Signing in never posts, so a sign-in that gets no answer is a retryable refusal (nothing
  was posted by this attempt); a ``putRecord`` that gets no answer is unknown, and because a
  resend is harmless the outbox can complete it later.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from outagetray.core.channels import (
    CANNOT_TELL,
    NOT_SENT,
    ChannelConfigError,
    Field,
    Health,
    Lookup,
    Receipt,
    SendRejected,
)
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, Answer, NoAnswer, WebApi, base_url_problem
from outagetray.core.http import HttpClient

if TYPE_CHECKING:
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "SECRET", "BlueskyChannel", "from_settings", "is_tid", "post_url", "record_key"]

DEFAULT_BASE_URL = "https://bsky.social"
COLLECTION = "app.bsky.feed.post"
WEB_APP = "https://bsky.app"
#: The base32-sortable alphabet of TIDs (AT Protocol spec, "Record Key" and "TID").
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")
#: Record-key times are placed in a window that starts here (2023-01-01T00:00:00Z, in µs)...
TID_EPOCH_US = 1_672_531_200_000_000
#: ...and spans 2**45 µs (about 1.1 years), so no record key claims a time in the future.
TID_WINDOW_BITS = 45
#: Errors a PDS gives for a token that no longer works; a new session fixes them.
_SESSION_ERRORS = ("ExpiredToken", "InvalidToken")
_HANDLE = re.compile(r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$")
_DID = re.compile(r"^did:[a-z]+:[a-zA-Z0-9._:%-]+$")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$")
#: app.bsky.feed.post allows at most three languages.
MAX_LANGS = 3

FIELDS: tuple[Field, ...] = (
    Field(
        "base_url",
        "Server address",
        kind="url",
        required=False,
        default=DEFAULT_BASE_URL,
        help=(
            "Leave as https://bsky.social for an account made on bsky.app. "
            "An account on its own server (a PDS) uses that server's address."
        ),
    ),
    Field(
        "handle",
        "Handle",
        help="The account's handle, such as yourshop.bsky.social (without the @).",
    ),
    Field(
        "langs",
        "Languages",
        kind="list",
        required=False,
        help="The languages the posts are written in, such as en or de (optional; at most three).",
    ),
)
SECRET: Field | None = Field(
    "password",
    "App password",
    kind="secret",
    help=(
        "Make an app password in Bluesky: Settings > Privacy and security > App passwords. "
        "Do not use the account's main password."
    ),
)


def record_key(key: str) -> str:
    """The record key a job's post is kept under: a valid TID that depends only on ``key``.

    A TID is 64 bits (top bit 0, then 53 bits of microseconds since 1970, then a 10-bit clock
    id) written as 13 characters of the base32-sortable alphabet, so its first character is
    one of ``234567abcdefghij``. Here the 64 bits come from a SHA-256 of the job key: the
    clock id is 10 bits of the hash, and the time is 45 bits of it placed after 2023-01-01.
    The same key therefore always names the same record (a resend finds the first post),
    different keys collide only by chance (about one in 2**55), and the time it carries is
    a plausible one in the past: TIDs are meant to be times, and a hashed time of anything
    up to 2255 could look odd to services that read them.
    """
    digest = hashlib.sha256(b"outagetray bluesky record key\0" + key.encode("utf-8")).digest()
    bits = int.from_bytes(digest[:8], "big")
    clock_id = bits & 0x3FF
    micros = TID_EPOCH_US + ((bits >> 10) & ((1 << TID_WINDOW_BITS) - 1))
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_tid(text: str) -> bool:
    """True for a syntactically valid TID (13 characters, a first character of ``234567a-j``)."""
    return bool(_TID.match(text))


def post_url(handle_or_did: str, rkey: str) -> str:
    """The post's address in Bluesky's web app, as its share button gives it."""
    return f"{WEB_APP}/profile/{quote(handle_or_did, safe=':.')}/post/{rkey}"


@dataclass(frozen=True)
class _Session:
    did: str
    handle: str
    access: str
    refresh: str


class BlueskyChannel:
    """Posts on one Bluesky account; see the module text for the rules."""

    #: The record key is fixed per job and a second write is refused or identical.
    resend_is_harmless = True

    def __init__(
        self,
        base_url: str,
        identifier: str,
        password: str,
        *,
        name: str = "",
        langs: tuple[str, ...] = (),
        client: HttpClient | None = None,
        timeout: float = DEFAULT_SEND_TIMEOUT,
    ) -> None:
        self.base_url = base_url.strip().rstrip("/")
        self.host = urlsplit(self.base_url).hostname or self.base_url
        self.identifier = identifier
        self.name = name or identifier
        self.langs = langs
        self._password = password
        service = "Bluesky" if self.host == urlsplit(DEFAULT_BASE_URL).hostname else f"Bluesky at {self.host}"
        self.api = WebApi(service, self.base_url, secrets=[password], client=client, timeout=timeout)
        self._session: _Session | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the password or a token
        return f"BlueskyChannel({self.identifier} at {self.host})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """Create the job's record, or find it already made; never changes a post that exists."""
        from outagetray.core.limits import bluesky_shorten_links

        self._need_password()
        rkey = record_key(key)
        posted, facets = bluesky_shorten_links(text)
        record: dict[str, Any] = {"$type": COLLECTION, "text": posted, "createdAt": self._now()}
        if facets:
            record["facets"] = facets
        if self.langs:
            record["langs"] = list(self.langs)
        session = self._signed_in()
        body = {
            "repo": session.did,
            "collection": COLLECTION,
            "rkey": rkey,
            "record": record,
            "swapRecord": None,
        }
        answer = self._authed("POST", "com.atproto.repo.putRecord", json=body)
        if answer.ok:
            data = answer.object()
            uri = data.get("uri")
            if not isinstance(uri, str) or not isinstance(data.get("cid"), str):
                raise NoAnswer(
                    f"{self.api.service} answered, but not in a way OutageTray could read, "
                    "so the post may or may not have been published."
                )
            return self._receipt(rkey, uri)
        if answer.status == 400 and _error(answer) == "InvalidSwap":
            return self._already_there(rkey, posted)
        raise self._refused(answer, text)

    def check(self) -> Health:
        """Sign in (or reuse the session) and ask the PDS who we are: proves the password, posts nothing."""
        if not self._password:
            return Health(False, self._missing())
        try:
            self._signed_in()
            answer = self._authed("GET", "com.atproto.server.getSession")
        except Exception as exc:  # noqa: BLE001 - a check never raises
            return self.api.health(exc)
        if not answer.ok:
            return self.api.health(self._sign_in_refusal(answer))
        handle = answer.object().get("handle")
        if not isinstance(handle, str) or not handle:
            return Health(False, f"{self.api.service} answered, but not with an account. Check the address.")
        return Health(True, f"Signed in as @{self.api.clean(handle)} on {self.host}.")

    def lookup(self, key: str) -> Lookup:
        """Read the job's record: there is proof of a post; ``RecordNotFound`` is proof of none."""
        if not self._password:
            return CANNOT_TELL
        rkey = record_key(key)
        try:
            answer = self._get_record(self._signed_in(), rkey)
        except Exception:  # noqa: BLE001 - a lookup that fails proves nothing
            return CANNOT_TELL
        if answer.ok:
            uri = answer.object().get("uri")
            if isinstance(uri, str) and isinstance(answer.object().get("value"), dict):
                return Lookup("sent", self._receipt(rkey, uri))
            return CANNOT_TELL
        if answer.status == 400 and _error(answer) == "RecordNotFound":
            return NOT_SENT
        return CANNOT_TELL

    # -- sending --------------------------------------------------------------------------

    def _already_there(self, rkey: str, posted: str) -> Receipt:
        """The job's key holds a record: the same words are this job's post, others are left alone."""
        answer = self._get_record(self._signed_in(), rkey)
        data = answer.object()
        value = data.get("value")
        uri = data.get("uri")
        if not answer.ok or not isinstance(value, dict) or not isinstance(uri, str):
            raise NoAnswer(
                f"{self.api.service} has a post under this message's key but could not show it, "
                "so it may already have been published."
            )
        receipt = self._receipt(rkey, uri)
        if value.get("text") == posted:
            return receipt
        raise SendRejected(
            f"This message was already posted on {self.api.service} with other words ({receipt.url}). "
            "OutageTray does not change a published post: edit or delete it there."
        )

    def _refused(self, answer: Answer, text: str) -> SendRejected | NoAnswer:
        said = self.api.server_said(answer).lower()
        if answer.status == 400 and ("grapheme" in said or "too big" in said or "longer than" in said):
            from outagetray.core.limits import count

            measured = count("bluesky", text)
            detail = f" ({'; '.join(measured.problems)})" if measured.problems else ""
            return SendRejected(
                f"{self.api.service} refused the post because it is too long{detail}. "
                "Shorten it and send it again. Nothing was posted."
            )
        return self.api.refusal(
            _with_retry_after(answer, self.api.client.wall()),
            credentials_help=self._credentials_help(),
            resend_is_harmless=True,
        )

    def _receipt(self, rkey: str, uri: str) -> Receipt:
        session = self._session
        who = session.handle if session and session.handle and session.handle != "handle.invalid" else ""
        if not who:
            who = session.did if session else self.identifier
        return Receipt(url=post_url(who, rkey), id=uri)

    def _get_record(self, session: _Session, rkey: str) -> Answer:
        params = {"repo": session.did, "collection": COLLECTION, "rkey": rkey}
        return self.api.get("/xrpc/com.atproto.repo.getRecord", params=params)

    def _now(self) -> str:
        moment = datetime.fromtimestamp(self.api.client.wall(), UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"

    # -- the session ------------------------------------------------------------------------

    def _authed(self, method: str, nsid: str, *, json: Any = None) -> Answer:
        """One call with the access token; an expired one is renewed and the call made once more."""
        for attempt in (1, 2):
            session = self._signed_in()
            headers = {"Authorization": f"Bearer {session.access}"}
            answer = self.api.request(method, f"/xrpc/{nsid}", headers=headers, json=json)
            if attempt == 1 and answer.status in (400, 401) and _error(answer) in _SESSION_ERRORS:
                self._renew(session)
                continue
            return answer
        raise AssertionError("unreachable")  # pragma: no cover

    def _signed_in(self) -> _Session:
        with self._lock:
            if self._session is None:
                self._session = self._create_session()
            return self._session

    def _renew(self, stale: _Session) -> None:
        """Refresh the session the PDS called expired; make a new one when that fails too."""
        with self._lock:
            if self._session is not stale:
                return  # another thread renewed it already
            self._session = None
            headers = {"Authorization": f"Bearer {stale.refresh}"}
            try:
                answer = self.api.post("/xrpc/com.atproto.server.refreshSession", headers=headers)
            except NoAnswer:
                answer = None
            fresh = self._read_session(answer) if answer is not None and answer.ok else None
            self._session = fresh if fresh is not None else self._create_session()

    def _create_session(self) -> _Session:
        self._need_password()
        body = {"identifier": self.identifier, "password": self._password}
        try:
            answer = self.api.post("/xrpc/com.atproto.server.createSession", json=body)
        except NoAnswer:
            raise SendRejected(
                f"{self.api.service} did not answer when OutageTray signed in. Nothing was posted.",
                retryable=True,
            ) from None
        if not answer.ok:
            raise self._sign_in_refusal(answer)
        session = self._read_session(answer)
        if session is None:
            raise SendRejected(
                f"{self.api.service} answered the sign-in with something other than a Bluesky "
                "account. Check the server address. Nothing was posted."
            )
        return session

    def _read_session(self, answer: Answer) -> _Session | None:
        data = answer.object()
        did, handle = data.get("did"), data.get("handle")
        access, refresh = data.get("accessJwt"), data.get("refreshJwt")
        if not all(isinstance(v, str) and v for v in (did, access, refresh)):
            return None
        assert isinstance(did, str) and isinstance(access, str) and isinstance(refresh, str)
        self.api.add_secret(access)
        self.api.add_secret(refresh)
        return _Session(did, handle if isinstance(handle, str) else "", access, refresh)

    def _sign_in_refusal(self, answer: Answer) -> SendRejected | NoAnswer:
        error = _error(answer)
        if error == "AuthFactorTokenRequired":
            return SendRejected(
                f"{self.api.service} asks for a code from e-mail when signing in with the main password. "
                + self._credentials_help()
            )
        if answer.status == 400 and error in ("AccountTakedown", "AccountDeactivated"):
            return SendRejected(f"{self.api.service} says this account is suspended or deactivated.")
        if answer.status == 400 and error in _SESSION_ERRORS:
            return SendRejected(f"{self.api.service} refused the sign-in. " + self._credentials_help())
        return self.api.refusal(
            _with_retry_after(answer, self.api.client.wall()),
            credentials_help=self._credentials_help(),
            resend_is_harmless=True,
        )

    # -- words ----------------------------------------------------------------------------------

    def _credentials_help(self) -> str:
        return (
            f"Check the handle ({self.identifier}) and make a new app password in Bluesky "
            "(Settings > Privacy and security > App passwords), then save it in OutageTray's settings."
        )

    def _missing(self) -> str:
        return f"No app password is saved for {self.name}. Add it in OutageTray's settings."

    def _need_password(self) -> None:
        if not self._password:
            raise SendRejected(self._missing(), retryable=False)


def _error(answer: Answer) -> str:
    """The XRPC error name (``{"error": "ExpiredToken", "message": ...}``), or ""."""
    value = answer.object().get("error")
    return value if isinstance(value, str) else ""


def _with_retry_after(answer: Answer, now: float) -> Answer:
    """A 429 as WebApi reads it: Bluesky says when its limit resets in ``ratelimit-reset``
    (a Unix time in seconds) rather than in Retry-After, so that is turned into one."""
    if answer.status != 429:
        return answer
    headers = {name.lower(): value for name, value in answer.headers.items()}
    if headers.get("retry-after", "").strip():
        return answer
    reset = headers.get("ratelimit-reset", "").strip()
    if not reset.isdigit():
        return answer
    wait = max(0, int(reset) - int(now))
    return Answer(answer.status, {**answer.headers, "Retry-After": str(wait)}, answer.body)


def _langs(value: Any) -> tuple[str, ...]:
    if value is None or value == "" or value == []:
        return ()
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ChannelConfigError('Write langs as a list of language codes, for example langs = ["en", "de"].')
    langs = tuple(item.strip() for item in items if item.strip())
    bad = [lang for lang in langs if not _LANG.match(lang)]
    if bad:
        raise ChannelConfigError(
            f"{bad[0]!r} in langs is not a language code. Write codes such as en, de or pt-BR."
        )
    if len(langs) > MAX_LANGS:
        raise ChannelConfigError("Bluesky allows at most three languages in langs.")
    return langs


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> BlueskyChannel:
    """The channel a ``[[channels]]`` table of type ``bluesky`` describes."""
    extra = channel.extra
    base = extra.get("base_url", DEFAULT_BASE_URL)
    if not isinstance(base, str) or not base.strip():
        base = DEFAULT_BASE_URL
    problem = base_url_problem(base, "Bluesky server")
    if problem:
        raise ChannelConfigError(f"{problem} Write base_url as, for example, https://bsky.social.")
    handle = extra.get("handle", "")
    if not isinstance(handle, str) or not handle.strip():
        raise ChannelConfigError(
            'Write the account\'s handle as handle, for example handle = "yourshop.bsky.social".'
        )
    handle = handle.strip().removeprefix("@")
    if not handle.startswith("did:"):
        handle = handle.lower()
    if not (_HANDLE.match(handle) or _DID.match(handle)):
        raise ChannelConfigError(
            f"{handle!r} is not a Bluesky handle. Write it as, for example, "
            'handle = "yourshop.bsky.social" (the e-mail address does not work here).'
        )
    return BlueskyChannel(
        base,
        handle,
        secret,
        name=channel.name or channel.id,
        langs=_langs(extra.get("langs")),
        client=client,
    )
