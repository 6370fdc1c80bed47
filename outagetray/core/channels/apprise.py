"""Any other service through an Apprise URL (the long tail): an optional extra, imported only on use.

Why it is built this way:

- Apprise is heavy (about 0.6 s and 40 MiB when first imported), so it is an optional
  extra (``pip install 'outagetray[apprise]'``) and this module imports it only inside
  the calls that use it: building the channel, or showing its fields, costs nothing.
  When it is missing, ``send`` refuses and ``check`` fails with the install line.
- The one secret is the Apprise URL (``ntfy://…``, ``mailto://…``, ``json://…``): it
  carries the service's credentials, so it lives only in the keyring and is masked
  out of everything OutageTray shows. Apprise itself writes URLs, tokens in paths and
  request lines to its log (and urllib3 does, at debug level), so while this module
  is loaded a filter on those loggers masks each piece of every saved Apprise URL and
  hides any address in their lines before a handler can write them.
- Apprise says only "delivered" or "not delivered", with no post id, no address and no
  dedupe. A successful send's receipt is therefore empty (``Receipt("", "")``).
  "Not delivered" covers both a service that refused (wrong token) and a connection
  that broke or timed out after the message was sent: Apprise catches both and tells
  them apart only in log lines that differ from one plugin to the next. So a failed
  delivery is *unknown*, never "failed": the user is told what Apprise said and asked
  to check before sending again, as for any channel that lost its answer. Only when
  Apprise sent nothing at all (the address was not understood, no service matched) is
  it a refusal. ``resend_is_harmless`` is False and ``lookup`` cannot tell.
- There is no harmless way to test credentials through Apprise (every call notifies),
  so ``check`` only proves that Apprise understands the address, and says so.
- One ``Apprise`` object per send, made in the worker thread: plugins keep login state.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote, urlsplit

from outagetray.core.channels import ChannelConfigError, Field, split_title
from outagetray.core.channels.web import DEFAULT_SEND_TIMEOUT, NoAnswer
from outagetray.core.outbox import CANNOT_TELL, Health, Lookup, Receipt, SendRejected
from outagetray.core.redact import one_line

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = ["FIELDS", "NOT_INSTALLED", "SECRET", "AppriseChannel", "from_settings", "url_fragments"]

log = logging.getLogger(__name__)

NOT_INSTALLED = "Apprise is not installed: pip install 'outagetray[apprise]'"
#: The most of Apprise's own words shown with a failed delivery.
MAX_SAID = 300
#: A URL's pieces shorter than this are not masked on their own (they would blot out common words).
_SHORTEST = 4
_ADDRESS = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]{1,30}://\S+")
_REQUEST_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE|HEAD) \S+')

FIELDS: tuple[Field, ...] = ()
SECRET: Field | None = Field(
    "url",
    "Apprise URL",
    kind="secret",
    help=(
        "The service's Apprise address, such as ntfy://mytopic or mailto://user:password@example.com. "
        "Apprise's documentation lists one for each service it knows. It holds the service's "
        "password or token, so OutageTray keeps it in the keyring."
    ),
)


def url_fragments(url: str) -> tuple[str, ...]:
    """Every piece of an Apprise URL that may be a credential: user, password, host, path, query values.

    Apprise puts tokens wherever the service's form wants them (``tgram://{token}/{chat}``,
    ``discord://{id}/{token}``), so no piece can be trusted to be harmless.
    """
    text = url.strip()
    pieces = {text}
    try:
        parts = urlsplit(text)
    except ValueError:
        return (text,)
    pieces.update(re.split(r"[@:]", parts.netloc))
    pieces.update(unquote(p) for p in re.split(r"[@:]", parts.netloc))
    pieces.update(parts.path.split("/"))
    pieces.update(unquote(p) for p in parts.path.split("/"))
    pieces.update(value for _, value in parse_qsl(parts.query, keep_blank_values=True))
    pieces.add(parts.fragment)
    return tuple(sorted((p for p in pieces if len(p) >= _SHORTEST), key=len, reverse=True))


class _Masks(logging.Filter):
    """Masks the live Apprise URLs' pieces, and any address, in Apprise's and urllib3's log lines."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        #: Apprise URL -> its pieces; kept for the whole run (a log line may come late).
        self._pieces: dict[str, tuple[str, ...]] = {}

    def hold(self, url: str) -> None:
        if not url:
            return
        with self._lock:
            if url not in self._pieces:
                self._pieces[url] = url_fragments(url)

    def pieces(self) -> list[str]:
        with self._lock:
            found = {p for group in self._pieces.values() for p in group}
        return sorted(found, key=len, reverse=True)

    def clean(self, text: str) -> str:
        for piece in self.pieces():
            text = text.replace(piece, "***")
        text = _ADDRESS.sub("(an address)", text)
        return _REQUEST_LINE.sub(lambda found: f'"{found.group(1)} (a path)', text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is dropped rather than shown raw
            return False
        record.msg = self.clean(message)
        record.args = ()
        if record.exc_info or record.exc_text:
            record.exc_info = None
            record.exc_text = None  # a traceback may quote the address
        return True


_MASKS = _Masks()
for _name in ("apprise", "urllib3.connectionpool"):
    logging.getLogger(_name).addFilter(_MASKS)


def _apprise() -> Any:
    """The apprise package, imported now (never at start); a refusal in plain words when it is missing."""
    try:
        import apprise
    except ImportError:
        raise SendRejected(NOT_INSTALLED) from None
    return apprise


class AppriseChannel:
    """Sends to one Apprise URL; see the module text for what its answers can and cannot mean."""

    #: Apprise has no dedupe: a resend after a lost answer may arrive twice.
    resend_is_harmless = False

    def __init__(self, url: str, *, name: str = "", timeout: float = DEFAULT_SEND_TIMEOUT) -> None:
        self.name = name or "Apprise"
        self.timeout = timeout
        self._url = url.strip()
        _MASKS.hold(self._url)

    def __repr__(self) -> str:  # never the URL
        return f"AppriseChannel({self.name})"

    # -- the protocol ---------------------------------------------------------------------

    def send(self, text: str, key: str) -> Receipt:
        """One notification; delivered gives an empty receipt, not delivered leaves the job unknown."""
        if not self._url:
            raise SendRejected(self._no_url())
        if not text.strip():
            raise SendRejected(f"The message is empty, so nothing was sent to {self.name}.")
        apprise = _apprise()
        title, body = split_title(text)
        sender = apprise.Apprise(asset=_asset(apprise))
        if not sender.add(self._url):
            raise SendRejected(self._not_understood())
        kwargs: dict[str, Any] = {"body": body, "title": title, "body_format": apprise.NotifyFormat.TEXT}
        if _takes(sender.notify, "timeout"):
            kwargs["timeout"] = self.timeout
        result = sender.notify(**kwargs)
        if bool(result):
            return Receipt(url="", id="")
        status = getattr(getattr(result, "status", None), "name", "")
        if status == "NOMATCH":
            raise SendRejected(f"Apprise found no service to send to for {self.name}. Check the Apprise URL.")
        said = self._said(result)
        raise NoAnswer(
            f"Apprise says the message to {self.name} was not delivered{said}. Apprise cannot tell a "
            "refusal from an answer lost after sending, so it may or may not have arrived: check, "
            "then confirm it or send it again."
        )

    def check(self) -> Health:
        """Apprise understands the address; the credentials cannot be tested without sending."""
        if not self._url:
            return Health(False, self._no_url())
        try:
            apprise = _apprise()
        except SendRejected as missing:
            return Health(False, missing.reason)
        try:
            plugin = apprise.Apprise.instantiate(self._url, asset=_asset(apprise))
        except Exception:  # noqa: BLE001 - a check never raises
            plugin = None
        if plugin is None:
            return Health(False, self._not_understood())
        service = _MASKS.clean(one_line(str(getattr(plugin, "service_name", "") or "the service")))
        return Health(
            True,
            f"Apprise understands the address ({service}). It cannot test the password or token "
            "without sending a message, so the first send is the real test.",
        )

    def lookup(self, key: str) -> Lookup:
        """Apprise keeps no record of what it sent, so an unknown job stays unknown."""
        return CANNOT_TELL

    # -- inside -----------------------------------------------------------------------------------

    def _no_url(self) -> str:
        return f"No Apprise URL is saved for {self.name}. Add it in OutageTray's settings."

    def _not_understood(self) -> str:
        return (
            f"Apprise does not understand the address saved for {self.name}, so nothing was sent. "
            "Check it against Apprise's list of services (it starts with the service's name, "
            "such as ntfy:// or mailto://)."
        )

    def _said(self, result: object) -> str:
        """Apprise's own warnings during this send, masked; "" when it kept none (older versions)."""
        logs = getattr(result, "logs", None)
        if not callable(logs):
            return ""
        lines: list[str] = []
        try:
            for entry in logs():
                level = str(getattr(entry, "level", "")).upper()
                message = str(getattr(entry, "message", ""))
                if level in ("WARNING", "ERROR", "CRITICAL") and message and message not in lines:
                    lines.append(message)
        except Exception:  # noqa: BLE001 - the words are a courtesy; the outcome stands without them
            return ""
        said = _MASKS.clean(one_line(" ".join(lines))).strip()
        if len(said) > MAX_SAID:
            said = said[: MAX_SAID - 1].rstrip() + "…"
        return f" (Apprise said: {said})" if said else ""


def _asset(apprise: Any) -> Any:
    """Apprise's settings for one send: nothing kept on disk between sends."""
    try:
        return apprise.AppriseAsset(storage_mode="memory")
    except Exception:  # noqa: BLE001 - an Apprise without persistent storage needs no asset
        return None


def _takes(call: Any, name: str) -> bool:
    import inspect

    try:
        return name in inspect.signature(call).parameters
    except (TypeError, ValueError):
        return False


def from_settings(channel: ChannelTable, secret: str, *, client: HttpClient | None = None) -> AppriseChannel:
    """An Apprise channel from its ``[[channels]]`` table (no keys of its own) and the URL kept as secret.

    Apprise is not imported here: building a channel must stay cheap, and a missing
    Apprise is told by ``send`` and ``check`` where the user sees it. ``client`` is not
    used: Apprise makes its own connections.
    """
    where = f'The Apprise channel "{channel.name or channel.id}"'
    written = [str(channel.extra.get(k, "")) for k in ("url", "apprise_url")]
    if any(written) or _credential_in(channel.url):
        raise ChannelConfigError(
            f"{where} has its Apprise URL in the settings file, where anyone can read its password. "
            "Remove it from there and save it as the channel's Apprise URL: OutageTray keeps it in "
            "the keyring."
        )
    return AppriseChannel(secret, name=channel.name or channel.id)


def _credential_in(address: str) -> bool:
    """True for an address that is an Apprise URL or carries a password (not a page to open)."""
    try:
        parts = urlsplit(address.strip())
    except ValueError:
        return True
    if not address.strip():
        return False
    return parts.scheme.lower() not in ("http", "https") or bool(parts.password)
