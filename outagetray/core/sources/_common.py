"""Helpers every status format shares: safe decoding, safe XML, tidy text.

Each format module is a pure function from bytes and headers to a Reading. The
helpers here turn every way a body can be unreadable into ``ParseError`` so a
format module can say "unknown" in one place instead of crashing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.etree.ElementTree import Element

from outagetray.core.model import Reading, Verdict

#: Longest text kept from any one field; network text can be arbitrarily long.
MAX_TEXT = 300

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
        raise ParseError(f"expected a JSON object, got {_json_type(data)}")
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


def child_text(element: Element, name: str) -> str:
    """Text of the first direct child called ``name`` (namespace ignored), tidied."""
    for child in element:
        if local_name(child.tag) == name:
            return clean("".join(child.itertext()))
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


def _json_type(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number", bool: "true/false"}.get(
        type(value), "nothing"
    )


def _first_line(text: str) -> str:
    return clean(text.splitlines()[0] if text else "", 120)
