"""Open composer: each network's own posting page, with the draft filled in exactly."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from outagetray.core.composer import composer_url

#: Everything that breaks a careless address: & and # and +, line breaks, emoji, %, quotes.
TRICKY = (
    "Trouble on Facebook & Instagram #outage 100% + more\nFind us: https://bsky.app/profile/a?x=1&y=2 🙂 'é'"
)


def query_text(url: str, key: str = "text") -> str:
    [value] = parse_qs(urlsplit(url).query, strict_parsing=True)[key]
    return value


@pytest.mark.parametrize(
    ("channel", "start"),
    [
        ("x", "https://x.com/intent/tweet?text="),
        ("bluesky", "https://bsky.app/intent/compose?text="),
        ("threads", "https://www.threads.com/intent/post?text="),
        ("linkedin", "https://www.linkedin.com/feed/?shareActive=true&text="),
    ],
)
def test_text_composers_get_the_text_exactly(channel: str, start: str) -> None:
    url = composer_url(channel, TRICKY)
    assert url is not None and url.startswith(start)
    assert query_text(url) == TRICKY
    assert " " not in url and "\n" not in url and "#" not in url and "🙂" not in url
    assert "%0A" in url and "%26" in url and "%23" in url and "%2B" in url and "%F0%9F%99%82" in url


def test_x_keeps_the_text_alone_in_its_parameter() -> None:
    url = composer_url("x", "a&url=https://evil.example")
    assert url is not None
    assert parse_qs(urlsplit(url).query) == {"text": ["a&url=https://evil.example"]}


def test_facebook_takes_only_an_address() -> None:
    assert composer_url("facebook_page", TRICKY) is None
    url = composer_url("facebook_page", TRICKY, link="https://acme.example/blog/outage?x=1&y=2")
    assert url is not None and url.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert parse_qs(urlsplit(url).query) == {"u": ["https://acme.example/blog/outage?x=1&y=2"]}


def test_a_link_is_added_once() -> None:
    url = composer_url("bluesky", "We're here", link="https://acme.example/blog")
    assert url is not None and query_text(url) == "We're here\nhttps://acme.example/blog"
    url = composer_url("bluesky", "News: https://acme.example/blog", link="https://acme.example/blog")
    assert url is not None and query_text(url) == "News: https://acme.example/blog"


@pytest.mark.parametrize(
    ("server", "root"),
    [
        ("mastodon.social", "https://mastodon.social"),
        ("https://mastodon.social/", "https://mastodon.social"),
        ("  https://mastodon.social/@acme  ", "https://mastodon.social"),
        ("HTTPS://Fosstodon.org", "https://fosstodon.org"),
        ("http://127.0.0.1:3000/web", "http://127.0.0.1:3000"),
        ("https://[::1]:8443", "https://[::1]:8443"),
    ],
)
def test_mastodon_uses_the_users_own_server(server: str, root: str) -> None:
    url = composer_url("mastodon", TRICKY, base_url=server)
    assert url is not None and url.startswith(f"{root}/share?text=")
    assert query_text(url) == TRICKY


@pytest.mark.parametrize(
    "server",
    [
        "",
        "   ",
        "javascript:alert(1)",
        "ftp://mastodon.social",
        "https://user:pw@mastodon.social",
        "https://",
        "https://a b",
    ],
)
def test_mastodon_without_a_usable_server_has_no_composer(server: str) -> None:
    assert composer_url("mastodon", "Hi", base_url=server) is None


@pytest.mark.parametrize(
    "channel", ["email", "blog", "telegram", "discord", "slack", "matrix", "apprise", "website", ""]
)
def test_channels_without_a_web_composer_get_none(channel: str) -> None:
    assert composer_url(channel, "Hi", link="https://acme.example") is None


def test_channel_names_are_read_as_users_type_them() -> None:
    assert composer_url(" X ", "Hi") == "https://x.com/intent/tweet?text=Hi"
