"""The Telegram channel against a loopback Bot API peer written from Telegram's public document."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError, registry
from outagetray.core.channels.telegram import DEFAULT_API, TelegramChannel, from_settings
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import JobState, Outbox, SendRejected, run_job
from outagetray.core.profile import Channel as ChannelTable
from tests.support.chat_peers import TelegramPeer

TOKEN = "5550001234:AAE-Very_Secret-Token-0123456789xyz"
WRONG = "5550001234:AAE-Wrong_Secret-Token-9876543210abc"


@pytest.fixture
def peer() -> Iterator[TelegramPeer]:
    with TelegramPeer(TOKEN) as started:
        assert isinstance(started, TelegramPeer)
        started.add_chat(-1001111111111, username="shopnews", title="Shop news")
        started.add_chat(-1002222222222, title="Staff only")
        started.add_chat(-1003333333333, username="notours", title="Not ours", status="left")
        started.add_chat(-1004444444444, username="readonly", title="Read only", status="member")
        yield started


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # everyone's records from INFO (the handler's level is the last set)
    caplog.set_level(logging.DEBUG, logger="outagetray")  # ours from DEBUG
    return caplog


def channel(
    peer: TelegramPeer, chat: str = "@shopnews", token: str = TOKEN, **kwargs: Any
) -> TelegramChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0)
    return TelegramChannel(chat, token, name="Shop news", api_url=peer.base, client=client, **kwargs)


def no_secret(*texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text) and TOKEN.split(":")[1] not in str(text)
        assert WRONG not in str(text)


def test_send_posts_once_and_links_the_message(peer: TelegramPeer) -> None:
    receipt = channel(peer).send("We are back online.", "0" * 32)
    assert receipt.url == "https://t.me/shopnews/100" and receipt.id == "100"
    assert [(p["chat_id"], p["text"]) for p in peer.posts] == [(-1001111111111, "We are back online.")]
    sent = peer.posts[0]["params"]
    assert sent["chat_id"] == "@shopnews" and sent["disable_notification"] is False
    assert peer.requests[0].path == f"/bot{TOKEN}/sendMessage"


def test_private_channel_by_number_links_for_members(peer: TelegramPeer) -> None:
    receipt = channel(peer, chat="-1002222222222").send("Hello", "k" * 32)
    assert receipt.url == "https://t.me/c/2222222222/100"


def test_wrong_token_is_refused_in_plain_words(peer: TelegramPeer, logs: pytest.LogCaptureFixture) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token=WRONG).send("Hello", "k" * 32)
    assert info.value.retryable is False
    assert "refused the bot token" in info.value.reason and "@BotFather" in info.value.reason
    assert peer.posts == []
    no_secret(info.value, repr(info.value), logs.text)


def test_missing_or_garbled_token_sends_nothing(peer: TelegramPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token="").send("Hello", "k" * 32)
    assert info.value.reason == "No bot token is saved for Shop news. Add it in OutageTray's settings."
    assert channel(peer, token="").check().message == info.value.reason
    with pytest.raises(SendRejected) as garbled:
        channel(peer, token="not a token/../x").send("Hello", "k" * 32)
    assert "does not look like one from @BotFather" in garbled.value.reason
    assert "not a token" not in garbled.value.reason
    assert peer.requests == []


def test_unknown_chat_and_bot_not_admin(peer: TelegramPeer) -> None:
    with pytest.raises(SendRejected) as missing:
        channel(peer, chat="@nosuchchannel").send("Hello", "k" * 32)
    assert "cannot find the chat @nosuchchannel" in missing.value.reason
    with pytest.raises(SendRejected) as outside:
        channel(peer, chat="@notours").send("Hello", "k" * 32)
    assert "may not post in @notours" in outside.value.reason
    assert "Add Admin" in outside.value.reason and outside.value.retryable is False
    with pytest.raises(SendRejected) as member:
        channel(peer, chat="@readonly").send("Hello", "k" * 32)
    assert "Add Admin" in member.value.reason
    assert peer.posts == []


def test_too_long_is_caught_before_sending_counting_utf16(peer: TelegramPeer) -> None:
    emoji = "\U0001f600" * 2049  # 2049 characters, 4098 UTF-16 units
    with pytest.raises(SendRejected) as info:
        channel(peer).send(emoji, "k" * 32)
    assert "too long for Telegram" in info.value.reason and "4096" in info.value.reason
    assert peer.requests == []
    channel(peer).send("\U0001f600" * 2048, "k" * 32)  # exactly 4096 units fits
    assert len(peer.posts) == 1


def test_too_long_by_the_server_is_said_plainly(peer: TelegramPeer) -> None:
    peer.limit = 10
    with pytest.raises(SendRejected) as info:
        channel(peer).send("x" * 11, "k" * 32)
    assert "too long for Telegram" in info.value.reason and info.value.retryable is False


def test_flood_control_is_retryable_with_telegrams_wait(peer: TelegramPeer) -> None:
    peer.fault = "rate_limited"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 7.0
    assert "wait 7 s" in info.value.reason and "Nothing was posted" in info.value.reason


@pytest.mark.parametrize("fault", ["server_error", "bad_gateway"])
def test_server_error_leaves_it_unknown(peer: TelegramPeer, fault: str) -> None:
    peer.fault = fault
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "may or may not" in str(info.value)
    no_secret(info.value)


def test_unavailable_is_retryable(peer: TelegramPeer) -> None:
    peer.fault = "unavailable"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 120.0


def test_web_page_with_200_is_not_a_receipt(peer: TelegramPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "Wi-Fi sign-in page" in str(info.value)
    health = channel(peer).check()
    assert health.ok is False and "Wi-Fi sign-in page" in health.message


def test_answer_held_after_posting_is_unknown(peer: TelegramPeer, logs: pytest.LogCaptureFixture) -> None:
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=0.5).send("Hello", "k" * 32)
    assert not isinstance(info.value, SendRejected)
    assert peer.held.wait(5.0) and len(peer.posts) == 1  # it went out: that is why it is unknown
    no_secret(info.value, logs.text)


def test_nobody_listening_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = TelegramChannel("@shopnews", TOKEN, api_url=f"http://127.0.0.1:{port}")
    with pytest.raises(NotSent) as info:
        chan.send("Hello", "k" * 32)
    assert info.value.retryable is True
    health = chan.check()
    assert health.ok is False
    no_secret(info.value, health)


def test_server_words_that_repeat_the_token_are_masked(
    peer: TelegramPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "can't parse entities" in info.value.reason and "***" in info.value.reason
    no_secret(info.value, logs.text)


def test_check_proves_token_chat_and_right_to_post_without_posting(peer: TelegramPeer) -> None:
    health = channel(peer).check()
    assert health.ok is True and health.message == "@shop_status_bot can post in Shop news."
    assert peer.posts == []
    assert [r.path.rsplit("/", 1)[1] for r in peer.requests] == ["getMe", "getChat", "getChatMember"]
    assert all(r.method == "GET" for r in peer.requests)


def test_check_says_what_is_wrong(peer: TelegramPeer, logs: pytest.LogCaptureFixture) -> None:
    wrong = channel(peer, token=WRONG).check()
    assert wrong.ok is False and "refused the bot token" in wrong.message
    missing = channel(peer, chat="@nosuchchannel").check()
    assert missing.ok is False and "cannot find the chat" in missing.message
    member = channel(peer, chat="@readonly").check()
    assert member.ok is False and "may not post there" in member.message and "Add Admin" in member.message
    peer.fault = "server_error"
    trouble = channel(peer).check()
    assert trouble.ok is False and "Try the check again later" in trouble.message
    no_secret(wrong, missing, member, trouble, logs.text)


def test_no_dedupe_and_no_secret_in_repr(peer: TelegramPeer) -> None:
    chan = channel(peer)
    assert chan.resend_is_harmless is False and chan.lookup("k" * 32).state == "unknown"
    no_secret(repr(chan), repr(chan.api))


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="tg", type="telegram", name="Shop news", platform="telegram", extra=extra)


def test_from_settings_builds_with_defaults_and_links() -> None:
    made = from_settings(table(chat="@shopnews"), TOKEN)
    assert made.chat == "@shopnews" and made.api.base_url == DEFAULT_API and made.name == "Shop news"
    assert from_settings(table(chat="https://t.me/shopnews"), TOKEN).chat == "@shopnews"
    assert from_settings(table(chat=-1002222222222), TOKEN).chat == "-1002222222222"
    local = from_settings(table(chat="@shopnews", api_url="http://127.0.0.1:8081"), TOKEN)
    assert local.api.base_url == "http://127.0.0.1:8081"
    assert from_settings(table(chat="@shopnews"), "").check().ok is False


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({}, "needs chat ="),
        ({"chat": ""}, "@yourchannel"),
        ({"chat": "shop news!"}, "is not a Telegram channel"),
        ({"chat": True}, "@yourchannel"),
        ({"chat": "@shopnews", "api_url": "api.telegram.org"}, "api_url must be a web address"),
        ({"chat": "@shopnews", "api_url": "http://bots.example"}, "must start with https://"),
        ({"chat": "@shopnews", "api_url": 8081}, "api_url must be a web address"),
    ],
)
def test_from_settings_errors_name_the_key(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(table(**extra), TOKEN)
    assert words in str(info.value)
    no_secret(info.value)


def test_through_the_outbox_a_lost_answer_stays_unknown(peer: TelegramPeer) -> None:
    """run_job: a receipt confirms; a held answer leaves the job unknown, its reason without the secret."""
    with IncidentLog.empty() as log:
        log.connection.execute(
            "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
            " VALUES (1, 'Meta', 'major', ?, ?)",
            (datetime.now(UTC).isoformat(), datetime.now(UTC).isoformat()),
        )
        box = Outbox(log)

        def clock() -> datetime:
            return datetime.now(UTC)

        done = run_job(box, box.create(1, "notice", "tg", "Back online", clock()), channel(peer), clock)
        assert done.state is JobState.CONFIRMED and done.receipt_url == "https://t.me/shopnews/100"
        peer.fault = "hold"
        job = box.create(1, "update", "tg", "Still down", clock())
        lost = run_job(box, job, channel(peer, timeout=0.5), clock)
        assert lost.state is JobState.UNKNOWN and "may or may not" in lost.reason
        assert peer.held.wait(5.0) and len(peer.posts) == 2
        no_secret(lost.reason)


def test_the_registry_builds_it() -> None:
    built = registry.build(table(chat="@shopnews"), TOKEN)
    assert isinstance(built, TelegramChannel)
    assert registry.fields("telegram")[1] is not None
