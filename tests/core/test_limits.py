"""The length counter per channel: each network's own rule, on the texts that trip counters up.

Family emoji, flags, skin tones, CJK, combining marks and long links, per network, plus
property tests for the invariants every counter keeps. Mastodon's cases come from its own
specs (spec/validators/status_length_validator_spec.rb) and its composer's counter tests.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pytest_httpserver import HTTPServer

from outagetray.core import limits
from outagetray.core.http import FetchError, HttpClient
from outagetray.core.limits import (
    CHANNEL_TYPES,
    bluesky_graphemes,
    bluesky_shorten_links,
    count,
    mastodon_instance_limit,
    mastodon_length,
    subject_warning,
    twitter_weighted_length,
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 👨‍👩‍👧‍👦, 7 code points
FLAG = "\U0001f1fa\U0001f1e6"  # 🇺🇦
THUMB_MEDIUM = "\U0001f44d\U0001f3fd"  # 👍🏽
TRANS_FLAG = "\U0001f3f3\ufe0f\u200d\u26a7\ufe0f"  # 🏳️‍⚧️
E_COMBINING = "e\u0301"  # e + combining acute: é after NFC
CJK = "故人西辞黄鹤楼"
LONG_URL = "https://example.com/" + "a" * 300


# --- X ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("Hello", 5),
        (FAMILY, 2),
        (FLAG, 2),
        (THUMB_MEDIUM, 2),
        (TRANS_FLAG, 2),
        (CJK, 14),
        (E_COMBINING, 1),  # NFC first, as X does
        ("\u0627\u0644\u0639\u0631\u0628\u064a\u0629", 7),  # Arabic is below U+1100: weight 1
        ("1\ufe0f\u20e3", 2),  # keycap
        ("\u00a9", 1),  # bare ©: text, not emoji
        ("\u00a9\ufe0f", 2),
        ("\u263a\ufe0e", 4),  # text presentation: twemoji leaves U+FE0E out, so it weighs 2 of its own
        (LONG_URL, 23),
        ("see example.com", 4 + 23),  # no scheme: still a link
        ("https://" + "a" * 64 + ".com", 8 + 64 + 4),  # a label over 63: not a link
        ("a" * 64 + ".com", 68),
        ("https://t.co/abc", 23),
    ],
)
def test_x_weighs_like_twitter_text(text: str, length: int) -> None:
    assert twitter_weighted_length(text) == length
    assert count("x", text).length == length


def test_x_says_how_far_over_and_refuses_invisible_characters() -> None:
    over = count("x", "a" * 317)
    assert (over.fits, over.limit, over.unit) == (False, 280, "characters")
    assert over.problems == ("37 characters over X's limit of 280",)
    assert count("x", "a" * 281).problems == ("1 character over X's limit of 280",)
    bad = count("x", "fine\ufeff")
    assert not bad.fits and "does not accept" in bad.problems[0]
    assert count("x", "a" * 280).fits


# --- Bluesky ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "graphemes", "size"),
    [
        (FAMILY, 1, 25),
        (FLAG, 1, 8),
        (THUMB_MEDIUM, 1, 8),
        (CJK, 7, 21),
        (E_COMBINING, 1, 3),  # not normalised: Bluesky posts the text as written
    ],
)
def test_bluesky_counts_graphemes_and_bytes(text: str, graphemes: int, size: int) -> None:
    result = count("bluesky", text)
    assert (result.length, result.unit, result.bytes, result.byte_limit) == (
        graphemes,
        "graphemes",
        size,
        3000,
    )
    assert bluesky_graphemes(text) == graphemes


def test_bluesky_has_two_limits() -> None:
    families = count("bluesky", FAMILY * 300)  # 300 graphemes, 7,500 bytes
    assert families.length == 300 and families.bytes == 7500
    assert not families.fits
    assert families.problems == ("4,500 bytes over Bluesky's limit of 3,000 (its second limit, in bytes)",)
    assert not count("bluesky", "a" * 301).fits
    assert count("bluesky", "a" * 300).fits


@pytest.mark.parametrize(
    ("text", "posted", "uris"),
    [
        (
            "see https://example.com/a/very/long/path/indeed?x=1 now",
            "see example.com/a/very/long/... now",
            ["https://example.com/a/very/long/path/indeed?x=1"],
        ),
        ("https://bsky.app", "bsky.app", ["https://bsky.app"]),
        ("https://example.com/", "example.com", ["https://example.com/"]),
        ("https://Example.COM:443/x", "example.com/x", ["https://Example.COM:443/x"]),
        ("https://example.com:8443/x", "example.com:8443/x", ["https://example.com:8443/x"]),
        ("https://example.com/\u00fc", "example.com/%C3%BC", ["https://example.com/\u00fc"]),
        # No scheme: a link (with https:// in the facet), but the text stays as written.
        ("go to example.org/x.", "go to example.org/x.", ["https://example.org/x"]),
        ("(https://b.com/x)", "(b.com/x)", ["https://b.com/x"]),
        ("HTTP://a.com", "HTTP://a.com", []),  # the app only links "http..." in lower case
        ("my-site.com", "my-site.com", []),
        ("example.notatld", "example.notatld", []),
    ],
)
def test_bluesky_shortens_links_the_way_its_app_does(text: str, posted: str, uris: list[str]) -> None:
    shortened, facets = bluesky_shorten_links(text)
    assert shortened == posted
    assert [f["features"][0]["uri"] for f in facets] == uris


def test_bluesky_facets_point_at_the_shortened_text_in_bytes() -> None:
    text = f"{FAMILY} \u00fc https://example.com/{'p' * 40} and https://x.org"
    shortened, facets = bluesky_shorten_links(text)
    raw = shortened.encode("utf-8")
    shown = [raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode("utf-8") for f in facets]
    assert shown == ["example.com/" + "p" * 12 + "...", "x.org"]
    assert facets[0]["index"]["byteStart"] == len(f"{FAMILY} \u00fc ".encode())
    assert facets[0]["features"][0] == {
        "$type": "app.bsky.richtext.facet#link",
        "uri": f"https://example.com/{'p' * 40}",
    }
    assert count("bluesky", text).length == bluesky_graphemes(text) == len(f"x \u00fc {shown[0]} and x.org")


# --- Mastodon -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "length"),
    [
        ("hello world", 11),
        ("see https://example.com here", 4 + 23 + 5),
        ("look https://example.com/\U0001f42a/#camel here", 5 + 23 + 5),
        ("besøk https://grå.org/ idag", 6 + 23 + 5),
        # The server gives the 23 only to links with a scheme; a bare domain counts in full.
        ("see example.com here", 20),
        ("hi @bob@example.com", 7),
        ("hi @bob", 7),
        ("@bob@example.com look https://example.com", 10 + 23),
        ("mail arnt@grå.org for details", 29),  # no @ in front: not a mention
        ("hi @arnt@grå.org", 8),
        ("hi @user@慕田峪长城.网址", 8),
        # The server's mention pattern takes any word after the second @ (its web composer does not).
        ("@arnt@invalid", 5),
        ("https://example.com/@arnt@grå.org", 23),
        (FAMILY + FLAG + THUMB_MEDIUM + E_COMBINING, 4),
        ("gemini://example.org/x", 23),
        ("   ", 0),  # blank text counts as nothing on the server
    ],
)
def test_mastodon_counts_like_the_server(text: str, length: int) -> None:
    assert mastodon_length(text) == length


def test_mastodon_server_spec_cases() -> None:
    """spec/validators/status_length_validator_spec.rb, against the default 500."""

    def fits(text: str) -> bool:
        return count("mastodon", text).fits

    link = f"http://{'b' * 30}.com/example"
    assert fits(" ".join(["a" * 476, link]))  # an auto-linkable URL counts 23
    assert not fits("a" * 476 + link)  # glued to the text: not a link
    assert not fits(f"http://example.com/valid?{'#foo?' * 1000}")  # over 4,096: not a link
    assert fits("a" * 475 + f" @alice@{'b' * 30}.com")  # only the @user part counts
    assert not fits(f"@alice@{'b' * 500}.com")  # a domain over 253: counted in full
    assert fits("\u2728" * 500)
    assert fits(TRANS_FLAG * 500)
    assert not fits("a" * 501)


def test_a_mastodon_instance_limit_overrides_the_default() -> None:
    assert count("mastodon", "a" * 600, limit=1000) == limits.Count(600, 1000, True, "graphemes")
    assert count("mastodon", "a" * 600).limit == 500


def test_instance_limit_comes_from_api_v2_instance(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_json(
        {"uri": "example.social", "configuration": {"statuses": {"max_characters": 5000}}}
    )
    assert mastodon_instance_limit(HttpClient(), httpserver.url_for("/")) == 5000


@pytest.mark.parametrize(
    "body", [{"configuration": {}}, {"configuration": {"statuses": {"max_characters": "lots"}}}, [1, 2]]
)
def test_an_instance_without_a_usable_limit_is_a_value_error(httpserver: HTTPServer, body: object) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_data(
        json.dumps(body), content_type="application/json"
    )
    with pytest.raises(ValueError, match=r"how long a post may be|not a usable number"):
        mastodon_instance_limit(HttpClient(), httpserver.url_for(""))


def test_an_instance_that_fails_is_a_fetch_error(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/api/v2/instance").respond_with_data("no", status=503)
    with pytest.raises(FetchError):
        mastodon_instance_limit(HttpClient(), httpserver.url_for(""))


# --- The others ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("channel", "text", "length", "limit"),
    [
        ("threads", "a\U0001f44d", 1 + 4, 500),  # an emoji counts as its UTF-8 bytes
        ("threads", FAMILY, 25, 500),
        ("threads", CJK, 7, 500),
        ("telegram", "\U0001f600", 2, 4096),  # UTF-16 code units
        ("linkedin", FAMILY, 11, 3000),
        ("facebook_page", CJK, 7, 63_206),
        ("discord", "\U0001f600", 1, 2000),  # code points
        ("slack", FAMILY, 7, 40_000),
        ("matrix", 'say "hi"\n', 12, 60_000),  # bytes inside the event's JSON
        ("matrix", "\u00e9", 2, 60_000),
        ("email", FAMILY, 7, None),
        ("blog", "x" * 100_000, 100_000, None),
        ("wordpress", "x", 1, None),
        ("ghost", "x", 1, None),
        ("apprise", "x", 1, None),
    ],
)
def test_each_channel_counts_its_own_way(channel: str, text: str, length: int, limit: int | None) -> None:
    result = count(channel, text)
    assert (result.length, result.limit, result.fits) == (length, limit, True)


@pytest.mark.parametrize(("channel", "limit"), [("threads", 500), ("telegram", 4096), ("discord", 2000)])
def test_one_over_is_over(channel: str, limit: int) -> None:
    assert count(channel, "a" * limit).fits
    assert not count(channel, "a" * (limit + 1)).fits


@pytest.mark.parametrize("channel", CHANNEL_TYPES)
@pytest.mark.parametrize("text", ["", "  \n\t"])
def test_empty_text_never_fits(channel: str, text: str) -> None:
    result = count(channel, text)
    assert not result.fits and result.problems


@pytest.mark.parametrize("channel", CHANNEL_TYPES)
def test_a_lone_surrogate_from_the_editor_is_counted_not_a_crash(channel: str) -> None:
    """Qt hands over text with half an emoji while one is being typed or deleted."""
    assert count(channel, "a\ud83d b https://x.com/\ud83d @a@b.social").length > 0


def test_an_unknown_channel_type_is_refused() -> None:
    with pytest.raises(ValueError, match="not a channel type"):
        count("myspace", "hello")


def test_subject_warning() -> None:
    assert subject_warning("x" * 78) is None
    warning = subject_warning("x" * 79)
    assert warning is not None and "79" in warning and "78" in warning
    assert count("email", "x" * 500).fits  # the body itself has no limit


def test_the_counter_is_cheap_to_import() -> None:
    """The editor imports limits; the regex module and the big patterns wait for the first count."""
    import subprocess
    import sys

    code = (
        "import sys, outagetray.core.limits; "
        "print('regex' in sys.modules, 'outagetray.core.twittertext' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# --- Invariants ---------------------------------------------------------------------------

PIECES = [FAMILY, FLAG, THUMB_MEDIUM, "\u0301", "\u200d", "\ufe0f", "\U0001f1fa", "\r", ".", " ", "(", ")"]
LINKISH = ["https://", "example.com", "/", "\u00fc", "?q=1", "#top", "@bob@example.social"]
TEXT = st.lists(
    st.one_of(st.characters(codec="utf-8"), st.sampled_from(PIECES), st.sampled_from(LINKISH)), max_size=40
).map("".join)
NO_LINKS = st.text(st.characters(codec="utf-8", exclude_characters=".:@\ufffe\ufeff\uffff"), max_size=60)


@settings(max_examples=150, deadline=None)
@given(text=TEXT, channel=st.sampled_from(CHANNEL_TYPES))
def test_never_negative_and_fits_iff_within_every_limit(text: str, channel: str) -> None:
    result = count(channel, text)
    assert result.length >= 0
    within = result.limit is None or result.length <= result.limit
    if result.byte_limit is not None:
        assert result.bytes is not None and result.bytes >= 0
        within = within and result.bytes <= result.byte_limit
    refused = channel == "x" and any(c in text for c in "\ufffe\ufeff\uffff")
    assert result.fits == (bool(text.strip()) and within and not refused)


@settings(max_examples=150, deadline=None)
@given(a=TEXT, b=TEXT)
def test_grapheme_counts_add_up_around_a_hard_break(a: str, b: str) -> None:
    # A control character (not CR/LF) always breaks on both sides (UAX #29 GB4, GB5).
    assert limits.graphemes(a + "\x00" + b) == limits.graphemes(a) + 1 + limits.graphemes(b)
    assert limits.graphemes(a + b) <= limits.graphemes(a) + limits.graphemes(b)


@settings(max_examples=150, deadline=None)
@given(a=NO_LINKS, b=NO_LINKS)
def test_weighted_lengths_add_up_without_links(a: str, b: str) -> None:
    assert twitter_weighted_length(a + "\x00" + b) == twitter_weighted_length(
        a
    ) + 1 + twitter_weighted_length(b)
    for channel in ("telegram", "discord", "matrix", "slack"):
        assert count(channel, a + b).length == count(channel, a).length + count(channel, b).length


@settings(max_examples=150, deadline=None)
@given(text=TEXT)
def test_bluesky_facets_cover_their_link_text(text: str) -> None:
    shortened, facets = bluesky_shorten_links(text)
    raw = shortened.encode("utf-8", "surrogatepass")
    ends = 0
    for facet in facets:
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert ends <= start < end <= len(raw)
        assert facet["features"][0]["uri"].startswith("http")
        ends = end
    if not facets:
        assert shortened == text
