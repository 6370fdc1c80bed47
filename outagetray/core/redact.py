"""Text made safe to show: no secrets from addresses, no control characters.

A source address may carry credentials (``https://user:secret@status.example/``) or
a key in its query string, and every place that shows an address (the ``check``
table and JSON, ``watch`` lines, the window, the log file) must show it without
them. Text from status pages and from the settings file may also carry terminal
escape sequences or bidi overrides: printed raw, they can recolour or retitle a
terminal, or make a line read backwards. One module does both, so every output
layer applies the same rules.

Only ``re`` is imported: the tray imports this on its start path.
"""

from __future__ import annotations

import re
from typing import Any

MASK = "***"

#: scheme://authority, where the authority may carry "user:password@" (userinfo).
_AUTHORITY = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)([^\s/?#\"'<>]*)")
#: A query or form parameter whose name says it holds a secret, and its value.
_SECRET_PARAM = re.compile(
    r"(?i)((?:^|(?<=[?&;\s]))[\w.\-\[\]]*?"
    r"(?:token|key|secret|pass(?:word|wd)?|pwd|sig|signature|auth|credential|session)"
    r"[\w.\-\[\]]*=)([^&#;\s\"'<>]+)"
)
#: ANSI escape sequences, whole: CSI (colours, cursor moves) and OSC (window titles, links),
#: so no "[31m" debris is left behind when the ESC itself goes.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x9b[0-?]*[ -/]*[@-~]")
#: Control characters (C0 but tab and newline, DEL, C1) and the bidi embedding,
#: override and isolate characters that make text display in an order it is not in.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"[\t\n]+")


def _mask_authority(match: re.Match[str]) -> str:
    scheme, authority = match.group(1), match.group(2)
    userinfo, at, host = authority.rpartition("@")  # the last "@": a password may hold one
    if not at:
        return match.group(0)
    user, colon, _password = userinfo.partition(":")
    # A name alone may be a token (https://TOKEN@host/), so it is masked too.
    masked = f"{user}:{MASK}" if colon else MASK
    return f"{scheme}{masked}@{host}"


def mask_urls_in(text: str) -> str:
    """``text`` with the credentials of every address in it masked, wherever they are.

    Userinfo becomes ``user:***`` (or ``***`` for a name alone), and parameters named
    like a secret (``token=``, ``api_key=``, ``sig=``, ``password=`` …) keep their name
    but lose their value. Host, path and every other parameter stay readable, so a
    person can still tell which source is meant.
    """
    if "=" not in text and "@" not in text:
        return text  # the common case: nothing that could hold a secret
    text = _AUTHORITY.sub(_mask_authority, text)
    return _SECRET_PARAM.sub(lambda m: m.group(1) + MASK, text)


def mask_url(url: str) -> str:
    """One address, as it may be shown: see :func:`mask_urls_in`."""
    return mask_urls_in(url)


def clean_text(text: str) -> str:
    """``text`` without escape sequences and control characters; newlines and tabs stay."""
    if text.isprintable():
        return text  # fast path: isprintable is False for every character removed below
    return _CONTROL.sub("", _ANSI.sub("", text))


def one_line(text: str) -> str:
    """Clean text for a single line (a table cell): line breaks and tabs become spaces."""
    return _LINE_BREAKS.sub(" ", clean_text(text))


def shown(text: str) -> str:
    """Text as any screen or file may show it: credentials masked, control characters gone."""
    return mask_urls_in(clean_text(text))


def safe_data(data: Any) -> Any:
    """A JSON-ready structure with :func:`shown` applied to every string in it (keys too)."""
    if isinstance(data, str):
        return shown(data)
    if isinstance(data, dict):
        return {safe_data(k): safe_data(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [safe_data(v) for v in data]
    return data
