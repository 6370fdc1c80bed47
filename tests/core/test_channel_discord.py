"""The Discord channel against a loopback webhook peer written from Discord's public document."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError, registry
from outagetray.core.channels.discord import DiscordChannel, from_settings, webhook_problem
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import JobState, Outbox, SendRejected, run_job
from outagetray.core.profile import Channel as ChannelTable
from tests.support.chat_peers import DiscordPeer

HOOK_ID = "1234567890123456789"
TOKEN = "Zx9-Very_Secret_Webhook_Token_abcdefghijklmnopqrstuvwxyz0123456789"
WRONG = "Zx9-Wrong_Secret_Webhook_Token_zyxwvutsrqponmlkjihgfedcba9876543210"


@pytest.fixture
def peer() -> Iterator[DiscordPeer]:
    with DiscordPeer(HOOK_ID, TOKEN) as started:
        assert isinstance(started, DiscordPeer)
        yield started


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # everyone's records from INFO (the handler's level is the last set)
    caplog.set_level(logging.DEBUG, logger="outagetray")  # ours from DEBUG
    return caplog


def channel(peer: DiscordPeer, url: str | None = None, **kwargs: Any) -> DiscordChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0)
    return DiscordChannel(peer.url if url is None else url, name="Shop server", client=client, **kwargs)


def no_secret(peer: DiscordPeer, *texts: object) -> None:
    for text in texts:
        assert TOKEN not in str(text) and WRONG not in str(text) and peer.url not in str(text)


def test_send_posts_once_without_pings_and_links_the_message(peer: DiscordPeer) -> None:
    receipt = channel(peer).send("We are back online. @everyone", "0" * 32)
    message_id = peer.posts[0]["message"]["id"]
    assert receipt.id == message_id
    assert receipt.url == f"https://discord.com/channels/{peer.guild_id}/{peer.channel_id}/{message_id}"
    assert len(peer.posts) == 1 and peer.posts[0]["content"] == "We are back online. @everyone"
    assert peer.posts[0]["payload"]["allowed_mentions"] == {"parse": []}
    assert peer.posts[0]["query"] == {"wait": "true"}


def test_webhook_without_a_server_gives_the_id_alone(peer: DiscordPeer) -> None:
    peer.guild_id = None
    receipt = channel(peer).send("Hello", "k" * 32)
    assert receipt.url == "" and receipt.id == peer.posts[0]["message"]["id"]


def test_deleted_or_wrong_webhook_says_make_a_new_one(
    peer: DiscordPeer, logs: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SendRejected) as wrong:
        channel(peer, url=peer.url.replace(TOKEN, WRONG)).send("Hello", "k" * 32)
    peer.deleted = True
    with pytest.raises(SendRejected) as gone:
        channel(peer).send("Hello", "k" * 32)
    for info in (wrong, gone):
        assert info.value.retryable is False
        assert (
            "was deleted or its address is wrong" in info.value.reason and "New Webhook" in info.value.reason
        )
    assert peer.posts == []
    no_secret(peer, wrong.value, gone.value, logs.text)


def test_missing_webhook_sends_nothing(peer: DiscordPeer) -> None:
    chan = channel(peer, url="")
    with pytest.raises(SendRejected) as info:
        chan.send("Hello", "k" * 32)
    assert (
        info.value.reason == "No webhook address is saved for Shop server. Add it in OutageTray's settings."
    )
    assert chan.check().message == info.value.reason and chan.check().ok is False
    assert peer.requests == []


def test_too_long_is_caught_before_sending(peer: DiscordPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("x" * 2001, "k" * 32)
    assert "too long for Discord (2001 characters)" in info.value.reason and "2000" in info.value.reason
    assert peer.requests == []
    channel(peer).send("x" * 2000, "k" * 32)
    assert len(peer.posts) == 1


def test_too_long_by_the_server_is_said_plainly(peer: DiscordPeer) -> None:
    peer.limit = 10
    with pytest.raises(SendRejected) as info:
        channel(peer).send("x" * 11, "k" * 32)
    assert "too long for Discord" in info.value.reason and info.value.retryable is False


def test_rate_limit_is_retryable_with_discords_wait(peer: DiscordPeer) -> None:
    peer.fault = "rate_limited"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 1.5
    assert "wait 2 s" in info.value.reason and "Nothing was posted" in info.value.reason


@pytest.mark.parametrize("fault", ["server_error", "bad_gateway"])
def test_server_error_leaves_it_unknown(peer: DiscordPeer, fault: str) -> None:
    peer.fault = fault
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "may or may not" in str(info.value)
    no_secret(peer, info.value)


def test_unavailable_is_retryable(peer: DiscordPeer) -> None:
    peer.fault = "unavailable"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 120.0


def test_web_page_with_200_is_not_a_receipt(peer: DiscordPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "Wi-Fi sign-in page" in str(info.value)
    health = channel(peer).check()
    assert health.ok is False and "Wi-Fi sign-in page" in health.message


def test_answer_held_after_posting_is_unknown(peer: DiscordPeer, logs: pytest.LogCaptureFixture) -> None:
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=0.5).send("Hello", "k" * 32)
    assert not isinstance(info.value, SendRejected)
    assert peer.held.wait(5.0) and len(peer.posts) == 1
    no_secret(peer, info.value, logs.text)


def test_nobody_listening_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/api/webhooks/{HOOK_ID}/{TOKEN}"
    chan = DiscordChannel(url)
    with pytest.raises(NotSent) as info:
        chan.send("Hello", "k" * 32)
    assert info.value.retryable is True
    health = chan.check()
    assert health.ok is False
    for text in (info.value, health):
        assert TOKEN not in str(text)


def test_server_words_that_repeat_the_address_are_masked(
    peer: DiscordPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "Invalid Form Body for *** (token ***)" in info.value.reason
    no_secret(peer, info.value, logs.text)


def test_check_reads_the_webhook_without_posting(peer: DiscordPeer, logs: pytest.LogCaptureFixture) -> None:
    health = channel(peer).check()
    assert health.ok is True and health.message == "The Discord webhook “Shop status” is ready to post."
    assert peer.posts == [] and [r.method for r in peer.requests] == ["GET"]
    peer.deleted = True
    gone = channel(peer).check()
    assert gone.ok is False and "was deleted" in gone.message
    peer.deleted, peer.fault = False, "server_error"
    trouble = channel(peer).check()
    assert trouble.ok is False and "Try the check again later" in trouble.message
    no_secret(peer, health, gone, trouble, logs.text)


def test_no_dedupe_and_no_secret_in_repr(peer: DiscordPeer) -> None:
    chan = channel(peer)
    assert chan.resend_is_harmless is False and chan.lookup("k" * 32).state == "unknown"
    no_secret(peer, repr(chan), repr(chan.api))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"http://discord.com/api/webhooks/{HOOK_ID}/{TOKEN}", "must start with https://"),
        (f"discord.com/api/webhooks/{HOOK_ID}/{TOKEN}", "starts with https://discord.com/api/webhooks/"),
        ("https://discord.com/channels/1/2", "not a webhook's address"),
        (f"https://hooks.slack.com/services/T000/B000/{TOKEN}", "not a webhook's address"),
        (f"https://user:pw@discord.com/api/webhooks/{HOOK_ID}/{TOKEN}", "parts a webhook address never has"),
        (f"https://discord.com:notaport/api/webhooks/{HOOK_ID}/{TOKEN}", "can be read"),
    ],
)
def test_only_webhook_addresses_are_taken(url: str, words: str) -> None:
    problem = webhook_problem(url)
    assert problem is not None and words in problem
    with pytest.raises(ChannelConfigError) as info:
        DiscordChannel(url, name="Shop server")
    assert words in str(info.value) and TOKEN not in str(info.value)


def test_real_and_loopback_addresses_are_taken() -> None:
    assert webhook_problem(f"https://discord.com/api/webhooks/{HOOK_ID}/{TOKEN}") is None
    assert webhook_problem(f"https://discord.com/api/v10/webhooks/{HOOK_ID}/{TOKEN}") is None
    assert webhook_problem(f"http://127.0.0.1:9/api/webhooks/{HOOK_ID}/{TOKEN}") is None
    assert webhook_problem(f"http://localhost:9/api/webhooks/{HOOK_ID}/{TOKEN}") is None


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="dc", type="discord", name="Shop server", platform="discord", extra=extra)


def test_from_settings() -> None:
    made = from_settings(table(), f"https://discord.com/api/webhooks/{HOOK_ID}/{TOKEN}\n")
    assert made.name == "Shop server" and TOKEN not in repr(made)
    assert from_settings(table(), "").check().ok is False
    with pytest.raises(ChannelConfigError) as in_file:
        from_settings(table(webhook_url="https://discord.com/api/webhooks/1/2"), "")
    assert "Take webhook_url out" in str(in_file.value)
    with pytest.raises(ChannelConfigError) as bad:
        from_settings(table(), f"https://example.com/{TOKEN}")
    assert "Shop server" in str(bad.value) and TOKEN not in str(bad.value)


def test_through_the_outbox_a_lost_answer_stays_unknown(peer: DiscordPeer) -> None:
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

        done = run_job(box, box.create(1, "notice", "dc", "Back online", clock()), channel(peer), clock)
        assert done.state is JobState.CONFIRMED and done.receipt_id == peer.posts[0]["message"]["id"]
        peer.fault = "hold"
        job = box.create(1, "update", "dc", "Still down", clock())
        lost = run_job(box, job, channel(peer, timeout=0.5), clock)
        assert lost.state is JobState.UNKNOWN and "may or may not" in lost.reason
        assert peer.held.wait(5.0) and len(peer.posts) == 2
        no_secret(peer, lost.reason)


def test_the_registry_builds_it() -> None:
    built = registry.build(table(), f"https://discord.com/api/webhooks/{HOOK_ID}/{TOKEN}")
    assert isinstance(built, DiscordChannel)
    assert registry.fields("discord") == ((), registry.module("discord").SECRET)
