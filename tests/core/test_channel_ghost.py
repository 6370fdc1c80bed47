"""The Ghost channel against a loopback Ghost Admin API (tests/support/ghost_peer.py) on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import logging
import socket
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError, registry
from outagetray.core.channels.ghost import SETTLE_SECONDS, GhostChannel, admin_token, from_settings, slug_for
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import NOT_SENT, JobState, Outbox, SendRejected, run_job
from outagetray.core.profile import Channel as ChannelTable
from tests.support.ghost_peer import GhostPeer

TEXT = (
    "Title: Instagram is down for us too\n\nWe cannot answer messages there.\nMail us: http://127.0.0.1/help"
)


@pytest.fixture(scope="module")
def server() -> Iterator[GhostPeer]:
    with GhostPeer() as peer:
        yield peer


@pytest.fixture
def peer(server: GhostPeer) -> Iterator[GhostPeer]:
    server.reset()
    yield server
    server.reset()


def new_key() -> str:
    return uuid.uuid4().hex


def channel(peer: GhostPeer, key: str | None = None, **kwargs: Any) -> GhostChannel:
    kwargs.setdefault("timeout", 5.0)
    client = kwargs.pop("client", None) or HttpClient(connect_timeout=1.0, read_timeout=5.0)
    return GhostChannel(peer.base_url, peer.admin_key if key is None else key, client=client, **kwargs)


def ours(peer: GhostPeer, key: str) -> list[dict[str, Any]]:
    return [p for p in peer.posts if p["slug"].startswith(slug_for(key))]


def claims(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body, _ = token.split(".")
    pad = lambda part: part + "=" * (-len(part) % 4)  # noqa: E731
    return json.loads(base64.urlsafe_b64decode(pad(head))), json.loads(base64.urlsafe_b64decode(pad(body)))


def test_the_token_is_the_one_ghost_documents() -> None:
    header, payload = claims(admin_token("abc123:" + "00ff" * 16, 1_700_000_000.7))
    assert header == {"alg": "HS256", "typ": "JWT", "kid": "abc123"}
    assert payload == {"iat": 1_700_000_000, "exp": 1_700_000_300, "aud": "/admin/"}
    for broken in ("", "nocolon", "id:not-hex", ":" + "00" * 16, "id:"):
        with pytest.raises(ValueError) as info:
            admin_token(broken, 0)
        assert broken == "" or broken not in str(info.value)


def test_the_slug_is_stable_per_key_and_differs_between_keys() -> None:
    key = "0123456789abcdef0123456789abcdef"
    assert slug_for(key) == slug_for(key.upper()) == "outagetray-0123456789abcdef"
    assert slug_for("f" * 32) != slug_for(key)


def test_a_server_that_repeats_the_token_has_it_masked(
    peer: GhostPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, new_key())
    assert info.value.retryable is False and "Bad request with Ghost ***" in info.value.reason
    assert "\n" not in info.value.reason
    assert peer.tokens[-1] not in info.value.reason and peer.tokens[-1] not in caplog.text


def test_send_publishes_with_the_slug_and_returns_the_link(peer: GhostPeer) -> None:
    key = new_key()
    receipt = channel(peer).send(TEXT, key)
    [post] = ours(peer, key)
    assert receipt.url == f"{peer.base_url}/{slug_for(key)}/" and receipt.id == post["id"]
    assert post["slug"] == slug_for(key) and post["status"] == "published"
    assert post["title"] == "Instagram is down for us too"
    assert '<a href="http://127.0.0.1/help">' in post["html"] and "<p>We cannot answer" in post["html"]
    assert ("POST", "/ghost/api/admin/posts/?source=html") in peer.requests


def test_draft_and_a_title_from_the_first_line(peer: GhostPeer) -> None:
    key = new_key()
    channel(peer, status="draft").send("Our shop is open\nCall us", key)
    [post] = ours(peer, key)
    assert post["status"] == "draft" and post["title"] == "Our shop is open"


def test_a_second_post_is_not_harmless_and_lookup_finds_the_first(peer: GhostPeer) -> None:
    key = new_key()
    chan = channel(peer)
    first = chan.send(TEXT, key)
    chan.send(TEXT, key)  # what the outbox never does without a lookup: Ghost makes "-2"
    assert [p["slug"] for p in ours(peer, key)] == [slug_for(key), slug_for(key) + "-2"]
    assert chan.resend_is_harmless is False
    found = chan.lookup(key)
    assert found.state == "sent" and found.receipt == first


def test_lookup_proves_a_key_that_never_posted(peer: GhostPeer) -> None:
    assert channel(peer).lookup(new_key()) == NOT_SENT


def test_lookup_proves_nothing_when_it_cannot_see_clearly(peer: GhostPeer) -> None:
    key = new_key()
    wrong = peer.key_id + ":" + "ab" * 32
    assert channel(peer, key=wrong).lookup(key).state == "unknown"  # 401 is not "not found"
    peer.fault = "html-all"
    assert channel(peer).lookup(key).state == "unknown"
    peer.fault = "503-all"
    assert channel(peer).lookup(key).state == "unknown"
    peer.fault = None
    wrong_place = GhostChannel(
        peer.base_url + "/blog", peer.admin_key, client=HttpClient(connect_timeout=1.0)
    )
    assert wrong_place.lookup(key).state == "unknown"  # a 404 that is not Ghost's NotFoundError
    assert channel(peer).lookup(key) == NOT_SENT


def test_a_wrong_secret_fails_the_signature(peer: GhostPeer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong_secret = "cd" * 32
    wrong = f"{peer.key_id}:{wrong_secret}"
    key = new_key()
    chan = channel(peer, key=wrong)
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, key)
    assert info.value.retryable is False
    assert "refused the credentials (Invalid token: invalid signature)" in info.value.reason
    assert "Admin API key" in info.value.reason
    health = chan.check()
    assert health.ok is False and "refused the credentials" in health.message
    for shown in (str(info.value), repr(info.value), health.message, repr(health), repr(chan), caplog.text):
        assert wrong_secret not in shown and peer.secret_hex not in shown
    assert ours(peer, key) == []


def test_an_unknown_key_and_an_expired_token_are_refused(peer: GhostPeer) -> None:
    other = "ffffffffffffffffffffffff:" + peer.secret_hex
    with pytest.raises(SendRejected) as info:
        channel(peer, key=other).send(TEXT, new_key())
    assert "Unknown Admin API Key" in info.value.reason and info.value.retryable is False
    late = HttpClient(connect_timeout=1.0, wall=lambda: peer.clock() - 400)  # our clock runs 400 s behind
    with pytest.raises(SendRejected) as info:
        channel(peer, client=late).send(TEXT, new_key())
    assert "jwt expired" in info.value.reason


def test_the_token_is_reused_then_renewed() -> None:
    now = [1_700_000_000.0]
    with GhostPeer(clock=lambda: now[0]) as peer:
        chan = channel(peer, client=HttpClient(connect_timeout=1.0, wall=lambda: now[0]))
        chan.send(TEXT, new_key())
        now[0] += 200  # still valid for another 100 s: the same token
        chan.send(TEXT, new_key())
        now[0] += 50  # less than a minute left: a new one
        chan.send(TEXT, new_key())
        now[0] += 1000  # long after: a new one, and Ghost accepts it
        assert chan.check().ok is True
    assert len(peer.posts) == 3
    first, second, third, fourth = peer.tokens
    assert first == second and len({second, third, fourth}) == 3


def test_rate_limit_is_retryable_with_the_wait(peer: GhostPeer) -> None:
    peer.fault = "429"
    key = new_key()
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, key)
    assert info.value.retryable is True and info.value.retry_after == 30
    assert "30 s" in info.value.reason
    assert ours(peer, key) == []


def test_503_is_retryable_but_500_may_have_saved_the_post(peer: GhostPeer) -> None:
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, new_key())
    assert info.value.retryable is True and "503" in info.value.reason
    peer.fault = "500"
    with pytest.raises(NoAnswer):
        channel(peer).send(TEXT, new_key())


def test_timeout_after_the_post_was_made_is_no_answer_and_lookup_settles_it(
    peer: GhostPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault = "slow"
    key = new_key()
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=0.5).send(TEXT, key)
    assert not isinstance(info.value, SendRejected)
    assert peer.secret_hex not in str(info.value) and peer.secret_hex not in caplog.text
    assert peer.wait_for_posts(1) and len(ours(peer, key)) == 1
    peer.fault = None
    found = channel(peer).lookup(key)
    assert (
        found.state == "sent" and found.receipt is not None and found.receipt.id == ours(peer, key)[0]["id"]
    )


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def outbox() -> Iterator[Outbox]:
    with IncidentLog.empty() as log:
        log.connection.execute(
            "INSERT INTO incidents (id, owner, worst, started_at, confirmed_at)"
            " VALUES (1, 'Meta', 'major', ?, ?)",
            (now().isoformat(), now().isoformat()),
        )
        yield Outbox(log)


def test_the_outbox_confirms_a_lost_answer_by_lookup(peer: GhostPeer, outbox: Outbox) -> None:
    peer.fault = "slow"
    job = outbox.create(1, "notice", "news", TEXT, now())
    done = run_job(outbox, job, channel(peer, timeout=0.5), now)
    assert done.state is JobState.CONFIRMED
    assert done.receipt_url == f"{peer.base_url}/{slug_for(job.key)}/"
    assert len(ours(peer, job.key)) == 1


def test_a_post_still_landing_is_never_called_not_sent(peer: GhostPeer, outbox: Outbox) -> None:
    peer.fault = "hold"  # Ghost holds the request before saving, past our deadline
    chan = channel(peer, timeout=0.5)
    job = outbox.create(1, "notice", "news", TEXT, now())
    done = run_job(outbox, job, chan, now)
    assert ours(peer, job.key) == []  # not there yet, and yet...
    assert done.state is JobState.UNKNOWN  # ...not "failed, send again": it may still land
    assert chan.lookup(job.key).state == "unknown"
    before = len(peer.posts)
    peer.release()
    assert peer.wait_for_posts(before + 1)
    found = chan.lookup(job.key)
    assert found.state == "sent" and found.receipt is not None
    assert len(ours(peer, job.key)) == 1


def test_after_a_gateway_gave_up_not_found_is_believed_only_once_the_post_had_time_to_land(
    peer: GhostPeer,
) -> None:
    clock = [1000.0]
    chan = channel(peer, client=HttpClient(connect_timeout=1.0, monotonic=lambda: clock[0]))
    peer.fault = "504"
    key = new_key()
    with pytest.raises(NoAnswer):
        chan.send(TEXT, key)
    peer.fault = None
    assert chan.lookup(key).state == "unknown"
    clock[0] += SETTLE_SECONDS + 1
    assert chan.lookup(key) == NOT_SENT


def test_a_page_in_front_of_the_api_fails_the_job_retryably_and_it_goes_once(
    peer: GhostPeer, outbox: Outbox
) -> None:
    peer.fault = "html"
    job = outbox.create(1, "notice", "news", TEXT, now())
    first = run_job(outbox, job, channel(peer), now)
    assert first.state is JobState.FAILED and first.retryable
    peer.fault = None
    assert run_job(outbox, first, channel(peer), now).state is JobState.CONFIRMED
    assert len(ours(peer, job.key)) == 1


def test_a_web_page_with_200_is_no_answer_and_lookup_proves_nothing_was_made(peer: GhostPeer) -> None:
    peer.fault = "html"
    key = new_key()
    with pytest.raises(NoAnswer) as info:
        channel(peer).send(TEXT, key)
    assert "Check the Ghost address" in str(info.value)
    peer.fault = None
    assert channel(peer).lookup(key) == NOT_SENT


def test_a_title_ghost_refuses_is_a_plain_refusal(peer: GhostPeer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("Title: " + "x" * 300 + "\n\nbody", new_key())
    assert info.value.retryable is False
    assert "error 422" in info.value.reason and "Validation error" in info.value.reason


def test_nobody_listening_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = GhostChannel(f"http://127.0.0.1:{port}", "a1:" + "00" * 32, client=HttpClient(connect_timeout=1.0))
    with pytest.raises(NotSent) as info:
        chan.send(TEXT, new_key())
    assert info.value.retryable is True
    assert chan.check().ok is False
    assert chan.lookup(new_key()).state == "unknown"


def test_check_proves_the_key_without_posting(peer: GhostPeer) -> None:
    before = len(peer.posts)
    health = channel(peer).check()
    assert health.ok is True and health.message == "The Admin API key works on 127.0.0.1."
    assert len(peer.posts) == before
    assert peer.requests[-1] == ("GET", "/ghost/api/admin/posts/?limit=1&fields=id")


def test_a_missing_or_broken_key_is_said_plainly(peer: GhostPeer) -> None:
    table = ChannelTable("news", "ghost", "Shop news", extra={"base_url": peer.base_url})
    chan = from_settings(table, "")
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, new_key())
    assert info.value.retryable is False
    assert info.value.reason == "No Admin API key is saved for Shop news. Add it in OutageTray's settings."
    assert chan.check().message == info.value.reason
    assert chan.lookup(new_key()).state == "unknown"
    broken = "just-the-secret-" + peer.secret_hex
    chan = from_settings(table, broken)
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, new_key())
    assert "is not complete" in info.value.reason and info.value.retryable is False
    assert broken not in info.value.reason and peer.secret_hex not in chan.check().message
    assert peer.requests == [r for r in peer.requests if "just-the-secret" not in r[1]]


def test_from_settings_builds_a_working_channel(peer: GhostPeer) -> None:
    table = ChannelTable("news", "ghost", "Shop news", extra={"base_url": peer.base_url, "status": "draft"})
    chan = from_settings(table, "  " + peer.admin_key + "\n")
    assert chan.status == "draft"
    key = new_key()
    chan.send(TEXT, key)
    assert ours(peer, key)[0]["status"] == "draft"
    assert peer.secret_hex not in repr(chan) and peer.key_id not in repr(chan)


def test_the_registry_builds_it_and_shows_its_fields(peer: GhostPeer) -> None:
    table = ChannelTable("news", "ghost", "Shop news", extra={"base_url": peer.base_url})
    built = registry.build(table, peer.admin_key)
    assert isinstance(built, GhostChannel) and built.check().ok is True
    fields, secret = registry.fields("ghost")
    assert [f.key for f in fields] == ["base_url", "status"]
    assert secret is not None and secret.kind == "secret"


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({}, "write base_url"),
        ({"base_url": "news.example.com"}, "must start with https://"),
        ({"base_url": "https://u:p@news.example.com"}, "Leave the user name"),
        ({"base_url": "https://news.example.com/ghost/"}, "leave /ghost off"),
        ({"base_url": "https://news.example.com", "status": "publish"}, '"published" or "draft"'),
    ],
)
def test_from_settings_says_which_key_to_fix(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(ChannelTable("news", "ghost", "Shop news", extra=extra), "a1:" + "7e" * 32)
    assert words in str(info.value) and "Shop news" in str(info.value)
    assert "7e7e" not in str(info.value)
