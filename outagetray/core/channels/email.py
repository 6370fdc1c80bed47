"""Email list over SMTP: one message, recipients hidden in the envelope, sent in batches.

Why it is built this way:

- Recipients go only in the envelope (Bcc in effect), never in a header: a customer list
  must not leak to everyone on it. ``To:`` carries the sender's own address.
- Batches keep each envelope under the limits providers put on recipients per message.
- SMTP offers no way to ask "did you get this already?", so ``lookup`` says
  None and an interrupted send stays unknown for the user to decide. What we can tell
  apart honestly is *when* it broke: before DATA nothing went out, so a refusal or a lost
  connection there is a :class:`SendRejected`; once DATA started, or once any batch was
  accepted, some people may have the message, so the error is :class:`SendUnknown`.
- Each batch's Message-ID is made from the job key, so a receiving system can drop a copy.
- The password is passed in (from ``core/secrets.py``) and never appears in any message:
  errors are built from plain words, not from the server's or the library's text.
"""

from __future__ import annotations

import contextlib
import csv
import html
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outagetray.core.channels import ChannelConfigError, Field, is_loopback
from outagetray.core.outbox import CANNOT_TELL, AnswerLost, Health, Lookup, Receipt, SendRejected

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient
    from outagetray.core.profile import Channel as ChannelTable

__all__ = [
    "FIELDS",
    "SECRET",
    "EmailChannel",
    "EmailConfig",
    "EmailConfigError",
    "RecipientList",
    "SendUnknown",
    "from_settings",
    "html_from_text",
    "message_id",
    "read_recipients",
    "split_subject",
    "valid_address",
]

log = logging.getLogger(__name__)

SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
CSV_COLUMNS = ("email", "e-mail", "email address", "e-mail address", "address", "mail")
MESSAGE_ID_DOMAIN = "outagetray.invalid"

_ADDRESS = re.compile(r"^[^@\s<>,;:\"()\[\]]+@[^@\s<>,;:\"()\[\]]+\.[^@\s<>,;:\"()\[\]]+$")
_KEY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class EmailConfigError(ChannelConfigError):
    """The email channel's settings cannot work; the text says what to change, in plain words."""


class SendUnknown(AnswerLost):
    """The send broke after some of it may have gone out: the outbox marks the job unknown."""


def valid_address(text: str) -> bool:
    """A plain ``name@domain.tld``: enough to catch typos and header lines in a list."""
    return bool(_ADDRESS.match(text))


@dataclass(frozen=True, slots=True)
class RecipientList:
    """Who gets the message, and how many lines of the list were not addresses."""

    addresses: tuple[str, ...]
    skipped: int


def _clean(candidates: Iterable[str]) -> RecipientList:
    seen: set[str] = set()
    kept: list[str] = []
    skipped = 0
    for raw in candidates:
        text = raw.strip()
        if not valid_address(text):
            skipped += 1
            continue
        if text.lower() in seen:
            continue
        seen.add(text.lower())
        kept.append(text)
    return RecipientList(tuple(kept), skipped)


def read_recipients(path: Path) -> RecipientList:
    """Addresses from a CSV file: the column named email/e-mail/address, else the first.

    A first row without any address in it is taken as a header. Blank lines are ignored;
    other lines that hold no valid address are counted so the user can be told.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = [row for row in csv.reader(handle) if any(cell.strip() for cell in row)]
    except FileNotFoundError:
        raise EmailConfigError(f"The recipient list {path} does not exist.") from None
    except (OSError, UnicodeDecodeError, csv.Error):
        raise EmailConfigError(f"The recipient list {path} could not be read as a CSV file.") from None
    column = 0
    if rows:
        header = [cell.strip().lower() for cell in rows[0]]
        named = [i for i, cell in enumerate(header) if cell in CSV_COLUMNS]
        if named:
            column = named[0]
            rows = rows[1:]
        elif not any("@" in cell for cell in header):
            rows = rows[1:]
    # A row with no cell in the address column is a person without an address: skipped.
    return _clean(row[column] if column < len(row) else "" for row in rows)


@dataclass(frozen=True, slots=True)
class EmailConfig:
    """One ``[[channels]]`` table of type ``email``, checked."""

    host: str
    port: int
    security: str
    username: str
    sender: str
    #: Addresses given in the settings (empty when a CSV file is used).
    to: tuple[str, ...] = ()
    #: A CSV file read at each send, so edits to the list count without a restart.
    to_csv: Path | None = None

    @classmethod
    def from_table(cls, table: Mapping[str, Any]) -> EmailConfig:
        """Check the table and say in plain words what is wrong."""
        host = table.get("host")
        if not isinstance(host, str) or not host.strip():
            raise EmailConfigError("The email channel needs the mail server's name (host).")
        host = host.strip()
        security = table.get("security", "starttls")
        if security not in SECURITIES:
            raise EmailConfigError("Security must be starttls, tls or none.")
        if security == "none" and not is_loopback(host):
            raise EmailConfigError(
                "Sending mail without encryption is only allowed to this computer itself "
                f"(localhost). Choose starttls or tls for {host}."
            )
        port = table.get("port", DEFAULT_PORTS[security])
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise EmailConfigError("The mail server's port must be a number from 1 to 65535.")
        username = table.get("username", "")
        if not isinstance(username, str):
            raise EmailConfigError("The email user name must be text.")
        sender = table.get("from")
        if not isinstance(sender, str) or not valid_address(sender.strip()):
            raise EmailConfigError("The email channel needs a valid sender address (from).")
        to = table.get("to")
        if isinstance(to, str) and to.strip():
            return cls(host, port, security, username.strip(), sender.strip(), (), Path(to).expanduser())
        if isinstance(to, list) and all(isinstance(item, str) for item in to):
            listed = _clean(to)
            if listed.skipped:
                raise EmailConfigError(f"{listed.skipped} of the recipient addresses are not valid.")
            if not listed.addresses:
                raise EmailConfigError("The email channel needs at least one recipient (to).")
            return cls(host, port, security, username.strip(), sender.strip(), listed.addresses)
        raise EmailConfigError("Recipients (to) must be a list of addresses or the path of a CSV file.")

    def recipients(self) -> RecipientList:
        """The current list: read afresh from the CSV file when one is named."""
        if self.to_csv is not None:
            return read_recipients(self.to_csv)
        return RecipientList(self.to, 0)


def split_subject(text: str) -> tuple[str, str]:
    """``Subject: x`` on the first line, then the body; else the first line is the subject."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("subject:"):
        return first[len("subject:") :].strip(), rest.lstrip("\r\n")
    subject = first.strip()
    if len(subject) > 78:
        subject = subject[:77].rstrip() + "…"
    return subject, text


def html_from_text(text: str) -> str:
    """Paragraphs on blank lines, line breaks kept, everything escaped."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    inner = "\n".join(
        "<p>" + "<br>\n".join(html.escape(line) for line in part.splitlines()) + "</p>" for part in paragraphs
    )
    return f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n{inner}\n</body></html>\n'


def message_id(key: str, batch: int) -> str:
    """Stable per job and batch, so a receiving system can drop a second copy."""
    safe = _KEY_UNSAFE.sub("-", key).strip("-.") or "message"
    return f"<{safe}.{batch}@{MESSAGE_ID_DOMAIN}>"


class EmailChannel:
    """Sends one message to a list over SMTP; see the module text for the error rules."""

    def __init__(
        self,
        config: EmailConfig,
        password: str | None,
        *,
        timeout: float = 20.0,
        batch: int = 50,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
    ) -> None:
        if batch < 1:
            raise ValueError("batch must be at least 1")
        self.config = config
        self._password = password
        self.timeout = timeout
        self.batch = batch
        self._ssl_context = ssl_context
        #: The name given in EHLO; None lets smtplib ask the system (tests pass one).
        self.local_hostname = local_hostname

    def __repr__(self) -> str:  # never the password
        return f"EmailChannel({self.config.host}:{self.config.port}, {self.config.security})"

    # -- connection -----------------------------------------------------------------------

    def _context(self) -> ssl.SSLContext:
        return self._ssl_context if self._ssl_context is not None else ssl.create_default_context()

    def _connect(self) -> smtplib.SMTP:
        """Connect, encrypt and log in; raise :class:`SendRejected` (nothing sent yet) on failure."""
        cfg = self.config
        if cfg.username and not self._password:
            raise SendRejected(
                f"No password is saved for {cfg.username} on {cfg.host}. Add it in the settings.",
                retryable=False,
            )
        smtp: smtplib.SMTP | None = None
        try:
            if cfg.security == "tls":
                smtp = smtplib.SMTP_SSL(
                    cfg.host,
                    cfg.port,
                    local_hostname=self.local_hostname,
                    timeout=self.timeout,
                    context=self._context(),
                )
            else:
                smtp = smtplib.SMTP(
                    cfg.host, cfg.port, local_hostname=self.local_hostname, timeout=self.timeout
                )
            smtp.ehlo()
            if cfg.security == "starttls":
                if not smtp.has_extn("starttls"):
                    raise SendRejected(
                        f"The mail server {cfg.host} does not offer encryption (STARTTLS). "
                        "Check the port, or choose tls.",
                        retryable=False,
                    )
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if cfg.username:
                _login(smtp, cfg.username, self._password or "")
            return smtp
        except SendRejected:
            _close(smtp)
            raise
        except Exception as exc:  # noqa: BLE001 - told in plain words; nothing went out yet
            _close(smtp)
            raise SendRejected(self._connect_reason(exc), retryable=_retryable(exc)) from None

    def _connect_reason(self, exc: BaseException) -> str:
        cfg = self.config
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return f"The mail server {cfg.host} did not accept the user name or password for {cfg.username}."
        if isinstance(exc, smtplib.SMTPNotSupportedError) or (
            isinstance(exc, smtplib.SMTPException) and "auth" in str(exc).lower()
        ):
            return f"The mail server {cfg.host} does not offer a way to log in that OutageTray can use."
        if isinstance(exc, ssl.SSLCertVerificationError):
            return f"The mail server {cfg.host}'s certificate is not trusted, so OutageTray did not log in."
        if isinstance(exc, ssl.SSLError):
            return (
                f"Encryption with the mail server {cfg.host} failed. Check the port and the security setting."
            )
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return f"The mail server {cfg.host} did not answer in time."
        if isinstance(exc, socket.gaierror):
            return f"The mail server's name {cfg.host} could not be found."
        if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
            return f"The mail server {cfg.host} could not be reached on port {cfg.port}."
        if isinstance(exc, smtplib.SMTPResponseException):
            return f"The mail server {cfg.host} refused the connection (code {exc.smtp_code})."
        return f"Talking to the mail server {cfg.host} failed ({type(exc).__name__})."

    # -- the protocol ---------------------------------------------------------------------

    def check(self) -> Health:
        """Connect, encrypt, log in and say NOOP: proves the settings without sending anything."""
        cfg = self.config
        try:
            recipients = cfg.recipients()
        except EmailConfigError as exc:
            return Health(False, str(exc))
        try:
            smtp = self._connect()
        except SendRejected as refused:
            return Health(False, refused.reason)
        try:
            code, _ = smtp.noop()
        except Exception:  # noqa: BLE001 - a server that drops us now is not healthy
            _close(smtp)
            return Health(False, f"The mail server {cfg.host} stopped answering.")
        _quit(smtp)
        if code != 250:
            return Health(False, f"The mail server {cfg.host} answered oddly (code {code}).")
        who = f" as {cfg.username}" if cfg.username else ""
        count = len(recipients.addresses)
        text = f"Connected to {cfg.host}{who}. {count} recipient{'s' if count != 1 else ''}"
        if recipients.skipped:
            text += (
                f" ({recipients.skipped} line{'s' if recipients.skipped != 1 else ''} in the list skipped)"
            )
        if not count:
            return Health(False, text + ": the list has no addresses.")
        return Health(True, text + ".")

    #: SMTP has no way to drop a second copy: an unknown job waits for the user.
    resend_is_harmless = False

    def lookup(self, key: str) -> Lookup:
        """SMTP cannot look a message up afterwards."""
        return CANNOT_TELL

    def send(self, text: str, key: str) -> Receipt:
        """``Subject: ...`` on the first line, a blank line, then the body."""
        subject, body = split_subject(text)
        return self.send_email(subject, body, key)

    def send_email(self, subject: str, body: str, key: str) -> Receipt:
        """Send to every recipient in batches; the receipt's id is the first Message-ID."""
        cfg = self.config
        try:
            recipients = cfg.recipients().addresses
        except EmailConfigError as exc:
            raise SendRejected(str(exc), retryable=False) from None
        if not recipients:
            raise SendRejected("The recipient list has no addresses.", retryable=False)
        if not subject.strip():
            raise SendRejected("The email has no subject.", retryable=False)
        batches = [recipients[i : i + self.batch] for i in range(0, len(recipients), self.batch)]
        smtp = self._connect()
        sent = 0
        refused = 0
        try:
            for index, group in enumerate(batches):
                data = self._message(subject, body, key, index).as_bytes(policy=SMTP_POLICY)
                try:
                    lost = self._send_batch(smtp, group, data)
                except _NotTaken as no:
                    if sent:
                        raise SendUnknown(
                            f"{no.reason} The message had already gone to {sent} of "
                            f"{len(recipients)} recipients, so sending it again would repeat it."
                        ) from None
                    raise SendRejected(no.reason, retryable=no.retryable) from None
                except _NoReply:
                    raise SendUnknown(
                        f"The mail server {cfg.host} stopped answering while taking the message, "
                        f"so it may have gone to up to {sent + len(group)} of {len(recipients)} recipients."
                    ) from None
                refused += lost
                sent += len(group) - lost
        finally:
            _quit(smtp)
        if refused:
            log.info("Email: %d recipients refused by %s", refused, cfg.host)
        return Receipt("", message_id(key, 0))

    # -- pieces ---------------------------------------------------------------------------

    def _message(self, subject: str, body: str, key: str, index: int) -> EmailMessage:
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.config.sender
        msg["To"] = self.config.sender
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = message_id(key, index)
        msg["X-OutageTray-Key"] = _KEY_UNSAFE.sub("-", key)
        msg.set_content(body, cte="quoted-printable")
        msg.add_alternative(html_from_text(body), subtype="html", cte="quoted-printable")
        return msg

    def _send_batch(self, smtp: smtplib.SMTP, group: tuple[str, ...], data: bytes) -> int:
        """One envelope. Before DATA a failure is :class:`_NotTaken`; during it, :class:`_NoReply`.

        Returns how many recipients the server refused one by one (the others got it).
        """
        host = self.config.host
        try:
            code, _ = smtp.mail(self.config.sender)
            if code != 250:
                raise _NotTaken(f"The mail server {host} refused the sender address (code {code}).", code)
            refused: list[int] = []
            for address in group:
                code, _ = smtp.rcpt(address)
                if code not in (250, 251):
                    refused.append(code)
            if len(refused) == len(group):
                smtp.rset()
                worst = max(refused)
                raise _NotTaken(f"The mail server {host} refused every recipient (code {worst}).", worst)
        except _NotTaken:
            raise
        except Exception as exc:  # noqa: BLE001 - the link broke before DATA: nothing was taken
            raise _NotTaken(self._connect_reason(exc), 421) from None
        try:
            code, _ = smtp.data(data)
        except smtplib.SMTPDataError as exc:
            # The server answered the DATA command itself with a refusal: nothing was taken.
            raise _NotTaken(
                f"The mail server {host} refused the message (code {exc.smtp_code}).", exc.smtp_code
            ) from None
        except Exception:  # noqa: BLE001 - no reply after the text went: it may have been taken
            raise _NoReply from None
        if code != 250:
            raise _NotTaken(f"The mail server {host} refused the message (code {code}).", code)
        return len(refused)


class _NotTaken(Exception):
    def __init__(self, reason: str, code: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = 400 <= code < 500


class _NoReply(Exception):
    pass


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """One attempt with the best method offered.

    ``smtplib.SMTP.login`` tries the next method after a 535: a second failed attempt
    that servers count towards locking the account, and if the server drops the link
    instead of answering it, the wrong password would read as "unreachable".
    """
    offered = smtp.esmtp_features.get("auth", "").upper().split()
    for method in ("PLAIN", "LOGIN", "CRAM-MD5"):
        if method in offered:
            smtp.user, smtp.password = username, password
            answer = getattr(smtp, "auth_" + method.lower().replace("-", "_"))
            smtp.auth(method, answer, initial_response_ok=True)
            return
    raise smtplib.SMTPNotSupportedError("No suitable authentication method found.")


def _retryable(exc: BaseException) -> bool:
    """A lost link or a 4xx may pass; a wrong password or an untrusted certificate will not."""
    if isinstance(exc, (smtplib.SMTPAuthenticationError, ssl.SSLCertVerificationError)):
        return False
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return isinstance(exc, (OSError, smtplib.SMTPServerDisconnected))


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        with contextlib.suppress(Exception):  # closing a broken link
            smtp.close()


def _quit(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:  # noqa: BLE001 - the message already went; a rude goodbye changes nothing
        _close(smtp)


FIELDS = (
    Field("host", "Mail server", help="Your email provider's SMTP server, such as smtp.example.com."),
    Field(
        "security",
        "Security",
        "choice",
        choices=SECURITIES,
        default="starttls",
        help="starttls (port 587) or tls (port 465); your provider's help pages say which.",
    ),
    Field("port", "Port", "number", required=False, default="587", help="587 for starttls, 465 for tls."),
    Field("username", "User name", required=False, help="Usually your full email address."),
    Field("from", "Sender address", help="The address your audience sees the message from."),
    Field(
        "to",
        "Recipients",
        "list",
        help="One address per line, or the path of a CSV file with an email column (read at each send).",
    ),
)
SECRET = Field(
    "secret",
    "Password",
    "secret",
    required=False,
    help="The mail account's password, or an app password where your provider asks for one.",
)


def from_settings(table: ChannelTable, secret: str, *, client: HttpClient | None = None) -> EmailChannel:
    """The email channel of a ``[[channels]]`` table; its password comes from the keyring."""
    try:
        config = EmailConfig.from_table(table.extra)
    except EmailConfigError as exc:
        raise EmailConfigError(f"Channel {table.name or table.id}: {exc}") from None
    return EmailChannel(config, secret or None)
