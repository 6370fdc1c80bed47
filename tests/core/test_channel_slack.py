"""The Slack channel against a loopback incoming-webhook peer written from Slack's public documents."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError, registry
from outagetray.core.channels.slack import SlackChannel, from_settings, webhook_problem
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import JobState, Outbox, Receipt, SendRejected, run_job
from outagetray.core.profile import Channel as ChannelTable
from tests.support.chat_peers import SlackPeer

SECRET = "VerySecretHookPart0123456789"
WRONG = "WrongSecretHookPart987654321"


@pytest.fixture
def peer() -> Iterator[SlackPeer]:
    with SlackPeer("T0SHOP01", "B0OUTAGE1", SECRET) as started:
        assert isinstance(started, SlackPeer)
        yield started


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.INFO)  # everyone's records from INFO (the handler's level is the last set)
    caplog.set_level(logging.DEBUG, logger="outagetray")  # ours from DEBUG
    return caplog


def channel(peer: SlackPeer, url: str | None = None, **kwargs: Any) -> SlackChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=1.0)
    return SlackChannel(peer.url if url is None else url, name="Team Slack", client=client, **kwargs)


def no_secret(peer: SlackPeer, *texts: object) -> None:
    for text in texts:
        assert SECRET not in str(text) and WRONG not in str(text) and peer.url not in str(text)


def test_send_posts_once_and_has_no_receipt_to_give(peer: SlackPeer) -> None:
    receipt = channel(peer).send("We are back online.", "0" * 32)
    assert receipt == Receipt(url="", id="")  # Slack answers "ok" and nothing else
    assert [p["payload"] for p in peer.posts] == [{"text": "We are back online."}]


def test_wrong_or_removed_webhook_says_make_a_new_one(
    peer: SlackPeer, logs: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(SendRejected) as wrong:
        channel(peer, url=peer.url.replace(SECRET, WRONG)).send("Hello", "k" * 32)
    peer.state = "no_service"
    with pytest.raises(SendRejected) as removed:
        channel(peer).send("Hello", "k" * 32)
    for info in (wrong, removed):
        assert info.value.retryable is False
        assert "was removed or its address is wrong" in info.value.reason
        assert "Add New Webhook" in info.value.reason
    assert peer.posts == []
    no_secret(peer, wrong.value, removed.value, logs.text)


@pytest.mark.parametrize(
    ("state", "words"),
    [
        ("channel_is_archived", "is archived"),
        ("channel_not_found", "no longer exists"),
        ("action_prohibited", "admins do not allow this webhook"),
        ("invalid_token", "was removed or its address is wrong"),
    ],
)
def test_each_broken_hook_is_said_plainly(peer: SlackPeer, state: str, words: str) -> None:
    peer.state = state
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert words in info.value.reason and info.value.retryable is False
    assert state not in info.value.reason  # words, not codes


def test_missing_webhook_sends_nothing(peer: SlackPeer) -> None:
    chan = channel(peer, url="")
    with pytest.raises(SendRejected) as info:
        chan.send("Hello", "k" * 32)
    assert info.value.reason == "No webhook address is saved for Team Slack. Add it in OutageTray's settings."
    assert chan.check().message == info.value.reason and chan.check().ok is False
    with pytest.raises(SendRejected):
        channel(peer).send("  \n", "k" * 32)
    assert peer.requests == []


def test_rate_limit_is_retryable_with_the_wait(peer: SlackPeer) -> None:
    peer.fault = "rate_limited"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 30.0
    assert "wait 30 s" in info.value.reason and "Nothing was posted" in info.value.reason


@pytest.mark.parametrize("fault", ["server_error", "bad_gateway"])
def test_server_error_leaves_it_unknown(peer: SlackPeer, fault: str) -> None:
    peer.fault = fault
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "may or may not" in str(info.value)
    no_secret(peer, info.value)


def test_unavailable_is_retryable(peer: SlackPeer) -> None:
    peer.fault = "unavailable"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert info.value.retryable is True and info.value.retry_after == 120.0


def test_web_page_with_200_is_not_a_receipt(peer: SlackPeer) -> None:
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "Wi-Fi sign-in page" in str(info.value)
    health = channel(peer).check()
    assert health.ok is False and "Wi-Fi sign-in page" in health.message


def test_answer_held_after_posting_is_unknown(peer: SlackPeer, logs: pytest.LogCaptureFixture) -> None:
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
    chan = SlackChannel(f"http://127.0.0.1:{port}/services/T0SHOP01/B0OUTAGE1/{SECRET}")
    with pytest.raises(NotSent) as info:
        chan.send("Hello", "k" * 32)
    assert info.value.retryable is True
    health = chan.check()
    assert health.ok is False
    for text in (info.value, health):
        assert SECRET not in str(text)


def test_server_words_that_repeat_the_address_are_masked(
    peer: SlackPeer, logs: pytest.LogCaptureFixture
) -> None:
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Hello", "k" * 32)
    assert "invalid_payload for *** (token ***)" in info.value.reason
    no_secret(peer, info.value, logs.text)


def test_check_proves_the_webhook_lives_without_posting(
    peer: SlackPeer, logs: pytest.LogCaptureFixture
) -> None:
    health = channel(peer).check()
    assert health.ok is True and "nothing was posted" in health.message
    assert peer.posts == [] and [r.json() for r in peer.requests] == [{}]
    wrong = channel(peer, url=peer.url.replace(SECRET, WRONG)).check()
    assert wrong.ok is False and "was removed or its address is wrong" in wrong.message
    peer.state = "channel_is_archived"
    archived = channel(peer).check()
    assert archived.ok is False and "is archived" in archived.message
    peer.state, peer.fault = "", "server_error"
    trouble = channel(peer).check()
    assert trouble.ok is False and "Try the check again later" in trouble.message
    assert peer.posts == []
    no_secret(peer, health, wrong, archived, trouble, logs.text)


def test_check_does_not_believe_an_address_that_posts_anything(peer: SlackPeer) -> None:
    peer.fault = "lax"
    health = channel(peer).check()
    assert health.ok is False and "which Slack never does" in health.message
    peer.fault = "refused_page"  # a 400, but not Slack's refusal of an empty payload
    refused = channel(peer).check()
    assert refused.ok is False and "in a way Slack does not" in refused.message


def test_a_slow_but_working_webhook_is_waited_for(peer: SlackPeer) -> None:
    peer.delay = 0.3
    started = time.monotonic()
    assert channel(peer).send("Hello", "k" * 32) == Receipt(url="", id="")
    assert time.monotonic() - started >= 0.3 and len(peer.posts) == 1


def test_no_dedupe_and_no_secret_in_repr(peer: SlackPeer) -> None:
    chan = channel(peer)
    assert chan.resend_is_harmless is False and chan.lookup("k" * 32).state == "unknown"
    no_secret(peer, repr(chan), repr(chan.api))


@pytest.mark.parametrize(
    ("url", "words"),
    [
        (f"http://hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET}", "must start with https://"),
        (f"hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET}", "starts with https://hooks.slack.com"),
        (f"https://hooks.slack.com/services/T0SHOP01/{SECRET}", "not an incoming webhook's address"),
        (f"https://hooks.slack.com/triggers/T0SHOP01/123/{SECRET}", "Workflow Builder"),
        (f"https://discord.com/api/webhooks/123456789/{SECRET}", "not an incoming webhook's address"),
        (
            f"https://hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET}?x=1",
            "parts a webhook address never",
        ),
    ],
)
def test_only_incoming_webhook_addresses_are_taken(url: str, words: str) -> None:
    problem = webhook_problem(url)
    assert problem is not None and words in problem
    with pytest.raises(ChannelConfigError) as info:
        SlackChannel(url, name="Team Slack")
    assert words in str(info.value) and SECRET not in str(info.value)


def test_real_and_loopback_addresses_are_taken() -> None:
    assert webhook_problem(f"https://hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET}") is None
    assert webhook_problem(f"http://127.0.0.1:9/services/T0SHOP01/B0OUTAGE1/{SECRET}") is None


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="sl", type="slack", name="Team Slack", platform="slack", extra=extra)


def test_from_settings() -> None:
    made = from_settings(table(), f" https://hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET} ")
    assert made.name == "Team Slack" and SECRET not in repr(made)
    assert from_settings(table(), "").check().ok is False
    with pytest.raises(ChannelConfigError) as in_file:
        from_settings(table(webhook_url="https://hooks.slack.com/services/T1/B1/x"), "")
    assert "Take webhook_url out" in str(in_file.value)
    with pytest.raises(ChannelConfigError) as bad:
        from_settings(table(), f"https://example.com/{SECRET}")
    assert "Team Slack" in str(bad.value) and SECRET not in str(bad.value)


def test_through_the_outbox_a_lost_answer_stays_unknown(peer: SlackPeer) -> None:
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

        done = run_job(box, box.create(1, "notice", "sl", "Back online", clock()), channel(peer), clock)
        assert done.state is JobState.CONFIRMED and done.receipt_url == ""
        peer.fault = "hold"
        job = box.create(1, "update", "sl", "Still down", clock())
        lost = run_job(box, job, channel(peer, timeout=0.5), clock)
        assert lost.state is JobState.UNKNOWN and "may or may not" in lost.reason
        assert peer.held.wait(5.0) and len(peer.posts) == 2
        no_secret(peer, lost.reason)


def test_the_registry_builds_it() -> None:
    built = registry.build(table(), f"https://hooks.slack.com/services/T0SHOP01/B0OUTAGE1/{SECRET}")
    assert isinstance(built, SlackChannel)
    assert registry.fields("slack") == ((), registry.module("slack").SECRET)
