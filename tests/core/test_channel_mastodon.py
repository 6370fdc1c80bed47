"""The Mastodon channel against the loopback Mastodon peer (tests/support/mastodon_peer.py)."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.mastodon import MastodonChannel, SendUnknown, from_settings
from outagetray.core.channels.web import NoAnswer, NotSent, WebApi
from outagetray.core.http import HttpClient
from outagetray.core.outbox import CANNOT_TELL, Health, Receipt, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.mastodon_peer import MastodonPeer

TOKEN = "tok-Very-Secret-0123456789"
LIMIT = 500
#: A whole exchange in these tests; the peer's held answers outlast it.
TIMEOUT = 1.0


@pytest.fixture
def peer() -> Iterator[MastodonPeer]:
    with MastodonPeer(token=TOKEN, max_characters=LIMIT) as running:
        yield running


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


def channel(peer: MastodonPeer, token: str = TOKEN, **kwargs: Any) -> MastodonChannel:
    """A channel whose client's per-read timeout is shorter than the whole exchange's."""
    client = HttpClient(connect_timeout=1.0, read_timeout=0.5)
    return MastodonChannel(peer.base_url, token, client=client, timeout=TIMEOUT, **kwargs)


def test_send_posts_and_returns_receipt(peer: MastodonPeer) -> None:
    receipt = channel(peer, visibility="unlisted").send("We are back online.", "a" * 32)
    status = peer.statuses[0]
    assert receipt == Receipt(url=status["url"], id=status["id"])
    assert receipt.url.startswith(peer.base_url + "/@shop/")
    assert status["text"] == "We are back online."
    assert status["visibility"] == "unlisted"
    assert status["idempotency_key"] == "a" * 32
    assert [r.headers.get("authorization") for r in peer.seen] == [f"Bearer {TOKEN}"]


def test_repeated_key_creates_one_status(peer: MastodonPeer) -> None:
    chan = channel(peer)
    first = chan.send("Outage update", "1" * 32)
    second = chan.send("Outage update", "1" * 32)
    assert first == second
    assert len(peer.statuses) == 1
    chan.send("Outage update", "2" * 32)
    assert len(peer.statuses) == 2


def test_refused_token_is_not_retryable_and_never_shown(
    peer: MastodonPeer, logs: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-Secret-Token-999"
    with pytest.raises(SendRejected) as info:
        channel(peer, token=wrong).send("hello", "k" * 32)
    assert info.value.retryable is False
    assert "access token was refused" in info.value.reason
    assert "Preferences > Development" in info.value.reason
    assert wrong not in str(info.value) and wrong not in logs.text
    assert peer.statuses == []


def test_token_without_the_scope_says_which_scopes() -> None:
    with MastodonPeer(token=TOKEN, scopes=("read",)) as peer:
        with pytest.raises(SendRejected) as info:
            channel(peer).send("hello", "k" * 32)
        assert info.value.retryable is False
        assert "outside the authorized scopes" in info.value.reason
        assert "write:statuses" in info.value.reason
        assert peer.statuses == []


def test_too_long_is_rejected_with_server_words(peer: MastodonPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("x" * (LIMIT + 1), "k" * 32)
    assert info.value.retryable is False
    assert "too long" in info.value.reason
    assert "character limit of 500" in info.value.reason
    assert peer.statuses == []


def test_links_count_as_23_so_a_long_link_still_fits(peer: MastodonPeer) -> None:
    text = "x" * 470 + " https://example.com/" + "p" * 100
    assert len(text) > LIMIT  # 470 + 1 + 23 = 494 as Mastodon counts
    channel(peer).send(text, "k" * 32)
    assert peer.statuses[0]["text"] == text


def test_empty_message_sends_nothing(peer: MastodonPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("  \n ", "k" * 32)
    assert info.value.retryable is False
    assert "empty" in info.value.reason
    assert peer.seen == []


def test_rate_limit_is_retryable_and_says_mastodons_wait(peer: MastodonPeer) -> None:
    peer.fault = "429"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k" * 32)
    assert info.value.retryable is True
    assert info.value.retry_after is not None and 25 <= info.value.retry_after <= 31
    assert "limiting" in info.value.reason and " s." in info.value.reason
    assert peer.statuses == []


def test_server_error_is_retryable(peer: MastodonPeer) -> None:
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k" * 32)
    assert info.value.retryable is True
    assert "503" in info.value.reason


def test_web_page_with_200_is_no_receipt_but_unknown(peer: MastodonPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", "k" * 32)
    assert "web page" in str(info.value)
    health = channel(peer).check()
    assert health.ok is False and "web page" in health.message


def test_timeout_after_sending_is_unknown_not_rejected(
    peer: MastodonPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "sleep"
    started = time.monotonic()
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("hello", "s" * 32)
    assert time.monotonic() - started < TIMEOUT + 1.0
    assert not isinstance(info.value, SendRejected)
    assert TOKEN not in str(info.value) and TOKEN not in logs.text
    assert info.value.__cause__ is None
    assert peer.wait_for_statuses(1)  # the post exists: that is why it is unknown


def test_unknown_job_resent_with_same_key_is_harmless(peer: MastodonPeer) -> None:
    peer.fault = "sleep"
    with pytest.raises(NoAnswer):
        channel(peer).send("hello", "s" * 32)
    assert peer.wait_for_statuses(1)
    peer.fault = None
    receipt = channel(peer).send("hello", "s" * 32)
    assert len(peer.statuses) == 1
    assert receipt.id == peer.statuses[0]["id"]


def test_a_dripping_answer_ends_at_the_whole_exchange_deadline(peer: MastodonPeer) -> None:
    """Each byte comes well within the per-read timeout (0.05 s < 0.5 s); only one deadline ends it."""
    peer.fault = "drip"
    started = time.monotonic()
    with pytest.raises(NoAnswer):
        channel(peer).send("hello", "d" * 32)
    took = time.monotonic() - started
    assert TIMEOUT * 0.8 <= took < TIMEOUT + 1.0  # the whole answer would drip for about 30 s
    assert peer.wait_for_statuses(1)


def test_lost_connection_after_the_post_then_the_same_key_gives_the_same_status(
    peer: MastodonPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "drop_after_post"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("We are back.", "c" * 32)
    assert "may or may not" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in logs.text
    made = peer.statuses
    assert len(made) == 1
    peer.fault = None
    receipt = channel(peer).send("We are back.", "c" * 32)
    assert receipt == Receipt(url=made[0]["url"], id=made[0]["id"])
    assert len(peer.statuses) == 1


def test_nobody_listening_is_not_sent_and_retryable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = MastodonChannel(f"http://127.0.0.1:{port}", TOKEN, client=HttpClient(connect_timeout=1.0))
    with pytest.raises(NotSent) as info:
        chan.send("hello", "k" * 32)
    assert info.value.retryable is True
    assert TOKEN not in str(info.value)
    health = chan.check()
    assert health.ok is False and "could not be reached" in health.message


def test_check_names_the_account_and_the_servers_limit(peer: MastodonPeer) -> None:
    assert channel(peer).check() == Health(
        True, "Signed in as @shop on 127.0.0.1; posts up to 500 characters."
    )
    with MastodonPeer(token=TOKEN, username="cafe", max_characters=5000) as other:
        assert (
            channel(other).check().message == "Signed in as @cafe on 127.0.0.1; posts up to 5000 characters."
        )
    assert peer.statuses == []
    assert {(r.method, r.path) for r in peer.seen} == {
        ("GET", "/api/v1/accounts/verify_credentials"),
        ("GET", "/api/v2/instance"),
    }


def test_check_with_bad_token(peer: MastodonPeer, logs: pytest.LogCaptureFixture) -> None:
    health = channel(peer, token="bad-Secret-xyz").check()
    assert health.ok is False
    assert "access token was refused" in health.message
    assert "bad-Secret-xyz" not in health.message and "bad-Secret-xyz" not in logs.text


def test_check_while_the_server_is_down_or_silent(peer: MastodonPeer) -> None:
    peer.fault = "503"
    health = channel(peer).check()
    assert health.ok is False and "503" in health.message and "posted" not in health.message


def test_missing_token_and_bad_arguments(peer: MastodonPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token="").send("hello", "k" * 32)
    assert info.value.retryable is False
    assert "No access token is saved" in info.value.reason
    assert channel(peer, token="").check() == Health(False, info.value.reason)
    assert peer.seen == []
    with pytest.raises(ValueError):
        MastodonChannel("mastodon.social", TOKEN)
    with pytest.raises(ValueError):
        MastodonChannel("http://mastodon.social", TOKEN)  # the token would travel in clear
    with pytest.raises(ValueError):
        MastodonChannel("https://mastodon.social", TOKEN, visibility="everyone")


def test_server_text_that_echoes_the_token_is_masked(
    peer: MastodonPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k" * 32)
    assert info.value.retryable is False
    assert "Bad request with token" in info.value.reason
    assert "\n" not in info.value.reason
    assert TOKEN not in str(info.value) and TOKEN not in logs.text


def test_lookup_cannot_tell_but_a_resend_is_harmless(peer: MastodonPeer) -> None:
    chan = channel(peer)
    chan.send("hello", "l" * 32)
    assert chan.lookup("l" * 32) == CANNOT_TELL
    assert MastodonChannel.resend_is_harmless is True
    assert SendUnknown is NoAnswer  # the older name still imports


def test_the_token_never_shows_anywhere(peer: MastodonPeer, logs: pytest.LogCaptureFixture) -> None:
    """Every way a send or a check can end, with everything a user or a log could read."""
    chan = channel(peer)
    said: list[str] = [repr(chan), str(chan)]
    for fault in (None, "429", "503", "sleep", "drip", "echo", "drop_after_post", "html"):
        peer.fault = fault
        for token in (TOKEN, TOKEN + "-wrong"):
            try:
                said.append(repr(channel(peer, token=token).send("hello", "t" * 32)))
            except Exception as exc:  # noqa: BLE001 - every ending is read below
                said += [str(exc), repr(exc), repr(exc.__cause__), repr(exc.__context__)]
            health = channel(peer, token=token).check()
            said += [health.message, repr(health)]
        peer.release()
    assert len(said) > 30
    for text in said + [record.getMessage() for record in logs.records] + [logs.text]:
        assert TOKEN not in text


def test_the_peer_takes_json_too(peer: MastodonPeer) -> None:
    """Other clients post JSON (Mastodon takes both); the peer keeps the key the same way."""
    api = WebApi("peer", peer.base_url, secrets=(TOKEN,))
    headers = {"Authorization": f"Bearer {TOKEN}", "Idempotency-Key": "j" * 32}
    first = api.post("/api/v1/statuses", json={"status": "from JSON"}, headers=headers).object()
    again = api.post("/api/v1/statuses", json={"status": "from JSON"}, headers=headers).object()
    assert first["id"] == again["id"] and peer.statuses[0]["text"] == "from JSON"
    assert api.get("/api/v1/statuses/" + first["id"]).object()["url"] == first["url"]


def test_the_peer_serves_others_while_an_answer_is_held(peer: MastodonPeer) -> None:
    peer.fault = "sleep"
    ended: list[BaseException] = []

    def held_send() -> None:
        try:
            channel(peer).send("held", "h" * 32)
        except BaseException as exc:  # noqa: BLE001 - read below
            ended.append(exc)

    sender = threading.Thread(target=held_send)
    sender.start()
    assert peer.wait_for_statuses(1)
    assert channel(peer).check().ok is True  # answered while the post's answer is still held
    assert sender.is_alive()
    sender.join(TIMEOUT + 2)
    assert len(ended) == 1 and isinstance(ended[0], NoAnswer)


def test_the_peer_forgets_a_key_after_its_window() -> None:
    """Why a resend is harmless only within ``resend_window``: after it, Mastodon posts again."""
    now = [0.0]
    with MastodonPeer(token=TOKEN, clock=lambda: now[0]) as peer:
        chan = channel(peer)
        first = chan.send("hello", "w" * 32)
        now[0] = MastodonChannel.resend_window
        assert chan.send("hello", "w" * 32) == first
        now[0] = 3600.0
        assert chan.send("hello", "w" * 32) != first
        assert len(peer.statuses) == 2


# -- from the settings file --------------------------------------------------------------------


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(
        id="masto", type="mastodon", name="Shop on Mastodon", platform="mastodon", extra=extra
    )


def test_from_settings_builds_and_reads_addresses_as_people_write_them(peer: MastodonPeer) -> None:
    made = from_settings(table(base_url="mastodon.social"), TOKEN)
    assert made.base_url == "https://mastodon.social" and made.visibility == "public"
    assert from_settings(table(base_url="https://mastodon.social/@shop"), TOKEN).base_url == (
        "https://mastodon.social"
    )
    local = from_settings(table(base_url=peer.base_url, visibility="unlisted"), TOKEN)
    assert local.check().ok is True
    local.send("hi", "f" * 32)
    assert peer.statuses[0]["visibility"] == "unlisted"
    missing = from_settings(table(base_url=peer.base_url), "").check()
    assert missing == Health(
        False, "No access token is saved for Shop on Mastodon. Add it in OutageTray's settings."
    )


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({}, 'needs its server address, such as base_url = "https://mastodon.social"'),
        ({"base_url": "  "}, "needs its server address"),
        ({"base_url": 42}, "needs its server address"),
        ({"base_url": "https://shop:hunter2-pass@mastodon.social"}, "is not a server address"),
        ({"base_url": "ftp://mastodon.social"}, "is not a server address"),
        ({"base_url": "http://mastodon.social"}, "must start with https://"),
        ({"base_url": "https://mastodon.social", "visibility": "everyone"}, 'visibility must be "public"'),
        ({"base_url": "https://mastodon.social", "visibility": ["public"]}, "visibility must be"),
    ],
)
def test_from_settings_errors_in_plain_words(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(table(**extra), TOKEN)
    message = str(info.value)
    assert words in message
    assert 'Mastodon channel "Shop on Mastodon"' in message
    assert "hunter2" not in message and TOKEN not in message
    assert "Error" not in message and "Traceback" not in message
