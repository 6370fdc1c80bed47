"""Helpers every status format shares: safe decoding, safe XML, tidy text.

Each format module is a pure function from bytes and headers to a Reading. The
helpers here turn every way a body can be unreadable into ``ParseError`` so a
format module can say "unknown" in one place instead of crashing.

The formats were written in parallel and each grew private copies of the same
small helpers (link checks, value descriptions, summary lines). They live here
once, so that every format judges a link, describes an odd value and words its
summary the same way, and a fix to one of them reaches every format.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from outagetray.core.model import Reading, Verdict

if TYPE_CHECKING:
    # Only for annotations: ElementTree loads when a feed is first parsed, not with
    # every status format (most watched platforms never need it).
    from xml.etree.ElementTree import Element

#: Longest text kept from any one field; network text can be arbitrarily long.
MAX_TEXT = 300

#: Longest summary line: one line a person reads at a glance in the tray menu; the tray
#: tooltip and notifications have little room.
SUMMARY_LIMIT = 120

#: Longest link kept. A longer one is dropped whole rather than cut: a cut link opens the wrong page.
URL_LIMIT = 2048

_HTML_START = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s+")


class ParseError(ValueError):
    """The body cannot be read as the expected format; the message says why in plain words."""


def unknown(detail: str) -> Reading:
    """The reading for a body that could not be understood."""
    return Reading(Verdict.UNKNOWN, "Status could not be read", detail=detail)


def looks_like_html(body: bytes) -> bool:
    """True when a body is an HTML page (a login wall, an error page, a squatter)."""
    return bool(_HTML_START.match(body[:512].lstrip(b"\xef\xbb\xbf")))


def decode_text(body: bytes) -> str:
    """Decode UTF-8 (with or without a BOM); invalid UTF-8 is refused, not guessed."""
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"the answer is not valid UTF-8 text (byte {exc.start})") from None


def load_json(body: bytes) -> Any:
    """Parse a JSON body, turning every failure (HTML, truncation, deep nesting) into ParseError."""
    if not body.strip():
        raise ParseError("the answer was empty")
    if looks_like_html(body):
        raise ParseError("the answer is a web page (HTML), not status data")
    text = decode_text(body)
    try:
        return json.loads(text)
    except RecursionError:
        raise ParseError("the answer is nested too deeply to be status data") from None
    except ValueError as exc:
        raise ParseError(f"the answer is not valid JSON ({_first_line(str(exc))})") from None


def load_json_object(body: bytes) -> dict[str, Any]:
    """Parse a JSON body whose root must be an object."""
    data = load_json(body)
    if not isinstance(data, dict):
        raise ParseError(f"expected a JSON object, got {describe_json(data, show_value=False)}")
    return data


def load_xml(body: bytes) -> Element:
    """Parse XML with DTDs, entities and external references refused (XML bombs, XXE)."""
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    if not body.strip():
        raise ParseError("the answer was empty")
    if looks_like_html(body):
        raise ParseError("the answer is a web page (HTML), not a feed")
    try:
        return safe_et.fromstring(body, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise ParseError("the feed uses XML features that are refused for safety (DTD or entities)") from None
    except RecursionError:
        raise ParseError("the feed is nested too deeply") from None
    except Exception as exc:  # noqa: BLE001 - expat raises several types; all mean "unreadable"
        raise ParseError(f"the feed is not valid XML ({_first_line(str(exc))})") from None


def local_name(tag: object) -> str:
    """An element's name without its namespace, so Atom and RSS read alike."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def children(element: Element, name: str) -> list[Element]:
    """Every direct child called ``name`` (namespace ignored), in document order."""
    return [child for child in element if local_name(child.tag) == name]


def first_child(element: Element, name: str) -> Element | None:
    """The first direct child called ``name`` (namespace ignored), or None."""
    return next((child for child in element if local_name(child.tag) == name), None)


def raw_child_text(element: Element, name: str) -> str:
    """Text of the first direct child called ``name`` (namespace ignored), untouched.

    For text that must not be tidied yet: HTML has to keep its tags to be searched, and a
    title whose status sits at its very end must not be shortened before it is split.
    """
    child = first_child(element, name)
    return "" if child is None else "".join(child.itertext())


def child_text(element: Element, name: str) -> str:
    """Text of the first direct child called ``name`` (namespace ignored), tidied."""
    return clean(raw_child_text(element, name))


def atom_link(entry: Element) -> str:
    """The ``href`` of an Atom entry's page link, untouched ('' when it has none).

    Atom puts the page in a ``rel="alternate"`` link (no ``rel`` means alternate); the first
    such link counts, so a ``rel="self"`` or ``rel="related"`` link never stands in for it.
    """
    for link in children(entry, "link"):
        if link.get("rel", "alternate") == "alternate":
            return link.get("href") or ""
    return ""


def clean(value: object, limit: int = MAX_TEXT) -> str:
    """Network text made safe to show: a string, one line, no control characters, bounded."""
    if value is None:
        return ""
    if not isinstance(value, str):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        else:
            return ""
    text = _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def header(headers: Mapping[str, str], name: str) -> str:
    """A header value by case-insensitive name ('' when absent)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""


def as_list(value: object) -> list[Any]:
    """A JSON value that should be a list; null or missing reads as empty."""
    return value if isinstance(value, list) else []


def optional_list(container: Mapping[str, Any], key: str) -> tuple[list[Any], str]:
    """A list that may be missing or null (nothing to read), and what is wrong with it.

    Quiet pages leave such lists out or set them to null, so that reads as empty; any other
    type is a warning sign, returned as a sentence for the caller to count as unknown.
    """
    value = container.get(key)
    if value is None:
        return [], ""
    if isinstance(value, list):
        return value, ""
    return [], f"{key} is {describe_json(value)} instead of a list"


# --------------------------------------------------------------------------- links


def url_host(url: str) -> str:
    """A link's host name, lower-cased; '' when it has none or cannot be parsed.

    Malformed links (``http://[::1``) make ``urlsplit`` raise; a network-supplied link must
    cost an empty answer, not the reading.
    """
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def safe_url(value: object, limit: int = URL_LIMIT) -> str:
    """A network-supplied link the UI may open: plain http(s) with a host, whole, or ''.

    Links end up clickable in the window; a ``javascript:``, ``file:`` or ``data:`` link from
    a status page must never be one click away. A link with a space, without a host, or
    longer than ``limit`` is dropped whole rather than cut or repaired.
    """
    text = clean(value, sys.maxsize)  # measured whole: cutting first could hide its length
    if not text or len(text) > limit or " " in text:
        return ""
    if text.lower().startswith(("https://", "http://")) and url_host(text):
        return text
    return ""


# --------------------------------------------------------------------------- words


def enum_word(value: object, *, upper: bool = False) -> str | None:
    """An enum value compared without regard to case or stray spaces; None when not a string.

    Vendors' casing drifts between pages and versions. Each format folds to the case its
    vendor documents (``upper=True`` for upper-case vocabularies), because upper- and
    lower-casing do not fold every letter alike.
    """
    if not isinstance(value, str):
        return None
    word = value.strip()
    return word.upper() if upper else word.lower()


def describe_json(value: object, *, show_value: bool = True) -> str:
    """A JSON value described safely for a sentence: ``'busy'``, ``the number 3``, ``a list``.

    Messages about an odd document say what was found, but must never echo megabytes or
    control characters from the network. With ``show_value=False`` only the kind is named
    ("a string", "a number", "nothing"), for a whole document whose content means nothing
    to a person.
    """
    if value is None:
        return "missing" if show_value else "nothing"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return repr(clean(value, 40)) if show_value else "a string"
    if isinstance(value, (int, float)):
        return f"the number {clean(value, 40)}" if show_value else "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "an object" if show_value else "nothing"


def first_few(items: Iterable[str], most: int = 5, separator: str = ", ", *, brackets: bool = True) -> str:
    """The first ``most`` items joined, then how many more there are: ``"a, b (and 3 more)"``.

    Detail lines name a few odd items and only count the rest, so a document with thousands
    of broken entries cannot make one line thousands of items long. ``brackets=False`` words
    the rest as ``" and 3 more"``.
    """
    listed = list(items)
    more = len(listed) - most
    text = separator.join(listed[:most])
    if more > 0:
        text += f" (and {more} more)" if brackets else f" and {more} more"
    return text


def add_affected(affected: dict[str, int], name: str, verdict: Verdict) -> None:
    """Remember a name with the worst severity seen for it, for ordering the summary."""
    affected[name] = max(affected.get(name, 0), verdict.severity)


def worst_first(affected: Mapping[str, int]) -> list[str]:
    """The names from :func:`add_affected`, worst-hit first (ties keep the order seen).

    So an outage's names lead the summary, not a notice's.
    """
    return sorted(affected, key=lambda name: -affected[name])


def titled_line(phrase: str, title: str, more: int = 0) -> str:
    """``"<phrase>: <title>"`` plus ``(+N more)``, bounded to one short line.

    The title is shortened, never the phrase or the count, so the line still
    says what kind of problem it is and that there are others.
    """
    tail = f" (+{more} more)" if more > 0 else ""
    room = max(SUMMARY_LIMIT - len(phrase) - 2 - len(tail), 12)
    return f"{phrase}: {clean(title, room)}{tail}"


_PREFIXES = {
    Verdict.MAJOR_OUTAGE: ("Outage", "Outage reported"),
    Verdict.PARTIAL_OUTAGE: ("Partial outage", "Partial outage reported"),
    Verdict.DEGRADED: ("Problems", "Problems reported"),
    Verdict.MAINTENANCE: ("Maintenance", "Maintenance in progress"),
}


def problem_line(verdict: Verdict, affected: Sequence[str], titles: Sequence[str]) -> str:
    """``"<Problem>: A, B — <first title> (+N more)"`` within :data:`SUMMARY_LIMIT`.

    Damage first, the vendor's words second, so that truncation only ever eats the latter;
    the title is left out entirely when too little room is left for it to say anything.
    """
    with_names, alone = _PREFIXES.get(verdict, ("Status", "Status unclear"))
    if affected:
        names = ", ".join(affected[:3])
        if len(affected) > 3:
            names += f" and {len(affected) - 3} more"
        head = f"{with_names}: {names}"
    else:
        head = alone
    head = clean(head, SUMMARY_LIMIT)
    if not titles:
        return head
    tail = f" (+{len(titles) - 1} more)" if len(titles) > 1 else ""
    room = SUMMARY_LIMIT - len(head) - len(" — ") - len(tail)
    if room < 16:
        return head
    return f"{head} — {clean(titles[0], room)}{tail}"


def _first_line(text: str) -> str:
    return clean(text.splitlines()[0] if text else "", 120)
