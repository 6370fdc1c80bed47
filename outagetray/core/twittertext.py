"""X's weighted length (twitter-text v3) and the link finder that X and Mastodon share.

Why our own port rather than the ``twitter-text-parser`` package: that package ships a
Unicode 12 emoji list read through ``pkg_resources`` (gone from new setuptools), has had no
release for years, and its link finder cannot be switched to Mastodon's variant. The
reference is small enough to follow line by line: twitter/twitter-text ``js/src/parseTweet.js``,
``extractUrlsWithIndices.js``, ``lib/idna.js`` and the pieces under ``js/src/regexp`` (all
Apache-2.0). Mastodon's server uses the Ruby twitter-text with the tweaks in its
``config/initializers/twitter_regex.rb``; :func:`extract_urls` takes ``mastodon=True`` for them.

Offsets here are code points, except the ``*_range_end`` fields of :class:`ParsedTweet`,
which are UTF-16 positions like the reference's (they only matter to the conformance tests).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import regex

#: Weights from twitter-text ``config/v3.json`` (v2 is the same without emoji parsing).
SCALE = 100
DEFAULT_WEIGHT = 200
MAX_WEIGHTED_LENGTH = 280
TRANSFORMED_URL_LENGTH = 23
RANGES = ((0, 4351, 100), (8192, 8205, 100), (8208, 8223, 100), (8242, 8247, 100))
MAX_URL_LENGTH = 4096
MAX_TCO_SLUG_LENGTH = 40
MAX_DOMAIN_LABEL_LENGTH = 63

_INVALID_CHARS = "\ufffe\ufeff\uffff"
_DIRECTIONAL = "\u202a-\u202e\u061c\u200e\u200f\u2066\u2067\u2068\u2069"
_SPACES = "\x09-\x0d\x20\x85\xa0\u1680\u180e\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_PUNCT = r"!'#%&()*+,\\\-./:;<=>?@\[\]^_{|}~$"
_LATIN_ACCENTS = (
    "\xc0-\xd6\xd8-\xf6\xf8-\xff\u0100-\u024f\u0253\u0254\u0256\u0257\u0259\u025b\u0263\u0268"
    "\u026f\u0272\u0289\u028b\u02bb\u0300-\u036f\u1e00-\u1eff"
)
_CYRILLIC = "\u0400-\u04ff"
#: Unicode White_Space, which Ruby's ``\p{White_Space}`` in Mastodon's tweaks means.
_WHITE_SPACE = "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
_UCHARS = (
    "\xa0-\ud7ff\uf900-\ufdcf\ufdf0-\uffef\U00010000-\U0001fffd\U00020000-\U0002fffd"
    "\U00030000-\U0003fffd\U00040000-\U0004fffd\U00050000-\U0005fffd\U00060000-\U0006fffd"
    "\U00070000-\U0007fffd\U00080000-\U0008fffd\U00090000-\U0009fffd\U000a0000-\U000afffd"
    "\U000b0000-\U000bfffd\U000c0000-\U000cfffd\U000d0000-\U000dfffd\U000e1000-\U000efffd"
    "\ue000-\uf8ff\U000f0000-\U000ffffd\U00100000-\U0010fffd"
)


class UrlEntity(NamedTuple):
    url: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedTweet:
    """What twitter-text's ``parseTweet`` answers, in its own field names' meaning."""

    weighted_length: int
    valid: bool
    permillage: int
    valid_range_end: int
    display_range_end: int


def _trie(words: tuple[str, ...]) -> str:
    """One alternation of ``words`` as a trie, longer words first where one extends another.

    The same matches, in the same order of preference, as the reference's flat list (which is
    sorted so that ``嘉里大酒店`` comes before ``嘉里``), but Python's engine tries a flat list of
    1,500 names one by one at every position, which made long texts take seconds.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        parts = [re.escape(char) + emit(node[char]) for char in sorted(node) if char]
        if not parts:
            return ""
        body = parts[0] if len(parts) == 1 else "(?:" + "|".join(parts) + ")"
        return f"(?:{body})?" if "" in node else body

    return emit(root)


def _tld_alternation() -> str:
    from outagetray.core.twittertext_tlds import CCTLDS, GTLDS

    end = r"(?=[^0-9a-zA-Z@+\-]|\Z)"
    return rf"(?:(?:{_trie(GTLDS)}){end})|(?:(?:{_trie(CCTLDS)}){end})|(?:xn--[\-0-9a-z]+)"


@cache
def _patterns(
    mastodon: bool,
) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The URL, ASCII-domain and t.co patterns, built once on first use (they are large)."""
    domain_chars = f"[^{_PUNCT}{_SPACES}{_INVALID_CHARS}{_DIRECTIONAL}]"
    subdomain = f"(?:(?:{domain_chars}(?:[_-]|{domain_chars})*)?{domain_chars}\\.)"
    domain_name = f"(?:(?:{domain_chars}(?:-|{domain_chars})*)?{domain_chars}\\.)"
    tlds = _tld_alternation()
    domain = f"(?:{subdomain}*{domain_name}(?:{tlds}))"
    preceding = f"(?:[^A-Za-z0-9@\uff20$#\uff03{_INVALID_CHARS}]|[{_DIRECTIONAL}]|^)"
    if mastodon:
        general = f"[^{_WHITE_SPACE}<>()?]"
        parens = f"\\((?:{general}+|(?:{general}*\\({general}+\\){general}*))\\)"
        ending = f"(?:[^{_WHITE_SPACE}()?!*\"'「」<>;:=,.$%\\[\\]~&|@]|(?:{parens}))"
        path = f"(?:(?:{general}*(?:{parens}{general}*)*{ending})|(?:{general}+/))"
        query = f"[a-z0-9!?*'();:&=+$/%#\\[\\]\\-_.,~|@^{_UCHARS}]"
        query_end = f"[a-z0-9_&=#/\\-{_UCHARS}]"
        protocol = "(?:https?|dat|dweb|ipfs|ipns|ssb|gopher|gemini)://"
    else:
        general = f"[a-z{_CYRILLIC}0-9!*';:=+,.$/%#\\[\\]\\-\u2013_~@|&{_LATIN_ACCENTS}]"
        parens = f"\\((?:{general}+|(?:{general}*\\({general}+\\){general}*))\\)"
        ending = f"(?:[+\\-a-z{_CYRILLIC}0-9=_#/{_LATIN_ACCENTS}]|(?:{parens}))"
        path = f"(?:(?:{general}*(?:{parens}{general}*)*{ending})|(?:@{general}+/))"
        query = r"[a-z0-9!?*'@();:&=+$/%#\[\]\-_.,~|]"
        query_end = r"[a-z0-9\-_&=#/]"
        protocol = "https?://"
    url = f"(({preceding})(({protocol})?({domain})(?::([0-9]+))?(/{path}*)?(\\?{query}*{query_end})?))"
    ascii_domain = f"(?:(?:[\\-a-z0-9{_LATIN_ACCENTS}]+)\\.)+(?:{tlds})"
    tco = f"^https?://t\\.co/([a-z0-9]+)(?:\\?{query}*{query_end})?"
    flags = re.IGNORECASE
    # A domain lies inside one run of domain characters, dots, "_" and "-", and ends in a TLD
    # right after a domain character and a dot: these two find where a URL can start at all.
    run = f"(?:{domain_chars}|[._-])+"
    tld_at = f"(?<={domain_chars}\\.)(?:{tlds})"
    return (
        re.compile(url, flags),
        re.compile(ascii_domain, flags),
        re.compile(tco, flags),
        re.compile(run, flags),
        re.compile(tld_at, flags),
    )


#: The longest scheme with its "://" (Mastodon's "gopher://"), plus the preceding character.
_LONGEST_LEAD = 10


def _url_matches(text: str, mastodon: bool) -> Iterator[re.Match[str]]:
    """``finditer`` of the URL pattern, without trying where no domain can start.

    A try at a position whose run has no top-level domain further on costs the whole run
    (the subdomain part runs to its end, then gives back one label at a time), so a long
    ``a.a.a.…`` took seconds. Skipping those positions gives the same matches: a match
    starting at ``s`` has its domain start within ``_LONGEST_LEAD`` characters after ``s``,
    in a run that has a TLD (after a domain character and a dot) at least two characters on.
    Runs that do have one can still cost more than linear time (``a_a_a_…a.com`` with no
    space in 40,000 characters takes seconds): the reference's pattern is kept as it is.
    """
    url_re, _, _, run_re, tld_re = _patterns(mastodon)
    windows: list[tuple[int, int]] = []
    tld_starts = [m.start() for m in tld_re.finditer(text)]
    index = 0
    for run in run_re.finditer(text):
        while index < len(tld_starts) and tld_starts[index] < run.end():
            index += 1
        last = tld_starts[index - 1] if index and tld_starts[index - 1] >= run.start() else -1
        if last - 2 >= run.start():
            windows.append((max(run.start() - _LONGEST_LEAD, 0), last - 2))
    pos = 0
    for first, last in windows:
        start = max(first, pos)
        while start <= last:
            match = url_re.match(text, start)
            if match is None:
                start += 1
                continue
            yield match
            pos = start = match.end()


def _punycode_length(label: str) -> int:
    """Length of ``punycode.toASCII(label)`` as the npm ``punycode`` module computes it."""
    if not re.search("[^\x00-\x7e]", label):
        return len(label)
    return len(label.encode("punycode")) + 4  # "xn--" + Bootstring; never fails on a str


def _twitter_idna_ok(domain: str, pattern: re.Pattern[str]) -> bool:
    """twitter-text's ``idna.toAscii``: every label between 1 and 63 characters once encoded."""
    if domain[:4] == "xn--" and not pattern.search(domain):
        return False
    for label in domain.split("."):
        parts = re.split("[\u3002\uff0e\uff61]", label)  # punycode.js maps these to dots
        encoded = sum(_punycode_length(p) for p in parts) + len(parts) - 1
        if encoded < 1 or encoded > MAX_DOMAIN_LABEL_LENGTH:
            return False
    return True


def _ruby_idna_length(domain: str) -> int | None:
    """Ruby's ``IDN::Idna.toASCII`` is IDNA 2003, which Python's ``idna`` codec also is."""
    try:
        return len(domain.encode("idna"))
    except UnicodeError:
        return None


def extract_urls(text: str, *, without_protocol: bool = True, mastodon: bool = False) -> list[UrlEntity]:
    """The links X (or, with ``mastodon``, a Mastodon server) turns into a fixed-length link."""
    if not text or ("." not in text if without_protocol else ":" not in text):
        return []
    _, ascii_re, tco_re, _, _ = _patterns(mastodon)
    found: list[UrlEntity] = []
    for match in _url_matches(text, mastodon):
        before, url, protocol, domain, path = (match.group(i) for i in (2, 3, 4, 5, 7))
        end = match.end()
        start = end - len(url)
        if mastodon:
            if not protocol:
                continue  # the server is asked with extract_url_without_protocol: false
        else:
            # The JS reference checks the length before anything else; url length itself is kept
            # because its idna.toAscii hands back the domain unchanged.
            if (
                not _twitter_idna_ok(domain, ascii_re)
                or len(protocol or "https://") + len(url) > MAX_URL_LENGTH
            ):
                continue
        if not protocol:
            if re.search(r"[-_./]\Z", before):
                continue
            last: UrlEntity | None = None
            for piece in ascii_re.finditer(domain):
                last = UrlEntity(piece.group(0), start + piece.start(), start + piece.end())
                found.append(last)
            if last is None:
                continue
            if path:
                found[-1] = UrlEntity(url.replace(domain, last.url, 1), last.start, end)
            continue
        tco = tco_re.search(url)
        if tco:
            if len(tco.group(1)) > MAX_TCO_SLUG_LENGTH:
                continue
            url = tco.group(0)
            end = start + len(url)
        if mastodon:
            encoded = _ruby_idna_length(domain)
            if encoded is None or len(url) + max(0, encoded - len(domain)) > MAX_URL_LENGTH:
                continue
        found.append(UrlEntity(url, start, end))
    return found


@cache
def _emoji_pattern() -> regex.Pattern[str]:
    """Emoji as one unit each, the way twemoji-parser (which twitter-text uses) finds them.

    twemoji matches known sequences; this matches their shape (keycaps, flags, tag sequences,
    pictographs with presentation selector, skin tone and ZWJ joins), so a new emoji counts as
    one even before any list knows it. Bare © and ® are text in twemoji, so they need U+FE0F;
    U+FE0E (text presentation) is not part of an emoji there, so it weighs 2 on its own. The
    one known difference: a ZWJ join of two emoji that no list has (say 🐱 ZWJ 🐶) is one
    unit here, where twemoji would count its parts (2 + 1 + 2).
    """
    import regex  # imported late: it costs start-up time

    element = (
        r"(?:[\u00a9\u00ae]\ufe0f|(?![\u00a9\u00ae])\p{Extended_Pictographic}\ufe0f?"
        r"|\p{Emoji_Presentation})\p{Emoji_Modifier}?"
    )
    return regex.compile(
        r"[#*0-9]\ufe0f?\u20e3"
        r"|\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f"
        r"|\p{Regional_Indicator}{2}"
        rf"|{element}(?:\u200d{element})*"
    )


def _emoji_spans(text: str) -> dict[int, int]:
    return {m.start(): m.end() for m in _emoji_pattern().finditer(text)}


def _weight(char: str) -> int:
    point = ord(char)
    if point > 0xFFFF:
        return DEFAULT_WEIGHT  # the reference weighs the high surrogate, which no range covers
    for low, high, weight in RANGES:
        if low <= point <= high:
            return weight
    return DEFAULT_WEIGHT


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def parse_tweet(text: str, *, emoji_parsing: bool = True) -> ParsedTweet:
    """twitter-text's ``parseTweet`` with config v3 (``emoji_parsing=False`` gives v2)."""
    normal = unicodedata.normalize("NFC", text)
    urls = {u.start: u.end for u in extract_urls(normal)}
    emoji = _emoji_spans(normal) if emoji_parsing else {}
    weighted = 0
    valid = True
    valid_end = 0  # UTF-16 index of the last character inside the limit, as the reference keeps
    offset = 0  # UTF-16 index of position ``i``
    i = 0
    while i < len(normal):
        if i in urls:
            weighted += TRANSFORMED_URL_LENGTH * SCALE
            stop = urls[i]
        elif i in emoji:
            weighted += DEFAULT_WEIGHT
            stop = emoji[i]
        else:
            weighted += _weight(normal[i])
            stop = i + 1
        last = normal[stop - 1]
        if valid:
            # The reference tests only the code unit its index ends on; a low surrogate never fails.
            valid = last not in _INVALID_CHARS
        if valid and weighted <= MAX_WEIGHTED_LENGTH * SCALE:
            valid_end = offset + _utf16(normal[i:stop]) - 1
        offset += _utf16(normal[i:stop])
        i = stop
    length = weighted // SCALE
    valid = valid and 0 < length <= MAX_WEIGHTED_LENGTH
    shift = _utf16(text) - _utf16(normal)
    return ParsedTweet(
        weighted_length=length,
        valid=valid,
        permillage=(length * 1000) // MAX_WEIGHTED_LENGTH,
        valid_range_end=valid_end + shift,
        display_range_end=max(_utf16(text) - 1, 0),
    )


def weighted_length(text: str) -> int:
    """X's count for ``text``: the number its composer shows against 280."""
    return parse_tweet(text).weighted_length
