"""The X channel: OAuth 1.0a signing against X's worked example, and sends to a loopback X API v2 peer."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.channels.x import (
    DUPLICATE_RECEIPT,
    XChannel,
    XKeys,
    authorization,
    base_string_uri,
    from_settings,
    parse_keys,
    signature,
)
from outagetray.core.http import HttpClient
from outagetray.core.outbox import CANNOT_TELL, Health, Receipt, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.api_peers import XPeer

KEY = "0123456789abcdef0123456789abcdef"

# X's "Creating a signature" page (OAuth 1.0a): its request, parameters, secrets and result.
# The page now names api.x.com, but its published signature was made for api.twitter.com
# (with api.x.com the same values sign as Ls93hJiZbQ3akF3HF3x1Bz8/zU4=), so the test uses that.
DOC_URL = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
DOC_PARAMS = [
    ("status", "Hello Ladies + Gentlemen, a signed OAuth request!"),
    ("include_entities", "true"),
    ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
    ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
    ("oauth_signature_method", "HMAC-SHA1"),
    ("oauth_timestamp", "1318622958"),
    ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
    ("oauth_version", "1.0"),
]
DOC_CONSUMER_SECRET = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
DOC_TOKEN_SECRET = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
DOC_SIGNATURE = "hCtSmYh+iHYCEqBWrE7C7hYmtUk="


def test_signature_matches_the_worked_example() -> None:
    assert signature("POST", DOC_URL, DOC_PARAMS, DOC_CONSUMER_SECRET, DOC_TOKEN_SECRET) == DOC_SIGNATURE


def test_authorization_header_carries_the_worked_example() -> None:
    keys = XKeys(DOC_PARAMS[2][1], DOC_CONSUMER_SECRET, DOC_PARAMS[6][1], DOC_TOKEN_SECRET)
    header = authorization(
        "post",
        DOC_URL,
        keys,
        params=DOC_PARAMS[:2],
        nonce="kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
        timestamp=1318622958,
    )
    assert header.startswith("OAuth ")
    assert 'oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D"' in header
    assert 'oauth_consumer_key="xvz1evFS4wEEPTGEFPHBog"' in header
    assert DOC_CONSUMER_SECRET not in header and DOC_TOKEN_SECRET not in header


def test_base_string_uri_follows_rfc_5849() -> None:
    assert base_string_uri("HTTPS://API.X.com:443/2/tweets?x=1") == "https://api.x.com/2/tweets"
    assert base_string_uri("http://127.0.0.1:8080/2/tweets") == "http://127.0.0.1:8080/2/tweets"
    assert base_string_uri("http://[::1]:8080/a") == "http://[::1]:8080/a"


# -- the kept string ------------------------------------------------------------------------------


def test_keys_are_four_values_separated_by_spaces_or_lines() -> None:
    keys = parse_keys("  ck1234 cs5678\n123-tok9\tts0000 ")
    assert keys.values() == ("ck1234", "cs5678", "123-tok9", "ts0000")
    assert repr(keys) == "XKeys(***)" and str(keys) == "XKeys(***)"


@pytest.mark.parametrize(
    ("secret", "words"),
    [
        ("ck-Secret-A cs-Secret-B 123-tokSecret", "four values"),
        ("ck-Secret-A cs-Secret-B 123-tokSecret ts-Secret-C extra-Secret", "5 were"),
        ("123-tokSecret ck-Secret-A cs-Secret-B ts-Secret-C", "another order"),
        ("ck-Secret-A “cs-Secret-B” 123-tokSecret ts-Secret-C", "API Key Secret has characters"),
    ],
)
def test_bad_keys_are_told_without_their_values(secret: str, words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        parse_keys(secret)
    assert words in str(info.value)
    assert "Secret-" not in str(info.value) and "tokSecret" not in str(info.value)
    chan = XChannel(secret)
    with pytest.raises(SendRejected) as refused:
        chan.send("hello", KEY)
    assert words in refused.value.reason and "Secret-" not in refused.value.reason
    assert chan.check().ok is False and "Secret-" not in chan.check().message
    assert "Secret" not in repr(chan)


# -- against the peer -----------------------------------------------------------------------------


@pytest.fixture
def peer() -> Iterator[XPeer]:
    with XPeer() as x:
        yield x


def channel(peer: XPeer, keys: str | None = None, timeout: float = 2.0) -> XChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0)
    return XChannel(
        peer.keys() if keys is None else keys,
        name="Shop X",
        api_url=peer.base_url,
        client=client,
        timeout=timeout,
    )


def secrets_of(peer: XPeer) -> tuple[str, ...]:
    return (peer.consumer_key, peer.consumer_secret, peer.token, peer.token_secret)


def secret_free(peer: XPeer, *texts: object) -> None:
    for text in texts:
        for value in secrets_of(peer):
            assert value not in str(text) and value not in repr(text)


def test_send_posts_and_returns_the_post_address(peer: XPeer) -> None:
    receipt = channel(peer).send("We are back online.", KEY)
    post = peer.posts[0]
    assert post["text"] == "We are back online."
    assert receipt == Receipt(url=f"https://x.com/i/web/status/{post['id']}", id=post["id"])
    sent = peer.seen[-1]
    assert sent.path == "/2/tweets" and sent.headers["authorization"].startswith("OAuth ")
    assert sent.json() == {"text": "We are back online."}


def test_duplicate_content_means_already_posted(peer: XPeer) -> None:
    chan = channel(peer)
    first = chan.send("Our shop is open again.", KEY)
    second = chan.send("Our shop is open again.", KEY)
    assert len(peer.posts) == 1
    assert first.id == peer.posts[0]["id"]
    assert second == DUPLICATE_RECEIPT
    assert chan.resend_is_harmless is True
    assert chan.lookup(KEY) is CANNOT_TELL


def test_unknown_job_resent_is_confirmed_without_a_second_post(peer: XPeer) -> None:
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=0.5).send("Back soon, we promise.", KEY)
    assert not isinstance(info.value, SendRejected)
    assert peer.posted.is_set() and len(peer.posts) == 1  # it was posted: that is why it is unknown
    secret_free(peer, info.value)
    peer.fault = None
    assert channel(peer).send("Back soon, we promise.", KEY) == DUPLICATE_RECEIPT
    assert len(peer.posts) == 1


def test_bad_keys_are_not_retryable_and_never_shown(peer: XPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = f"{peer.consumer_key} wrong-Secret-Value-123 {peer.token} {peer.token_secret}"
    with pytest.raises(SendRejected) as info:
        channel(peer, keys=wrong).send("hello", KEY)
    assert info.value.retryable is False
    assert "X refused the keys" in info.value.reason
    assert "wrong-Secret-Value-123" not in str(info.value) and "wrong-Secret-Value-123" not in caplog.text
    secret_free(peer, info.value, caplog.text)
    assert peer.posts == []


def test_read_only_app_in_plain_words(peer: XPeer) -> None:
    peer.read_only = True
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is False
    assert "Read and write" in info.value.reason


def test_other_refusal_is_told_with_xs_words_without_the_keys(peer: XPeer) -> None:
    peer.forbidden = f"You are not permitted to perform this action. ({peer.token_secret})"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is False
    assert "X refused the post: You are not permitted to perform this action." in info.value.reason
    secret_free(peer, info.value)
    assert peer.posts == []


def test_rate_limit_waits_until_the_reset(peer: XPeer) -> None:
    now = 1_900_000_000.0
    peer.wall = lambda: now
    peer.rate_limited(900)
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0, wall=lambda: now)
    chan = XChannel(peer.keys(), api_url=peer.base_url, client=client, timeout=2.0)
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is True
    assert info.value.retry_after == 900
    assert "15 min" in info.value.reason
    assert peer.posts == []


def test_too_long_is_refused_before_sending(peer: XPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("a" * 200 + " https://example.com/ " + "b" * 59, KEY)  # 200 + 1 + 23 + 1 + 59
    assert info.value.retryable is False
    assert "284 characters" in info.value.reason
    assert channel(peer).send("a" * 200 + " https://example.com/ " + "b" * 55, KEY).id
    assert len(peer.seen) == 1


def test_a_503_is_retryable_and_a_502_is_no_answer(peer: XPeer) -> None:
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", KEY)
    assert info.value.retryable is True
    peer.fault = "502"  # it may come after the post was made: unknown, resent only within the hour
    with pytest.raises(NoAnswer) as lost:
        channel(peer).send("hello", KEY)
    assert not isinstance(lost.value, SendRejected)


def test_html_page_with_200_is_unknown(peer: XPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", KEY)
    assert "may or may not" in str(info.value)


def test_nobody_listening_is_not_sent(peer: XPeer) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = XChannel(peer.keys(), api_url=f"http://127.0.0.1:{port}", timeout=2.0)
    with pytest.raises(NotSent) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is True
    secret_free(peer, info.value, chan.check())


def test_no_keys_saved() -> None:
    chan = XChannel("   ", name="Shop X")
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.reason == "No X keys are saved for Shop X. Add them in OutageTray's settings."
    assert chan.check() == Health(False, info.value.reason)


def test_check_names_the_account_and_posts_nothing(peer: XPeer) -> None:
    assert channel(peer).check() == Health(True, "Signed in as @cornershop on X.")
    assert peer.posts == [] and peer.seen[-1].path == "/2/users/me"


def test_check_with_bad_keys(peer: XPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = f"{peer.consumer_key} {peer.consumer_secret} {peer.token} bad-Secret-xyz"
    health = channel(peer, keys=wrong).check()
    assert health.ok is False and "refused the keys" in health.message
    assert "bad-Secret-xyz" not in health.message and "bad-Secret-xyz" not in caplog.text
    secret_free(peer, health)


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="x", type="x", name="Shop X", platform="x", extra=extra)


def test_from_settings(peer: XPeer) -> None:
    assert from_settings(table(), "").api.base_url == "https://api.x.com"
    chan = from_settings(table(api_url=peer.base_url), peer.keys())
    assert chan.send("From the settings", KEY).id == peer.posts[0]["id"]
    secret_free(peer, chan, chan.api)


@pytest.mark.parametrize(
    ("extra", "words"),
    [({"api_url": "api.x.com"}, "api_url must be"), ({"api_url": "http://api.example"}, "https://")],
)
def test_from_settings_errors_name_the_key(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(table(**extra), "a-Secret b-Secret 1-cSecret d-Secret")
    assert words in str(info.value) and "Secret" not in str(info.value)
