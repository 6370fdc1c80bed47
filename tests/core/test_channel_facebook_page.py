"""The Facebook Page channel against a loopback Graph API peer (tests/support/api_peers.py)."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.facebook_page import FacebookPageChannel, from_settings
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.outbox import CANNOT_TELL, Health, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.api_peers import GraphPeer

KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def peer() -> Iterator[GraphPeer]:
    with GraphPeer() as graph:
        yield graph


def channel(peer: GraphPeer, token: str | None = None, **kwargs: Any) -> FacebookPageChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0)
    return FacebookPageChannel(
        peer.page_id,
        peer.token if token is None else token,
        name="Shop page",
        graph_url=peer.base_url,
        client=client,
        timeout=kwargs.pop("timeout", 2.0),
        **kwargs,
    )


def secret_free(peer: GraphPeer, *texts: object) -> None:
    for text in texts:
        assert peer.token not in str(text)
        assert peer.token not in repr(text)


def test_send_posts_on_the_feed_and_returns_the_post_address(peer: GraphPeer) -> None:
    receipt = channel(peer).send("We are back online.", KEY)
    post = peer.posts[0]
    assert post["message"] == "We are back online."
    assert receipt.id == post["id"] and receipt.id.startswith(peer.page_id + "_")
    assert receipt.url == f"https://www.facebook.com/{post['id']}"
    posted = next(seen for seen in peer.seen if seen.method == "POST")
    assert posted.path == f"/v21.0/{peer.page_id}/feed"
    assert "access_token" not in posted.query  # never in the address, where logs keep it
    assert peer.token not in posted.path


def test_no_dedupe_so_a_second_send_posts_again_and_lookup_cannot_tell(peer: GraphPeer) -> None:
    chan = channel(peer)
    chan.send("Same words", KEY)
    chan.send("Same words", KEY)
    assert len(peer.posts) == 2
    assert chan.resend_is_harmless is False
    assert chan.lookup(KEY) is CANNOT_TELL


def test_expired_token_says_make_a_new_one(peer: GraphPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "EAAGexpired-Secret-999"
    with pytest.raises(SendRejected) as info:
        channel(peer, token=wrong).send("hello", KEY)
    assert info.value.retryable is False
    assert "Make a new one" in info.value.reason
    assert wrong not in str(info.value) and wrong not in caplog.text
    assert peer.posts == []


def test_missing_permission_in_plain_words(peer: GraphPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token=peer.user_token).send("hello", KEY)
    assert info.value.retryable is False
    assert "pages_manage_posts" in info.value.reason
    assert peer.posts == []


@pytest.mark.parametrize("code", [4, 17, 32, 613])
def test_rate_limits_are_retryable(peer: GraphPeer, code: int) -> None:
    usage = '{"104812345678901": [{"type": "pages", "estimated_time_to_regain_access": 5}]}'
    peer.fail_with(code, "(#32) Page request limit reached", headers={"X-Business-Use-Case-Usage": usage})
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is True
    assert info.value.retry_after == 300
    assert "5 min" in info.value.reason


def test_rate_limit_with_retry_after(peer: GraphPeer) -> None:
    peer.fail_with(4, "(#4) Application request limit reached", headers={"Retry-After": "30"})
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is True
    assert info.value.retry_after == 30


def test_blocked_page_in_plain_words(peer: GraphPeer) -> None:
    peer.fail_with(368, "It looks like you were misusing this feature by going too fast.", subcode=1390008)
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is False
    assert "stopped this Page from posting" in info.value.reason


def test_transient_graph_error_is_retryable_only_when_it_came_before_the_post(peer: GraphPeer) -> None:
    # With a 500, Graph may have made the post already, and a Page drops no repeat: unknown.
    peer.fail_with(2, "An unexpected error has occurred. Please retry your request later.", status=500)
    with pytest.raises(NoAnswer) as lost:
        channel(peer).send("hello", KEY)
    assert not isinstance(lost.value, SendRejected) and "may or may not" in str(lost.value)
    peer.fail_with(9007, "Something odd", is_transient=True)
    with pytest.raises(SendRejected) as again:
        channel(peer).send("hello", KEY)
    assert again.value.retryable is True


def test_other_graph_error_shows_facebooks_words_without_the_token(peer: GraphPeer) -> None:
    peer.fail_with(100, f"(#100) Invalid parameter near {peer.token}")
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is False
    assert "Invalid parameter" in info.value.reason and "error 100" in info.value.reason
    secret_free(peer, info.value)


def test_503_is_retryable_but_a_bare_502_is_unknown(peer: GraphPeer) -> None:
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is True
    peer.fault = "502"  # a proxy gave up: the post may exist behind it
    with pytest.raises(NoAnswer):
        channel(peer).send("hello", KEY)


def test_timeout_after_sending_is_unknown(peer: GraphPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=0.5).send("hello", KEY)
    assert not isinstance(info.value, SendRejected)
    assert peer.posted.is_set() and len(peer.posts) == 1  # that is why it is unknown
    secret_free(peer, info.value)
    assert peer.token not in caplog.text


def test_html_page_with_200_is_unknown(peer: GraphPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", KEY)
    assert "may or may not" in str(info.value)


def test_nobody_listening_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = FacebookPageChannel(
        "104812345678901", "EAAG-Secret-x", graph_url=f"http://127.0.0.1:{port}", timeout=2.0
    )
    with pytest.raises(NotSent) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is True
    assert "EAAG-Secret-x" not in str(info.value)
    assert chan.check().ok is False


def test_missing_token_and_empty_text(peer: GraphPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token="").send("hello", KEY)
    assert "No Page access token is saved for Shop page" in info.value.reason
    assert channel(peer, token="").check() == Health(False, info.value.reason)
    with pytest.raises(SendRejected):
        channel(peer).send("  \n", KEY)
    assert peer.seen == []


def test_check_names_the_page_and_posts_nothing(peer: GraphPeer) -> None:
    health = channel(peer).check()
    assert health == Health(True, "Ready to post on the Facebook Page Corner Shop.")
    assert peer.posts == []
    got = peer.seen[-1]
    assert got.method == "GET" and got.path == "/v21.0/me"
    assert got.headers["authorization"] == f"Bearer {peer.token}"
    assert "access_token" not in got.query


def test_check_with_a_persons_token_says_it_is_not_the_pages(peer: GraphPeer) -> None:
    health = channel(peer, token=peer.user_token).check()
    assert health.ok is False
    assert "Sam Owner" in health.message and "not to the Page" in health.message


def test_check_with_a_bad_token(peer: GraphPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    health = channel(peer, token="EAAGbad-Secret-xyz").check()
    assert health.ok is False
    assert "no longer accepts" in health.message
    assert "EAAGbad-Secret-xyz" not in health.message and "EAAGbad-Secret-xyz" not in caplog.text


def test_repr_has_no_token(peer: GraphPeer) -> None:
    chan = channel(peer)
    secret_free(peer, chan, chan.api)


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="fb", type="facebook_page", name="Shop page", platform="facebook", extra=extra)


def test_from_settings_builds_with_defaults() -> None:
    chan = from_settings(table(page_id="104812345678901"), "EAAG-Secret")
    assert chan.api.base_url == "https://graph.facebook.com"
    assert chan.api_version == "v21.0"
    assert chan.name == "Shop page"
    assert from_settings(table(page_id=104812345678901), "").page_id == "104812345678901"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({}, "needs page_id"),
        ({"page_id": "Corner Shop"}, "digits only"),
        ({"page_id": True}, "digits only"),
        ({"page_id": "104812345678901", "graph_url": "graph.facebook.com"}, "graph_url must be"),
        ({"page_id": "104812345678901", "graph_url": "http://graph.example"}, "https://"),
        ({"page_id": "104812345678901", "api_version": "21"}, "api_version"),
    ],
)
def test_from_settings_errors_name_the_key(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(table(**extra), "EAAG-Secret")
    assert words in str(info.value)
    assert "EAAG-Secret" not in str(info.value)


def test_from_settings_allows_plain_http_on_loopback(peer: GraphPeer) -> None:
    settings = table(page_id=peer.page_id, graph_url=peer.base_url, api_version="v19.0")
    chan = from_settings(settings, peer.token)
    assert chan.send("From the settings", KEY).id == peer.posts[0]["id"]
    assert peer.seen[-1].path.startswith("/v19.0/")
