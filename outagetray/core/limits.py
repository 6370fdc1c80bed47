"""One exact length counter per channel, shared by the draft editor and the sender.

Each network counts in its own way, and a post that looks short enough can still be refused.
So every count here follows what the network itself does, never a guess: X's weighted length
(twitter-text v3, see :mod:`outagetray.core.twittertext`), Bluesky's graphemes and bytes of the
text as it will be posted (long links shortened the way its app does), Mastodon's server rule
(graphemes, each link as 23, ``@user@domain`` as ``@user``). Text is counted exactly as given:
nothing is stripped or normalised beyond what the network itself does.

``regex`` (for grapheme clusters, ``\\X``) is imported on first use: this module is imported by
the editor, and the tray must start fast.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from outagetray.core.http import HttpClient

CHANNEL_TYPES: tuple[str, ...] = (
    "x",
    "bluesky",
    "mastodon",
    "threads",
    "linkedin",
    "telegram",
    "discord",
    "slack",
    "matrix",
    "facebook_page",
    "email",
    "blog",
    "wordpress",
    "ghost",
    "apprise",
)

X_LIMIT = 280
THREADS_LIMIT = 500
#: Characters X refuses anywhere in a post (twitter-text ``invalidCharsGroup``).
_X_REFUSED = re.compile("[\ufffe\ufeff\uffff]")
BLUESKY_GRAPHEMES = 300
BLUESKY_BYTES = 3000
MASTODON_DEFAULT = 500
#: A Mastodon link always counts as this many characters, whatever its length.
MASTODON_URL_LENGTH = 23
#: Mastodon skips a mention whose domain is longer than this (app/lib/extractor.rb).
MASTODON_MAX_DOMAIN = 253
#: Matrix has no text limit, only 65,536 bytes for the whole event as JSON. The body is counted as
#: the bytes it takes inside that JSON (quotes and control characters escaped), and 5,536 bytes are
#: left for the rest of the event: ids, room, sender, time stamp, signatures, and the plain words of
#: ``msgtype``. Servers add more under ``unsigned``, so the margin is generous on purpose.
MATRIX_EVENT_BYTES = 65_536
MATRIX_BODY_BYTES = 60_000
#: A subject line longer than this is folded by mail programs (RFC 5322 §2.1.1 recommends 78).
SUBJECT_LENGTH = 78

#: Limits counted in UTF-16 code units, which these networks' servers count in (Telegram says so in
#: its Bot API; LinkedIn and Facebook run on UTF-16 strings, and schedulers that post there count so).
_UTF16_LIMITS = {"telegram": 4096, "linkedin": 3000, "facebook_page": 63_206}
#: Limits in Unicode code points (Discord's 2,000 for ``content``, Slack's 40,000 for ``text``).
_CODE_POINT_LIMITS = {"discord": 2000, "slack": 40_000}
_NO_LIMIT = ("email", "blog", "wordpress", "ghost", "apprise")
_NAMES = {
    "x": "X",
    "bluesky": "Bluesky",
    "mastodon": "Mastodon",
    "threads": "Threads",
    "linkedin": "LinkedIn",
    "telegram": "Telegram",
    "discord": "Discord",
    "slack": "Slack",
    "matrix": "Matrix",
    "facebook_page": "Facebook",
}


@dataclass(frozen=True)
class Count:
    """How long a text is for one channel, and whether it can be posted there as it is.

    ``problems`` are plain sentences for the editor. For Bluesky, ``bytes`` and ``byte_limit``
    hold the second limit (UTF-8 bytes of the posted text); for Matrix ``length`` is already bytes.
    """

    length: int
    limit: int | None
    fits: bool
    unit: str
    problems: tuple[str, ...] = ()
    bytes: int | None = None
    byte_limit: int | None = None


def _regex() -> Any:
    import regex  # imported late: it costs start-up time

    return regex


def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters): a family emoji is one."""
    return len(_regex().findall(r"\X", text))


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def twitter_weighted_length(text: str) -> int:
    """X's count: most characters 1, emoji and CJK 2, each link 23, after NFC."""
    from outagetray.core.twittertext import weighted_length

    return weighted_length(text)


# --- Bluesky -------------------------------------------------------------------------------

#: @atproto/api ``detectFacets`` link pattern (flags ``gim``): JavaScript's ``\s`` spelled out.
_JS_SPACE = "\t\n\x0b\x0c\r \xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
_BSKY_LINK = re.compile(
    rf"(^|[{_JS_SPACE}]|\()((https?://[^{_JS_SPACE}]+)|((?P<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[^{_JS_SPACE}]*))",
    re.IGNORECASE | re.MULTILINE,
)
#: WHATWG URL percent-encode sets (path, query for special schemes, fragment), beyond C0 and non-ASCII.
_PATH_SET = frozenset(' "#<>?`{}')
_QUERY_SET = frozenset(" \"#<>'")
_FRAGMENT_SET = frozenset(' "<>`')


def _bsky_valid_domain(domain: str) -> bool:
    """@atproto/api ``isValidDomain``: the text ends in ``.tld`` for a known top-level domain."""
    from outagetray.core.twittertext_tlds import CCTLDS, GTLDS

    head, dot, tld = domain.rpartition(".")
    return bool(dot and head) and (tld in GTLDS or tld in CCTLDS)


def _percent(text: str, keep_as_is: frozenset[str]) -> str:
    out = []
    for char in text:
        if ord(char) < 0x20 or ord(char) > 0x7E or char in keep_as_is:
            out.append("".join(f"%{b:02X}" for b in char.encode("utf-8", "surrogatepass")))
        else:
            out.append(char)
    return "".join(out)


def _dot_segments(path: str) -> str:
    """WHATWG path parsing for special schemes: ``\\`` is ``/``, ``.`` and ``..`` are resolved."""
    parts = path.replace("\\", "/").split("/")[1:]
    out: list[str] = []
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if part.lower() in (".", "%2e"):
            if last:
                out.append("")
        elif part.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(part)
    return "/" + "/".join(out)


def _to_short_url(url: str) -> str:
    """social-app's ``toShortUrl``: host plus at most 13 characters of the rest, then ``...``.

    It runs on the link's text, through the browser's URL parser; text that parser refuses
    (a link without ``http``, say) stays as it is. The parser is followed closely enough for
    the links people write; a host it would refuse is kept as written.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
        hostname = parts.hostname or ""
        host = hostname.encode("idna").decode("ascii").lower() if ":" not in hostname else f"[{hostname}]"
    except (ValueError, UnicodeError):
        return url
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        return url
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host += f":{port}"
    pathname = _percent(_dot_segments(parts.path or "/"), _PATH_SET)
    search = "?" + _percent(parts.query, _QUERY_SET) if parts.query else ""
    fragment = "#" + _percent(parts.fragment, _FRAGMENT_SET) if parts.fragment else ""
    path = ("" if pathname == "/" else pathname) + search + fragment
    if _utf16(path) > 15:
        return host + path[:13] + "..."
    return host + path


def _bsky_links(text: str) -> list[tuple[int, int, str]]:
    """Links as @atproto/api's ``detectFacets`` finds them: (start, end, full uri), code points."""
    links = []
    for match in _BSKY_LINK.finditer(text):
        uri = match.group(2)
        if not uri.startswith("http"):
            domain = match.group("domain")
            if not domain or not _bsky_valid_domain(domain):
                continue
            uri = f"https://{uri}"
        start = match.start(2)
        end = match.end(2)
        if uri[-1] in ".,;:!?":
            uri, end = uri[:-1], end - 1
        if uri.endswith(")") and "(" not in uri:
            uri, end = uri[:-1], end - 1
        links.append((start, end, uri))
    return links


def bluesky_shorten_links(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as Bluesky's app posts it, and one link facet per link with its full address.

    The app shows long links shortened (``example.com/a-long-pa...``) and keeps the whole
    address in the facet, so the shortened text is what counts against the limits. Facet
    positions are UTF-8 byte offsets into the returned text, as the lexicon wants them.
    """
    out: list[str] = []
    facets: list[dict[str, Any]] = []
    cursor = 0
    size = 0
    for start, end, uri in _bsky_links(text):
        before = text[cursor:start]
        out.append(before)
        size += len(before.encode("utf-8", "surrogatepass"))
        shown = _to_short_url(text[start:end])
        out.append(shown)
        length = len(shown.encode("utf-8", "surrogatepass"))
        facets.append(
            {
                "index": {"byteStart": size, "byteEnd": size + length},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}],
            }
        )
        size += length
        cursor = end
    out.append(text[cursor:])
    return "".join(out), facets


def bluesky_graphemes(text: str) -> int:
    """Bluesky's count: graphemes of the text as it will be posted (long links shortened)."""
    return graphemes(bluesky_shorten_links(text)[0])


# --- Mastodon ------------------------------------------------------------------------------

#: Account::MENTION_RE; Ruby's ``[[:word:]]`` is letters, marks, digits and connectors.
_WORD = r"[\p{L}\p{M}\p{Nd}\p{Pc}]"
_MENTION = (
    rf"(?<![=/\p{{L}}\p{{M}}\p{{Nd}}\p{{Pc}}])@"
    rf"((?i:[a-z0-9_]+(?:[.-]+[a-z0-9_]+)*)(?:@{_WORD}+(?:[.-]+{_WORD}+)*)?)"
)
#: twitter-text's ``end_mention_match``: not a mention if an @, a latin accent or ``://`` follows.
_END_MENTION = (
    "[@\uff20\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b"
    "\u0263\u0268\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff]|://"
)


def _mastodon_countable(text: str) -> str:
    """Mastodon's ``StatusLengthValidator#countable_text``: links as 23 x, mentions as ``@user``.

    Only links with a scheme get the 23 (the server extracts with
    ``extract_url_without_protocol: false``); a bare ``example.com`` counts in full there, even
    though the web composer shows 23 for it.
    """
    if not text.strip():
        return ""  # str.blank? in Ruby
    from outagetray.core.twittertext import extract_urls

    entities: list[tuple[int, int, str]] = [
        (u.start, u.end, "x" * MASTODON_URL_LENGTH)
        for u in extract_urls(text, without_protocol=False, mastodon=True)
    ]
    if "@" in text or "\uff20" in text:
        rx = _regex()
        end_mention = rx.compile(_END_MENTION)
        for match in rx.finditer(_MENTION, text):
            if end_mention.match(text, match.end()):
                continue
            name, _, domain = match.group(1).partition("@")
            if domain and len(domain) > MASTODON_MAX_DOMAIN:
                continue
            entities.append((match.start(), match.end(), "@" + name))
    entities.sort(key=lambda entity: entity[0])
    out: list[str] = []
    cursor = 0
    for start, end, replacement in entities:
        if start < cursor:
            continue  # remove_overlapping_entities: the earlier one wins
        out.append(text[cursor:start])
        out.append(replacement)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def mastodon_length(text: str) -> int:
    """A Mastodon server's count: graphemes, each link 23, ``@user@domain`` as ``@user``."""
    return graphemes(_mastodon_countable(text))


def mastodon_instance_limit(client: HttpClient, base_url: str) -> int:
    """The instance's own limit, from ``/api/v2/instance`` (``configuration.statuses``).

    Raises :class:`outagetray.core.http.FetchError` when the instance does not answer, and
    ``ValueError`` when its answer has no usable limit; the caller decides what to fall back to.
    """
    url = base_url.rstrip("/") + "/api/v2/instance"
    response = client.fetch(url, expect="json")
    try:
        data = json.loads(response.body)
        value = data["configuration"]["statuses"]["max_characters"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{url} did not say how long a post may be") from error
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{url} gave {value!r} as the longest post, which is not a usable number")
    return value


# --- Other networks ------------------------------------------------------------------------


def threads_length(text: str) -> int:
    """Threads' count: characters, but an emoji counts as its UTF-8 bytes (Threads API docs)."""
    rx = _regex()
    total = 0
    for cluster in rx.findall(r"\X", text):
        if rx.search(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3", cluster):
            total += len(cluster.encode("utf-8", "surrogatepass"))
        else:
            total += len(cluster)
    return total


def matrix_body_bytes(text: str) -> int:
    """Bytes the body takes inside the event's JSON (escapes included), see ``MATRIX_BODY_BYTES``."""
    return len(json.dumps(text, ensure_ascii=False)[1:-1].encode("utf-8", "surrogatepass"))


def subject_warning(subject: str) -> str | None:
    """A sentence for the editor when an e-mail subject line is long enough to be folded."""
    length = len(subject)
    if length > SUBJECT_LENGTH:
        return (
            f"The subject is {length} characters long; over {SUBJECT_LENGTH}, many mail programs "
            "break it onto a second line or cut it short."
        )
    return None


def _over(name: str, length: int, limit: int, unit: str) -> str:
    extra = length - limit
    word = "bytes" if unit == "bytes" else "characters"
    word = word if extra != 1 else word[:-1]
    return f"{extra:,} {word} over {name}'s limit of {limit:,}"


def count(channel_type: str, text: str, *, limit: int | None = None) -> Count:
    """How ``text`` counts on a channel of this type; ``limit`` overrides (a Mastodon instance's)."""
    if channel_type not in CHANNEL_TYPES:
        raise ValueError(f"{channel_type!r} is not a channel type; known: {', '.join(CHANNEL_TYPES)}")
    problems: list[str] = []
    empty = not text.strip()
    if empty:
        problems.append("The text is empty." if not text else "The text has only spaces.")
    name = _NAMES.get(channel_type, channel_type)
    if channel_type in _NO_LIMIT:
        return Count(
            len(text),
            limit,
            not empty and (limit is None or len(text) <= limit),
            "characters",
            tuple(problems),
        )
    byte_count: int | None = None
    byte_limit: int | None = None
    if channel_type == "x":
        from outagetray.core.twittertext import parse_tweet

        length, unit, default = parse_tweet(text).weighted_length, "characters", X_LIMIT
        if _X_REFUSED.search(text):
            problems.append(
                "X does not accept one of the characters (an invisible U+FFFE, U+FEFF or U+FFFF)."
            )
    elif channel_type == "bluesky":
        posted, _ = bluesky_shorten_links(text)
        length, unit, default = graphemes(posted), "graphemes", BLUESKY_GRAPHEMES
        byte_count, byte_limit = len(posted.encode("utf-8", "surrogatepass")), BLUESKY_BYTES
        if byte_count > byte_limit:
            problems.append(
                _over("Bluesky", byte_count, byte_limit, "bytes") + " (its second limit, in bytes)"
            )
    elif channel_type == "mastodon":
        length, unit, default = mastodon_length(text), "graphemes", MASTODON_DEFAULT
    elif channel_type == "threads":
        length, unit, default = threads_length(text), "characters", THREADS_LIMIT
    elif channel_type == "matrix":
        length, unit, default = matrix_body_bytes(text), "bytes", MATRIX_BODY_BYTES
    elif channel_type in _UTF16_LIMITS:
        length, unit, default = _utf16(text), "characters", _UTF16_LIMITS[channel_type]
    else:
        length, unit, default = len(text), "characters", _CODE_POINT_LIMITS[channel_type]
    cap = default if limit is None else limit
    if length > cap:
        problems.insert(0, _over(name, length, cap, unit))
    fits = not problems
    return Count(length, cap, fits, unit, tuple(problems), byte_count, byte_limit)
