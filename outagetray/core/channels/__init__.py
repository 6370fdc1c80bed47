"""Channels: where a prepared message goes (issue 16 item 1).

Each channel module keeps to the outbox's one small shape, re-exported here so a channel
imports from one place: ``send(text, key) -> Receipt``, ``check() -> Health``,
``lookup(key) -> Lookup`` and ``resend_is_harmless``. A refusal the service put into
words is :class:`SendRejected`; anything else raised from ``send`` means no answer came,
and the outbox marks the job unknown rather than sending it twice.

Each module also has ``from_settings(channel, secret, *, client=None)``, which builds
the channel from its ``[[channels]]`` table (a :class:`outagetray.core.profile.Channel`,
whose type keys are in ``extra``) and the one secret kept for it in the keyring, and
``FIELDS`` and ``SECRET``, which tell the Settings window what to ask for. A table that
cannot make a channel raises :class:`ChannelConfigError` in plain words.

No module here is imported at the tray's start; :mod:`outagetray.core.channels.registry`
imports each one the first time a channel of its type is used.
"""

from __future__ import annotations

import html
import ipaddress
import re
from dataclasses import dataclass

from outagetray.core.outbox import CANNOT_TELL, NOT_SENT, Channel, Health, Lookup, Receipt, SendRejected

__all__ = [
    "CANNOT_TELL",
    "NOT_SENT",
    "Channel",
    "ChannelConfigError",
    "Field",
    "Health",
    "Lookup",
    "Receipt",
    "SendRejected",
    "html_from_text",
    "is_loopback",
    "split_title",
]


class ChannelConfigError(ValueError):
    """A ``[[channels]]`` table that cannot make a channel; the message says what to fix."""


@dataclass(frozen=True)
class Field:
    """One thing the Settings window asks for a channel type.

    ``kind``: ``text``, ``url``, ``number``, ``choice`` (one of ``choices``), ``list``
    (several lines) or ``secret`` (kept in the keyring, never in the file).
    """

    key: str
    label: str
    kind: str = "text"
    required: bool = True
    help: str = ""
    choices: tuple[str, ...] = ()
    default: str = ""


#: The prefixes a draft's first line may carry to name the subject or title.
_TITLE_PREFIXES = ("subject:", "title:")


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this computer: the one place a channel may talk without encryption.

    Plain http or SMTP without TLS would carry a token or password in the clear; to this
    computer itself (a test server, a local bridge) nothing leaves the machine.
    """
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_title(text: str) -> tuple[str, str]:
    """A title or subject and the body: ``Title: x`` or ``Subject: x`` on the first line, else "".

    The sender writes blog and email jobs as ``Title: …`` (or ``Subject: …``), a blank
    line, then the body, so one stored text carries both parts and is shown as it is.
    """
    first, _, rest = text.partition("\n")
    lowered = first.lower()
    for prefix in _TITLE_PREFIXES:
        if lowered.startswith(prefix):
            return first[len(prefix) :].strip(), rest.lstrip("\r\n")
    return "", text


def html_from_text(text: str) -> str:
    """A body as HTML paragraphs: blank lines part them, line breaks are kept, links made clickable."""
    paragraphs = [part for part in re.split(r"\n\s*\n", text.strip()) if part.strip()]
    return "\n".join(
        "<p>" + "<br>\n".join(_linked(line) for line in part.splitlines()) + "</p>" for part in paragraphs
    )


_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _linked(line: str) -> str:
    out: list[str] = []
    last = 0
    for found in _LINK.finditer(line):
        out.append(html.escape(line[last : found.start()]))
        url = html.escape(found.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = found.end()
    out.append(html.escape(line[last:]))
    return "".join(out)
