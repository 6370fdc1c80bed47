"""One rule for "is this a web address OutageTray can check?", shared by every place that takes one.

A source, probe or control address with a mistyped host (``status..example.com``, a
space, a label too long for DNS) used to pass the settings checks, which only looked
at the ``https://`` prefix; the HTTP library then failed on it in a way nothing
expected, and one typo stopped every round. So the settings file, the catalog, the
settings dialog and the HTTP client all ask this module, and a bad address is refused
where it is typed, in plain words, instead of failing later where nobody reads it.

Only the standard library is used, and nothing heavy: settings are read on the start path.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

#: The characters IDNA treats as label separators (the ASCII dot and three CJK/full-width dots),
#: so "a。。b" is caught as an empty label just like "a..b".
_DOTS = re.compile("[.\u3002\uff0e\uff61]")
#: Control characters: never in an address, and invisible when quoted.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Whitespace and control characters: never part of a host name, and invisible when quoted.
_INVISIBLE = re.compile(r"[\s\x00-\x1f\x7f-\x9f]")


def host_problem(url: str) -> str | None:
    """What is wrong with an http(s) ``url``'s host, in plain words, or None when it is usable.

    The scheme is left to the caller (each place words its own "must start with https://"
    message). Checked: no control characters anywhere (urlsplit would drop tabs and line
    breaks unseen); there is a host; it has no spaces or invisible characters; no
    empty part between dots (a single final dot is allowed: ``example.com.`` is the same
    site); a port, when given, is a number from 1 to 65535; and the name can be written
    the way DNS needs it (IDNA: no part longer than 63 characters, and so on). An IP
    address, with or without brackets, is always a usable host.
    """
    if _CONTROL.search(url.strip()):
        # urlsplit silently drops tabs and line breaks (WHATWG), so it would hide them.
        return "it contains an invisible character (a tab, a line break or a control character)"
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return "it is not a web address that can be read (check the brackets and the port number)"
    if not host:
        return "it has no site name after the //"
    if port == 0:
        return "its port number must be from 1 to 65535"
    shown = _quoted(host)
    if _INVISIBLE.search(host):
        return f"the site name {shown} contains a space or an invisible character"
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        return None
    labels = _DOTS.split(host)
    if labels and labels[-1] == "":
        labels = labels[:-1]  # "example.com." is the fully qualified spelling of example.com
    if not labels or any(label == "" for label in labels):
        return f"the site name {shown} has an empty part (two dots in a row, or a dot at the start)"
    try:
        ".".join(labels).encode("idna")
    except UnicodeError:
        return (
            f"the site name {shown} cannot be looked up: a part of it is longer than 63 characters "
            "or has characters a site name cannot have"
        )
    return None


def _quoted(host: str) -> str:
    """The host as a message may quote it: short, and with invisible characters made visible."""
    text = repr(host)[1:-1]
    return f"“{text if len(text) <= 80 else text[:77] + '…'}”"
