"""The Mastodon channel against a loopback Mastodon peer (pytest-httpserver on 127.0.0.1)."""

from __future__ import annotations

import json
import logging
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.channels.mastodon import MastodonChannel, SendUnknown
from outagetray.core.http import HttpClient
from outagetray.core.outbox import Health, Receipt, SendRejected

TOKEN = "tok-Very-Secret-0123456789"
LIMIT = 500


class Peer:
    """A small Mastodon: checks the token, keeps statuses, honours Idempotency-Key."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.statuses: list[dict[str, Any]] = []
        self.by_key: dict[str, dict[str, Any]] = {}
        self.fault: str | None = None
        self.seen_auth: list[str] = []

    def statuses_handler(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs(request.get_data(as_text=True)).items()}
        if self.fault == "sleep":
            time.sleep(1.5)  # past the client's read timeout, after the body was read
        self.seen_auth.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json({"error": "The access token is invalid"}, 401)
        if self.fault == "429":
            return _json({"error": "Too many requests"}, 429, {"Retry-After": "30"})
        if self.fault == "echo":  # a careless server that repeats the token in its error
            return _json({"error": f"Bad request with token {TOKEN}\nsecond line"}, 400)
        if self.fault == "503":
            return Response("busy", status=503)
        key = request.headers.get("Idempotency-Key", "")
        if key and key in self.by_key:
            return _json(self.by_key[key])
        text = form.get("status", "")
        if len(text) > LIMIT:
            return _json({"error": f"Validation failed: Text character limit of {LIMIT} exceeded"}, 422)
        number = str(100 + len(self.statuses))
        status = {
            "id": number,
            "url": f"{self.base}/@shop/{number}",
            "content": text,
            "visibility": form.get("visibility", ""),
        }
        self.statuses.append(status)
        if key:
            self.by_key[key] = status
        return _json(status)

    def verify_handler(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return _json({"error": "The access token is invalid"}, 401)
        return _json({"id": "1", "username": "shop", "acct": "shop"})


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers, content_type="application/json")


@pytest.fixture
def peer(httpserver: HTTPServer) -> Iterator[Peer]:
    base = httpserver.url_for("").rstrip("/")
    mastodon = Peer(base)
    httpserver.expect_request("/api/v1/statuses", method="POST").respond_with_handler(
        mastodon.statuses_handler
    )
    httpserver.expect_request("/api/v1/accounts/verify_credentials", method="GET").respond_with_handler(
        mastodon.verify_handler
    )
    yield mastodon


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "the peer never got there"
        time.sleep(0.05)


def channel(peer: Peer, token: str = TOKEN, **kwargs: Any) -> MastodonChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=0.5)
    return MastodonChannel(peer.base, token, client=client, **kwargs)


def test_send_posts_and_returns_receipt(peer: Peer) -> None:
    receipt = channel(peer, visibility="unlisted").send("We are back online.", "job-1")
    assert receipt == Receipt(url=f"{peer.base}/@shop/100", id="100")
    assert peer.statuses[0]["content"] == "We are back online."
    assert peer.statuses[0]["visibility"] == "unlisted"
    assert peer.seen_auth == [f"Bearer {TOKEN}"]


def test_repeated_key_creates_one_status(peer: Peer) -> None:
    chan = channel(peer)
    first = chan.send("Outage update", "job-same")
    second = chan.send("Outage update", "job-same")
    assert first == second
    assert len(peer.statuses) == 1
    chan.send("Outage update", "job-other")
    assert len(peer.statuses) == 2


def test_refused_token_is_not_retryable_and_never_shown(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-Secret-Token-999"
    with pytest.raises(SendRejected) as info:
        channel(peer, token=wrong).send("hello", "k")
    assert info.value.retryable is False
    assert "access token was refused" in info.value.reason
    assert wrong not in str(info.value) and wrong not in caplog.text
    assert peer.statuses == []


def test_too_long_is_rejected_with_server_words(peer: Peer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer).send("x" * (LIMIT + 1), "k")
    assert info.value.retryable is False
    assert "character limit of 500" in info.value.reason
    assert peer.statuses == []


def test_rate_limit_is_retryable_and_says_the_wait(peer: Peer) -> None:
    peer.fault = "429"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k")
    assert info.value.retryable is True
    assert "30 s" in info.value.reason


def test_server_error_is_retryable(peer: Peer) -> None:
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k")
    assert info.value.retryable is True
    assert "503" in info.value.reason


def test_timeout_after_sending_is_unknown_not_rejected(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault = "sleep"
    with pytest.raises(Exception) as info:
        channel(peer).send("hello", "job-slow")
    assert not isinstance(info.value, SendRejected)
    assert isinstance(info.value, SendUnknown)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
    assert info.value.__cause__ is None
    wait_for(lambda: len(peer.statuses) == 1)  # the post exists: that is why it is unknown


def test_unknown_job_resent_with_same_key_is_harmless(peer: Peer) -> None:
    peer.fault = "sleep"
    with pytest.raises(SendUnknown):
        channel(peer).send("hello", "job-slow")
    wait_for(lambda: len(peer.statuses) == 1)  # the slow handler did store it
    peer.fault = None
    receipt = channel(peer).send("hello", "job-slow")
    assert len(peer.statuses) == 1
    assert receipt.id == peer.statuses[0]["id"]


def test_nobody_listening_is_a_retryable_refusal() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = MastodonChannel(f"http://127.0.0.1:{port}", TOKEN, client=HttpClient(connect_timeout=1.0))
    with pytest.raises(SendRejected) as info:
        chan.send("hello", "k")
    assert info.value.retryable is True
    assert TOKEN not in str(info.value)
    assert chan.check().ok is False


def test_check_names_the_account(peer: Peer) -> None:
    assert channel(peer).check() == Health(True, "Signed in as @shop on 127.0.0.1.")


def test_check_with_bad_token(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    health = channel(peer, token="bad-Secret-xyz").check()
    assert health.ok is False
    assert "access token was refused" in health.message
    assert "bad-Secret-xyz" not in health.message and "bad-Secret-xyz" not in caplog.text


def test_cannot_prove_and_repr_hides_token(peer: Peer) -> None:
    chan = channel(peer)
    assert chan.lookup("k").state == "unknown" and chan.resend_is_harmless is True
    assert TOKEN not in repr(chan)


def test_missing_token_and_bad_settings(peer: Peer) -> None:
    with pytest.raises(SendRejected) as info:
        channel(peer, token="").send("hello", "k")
    assert info.value.retryable is False
    assert peer.statuses == []
    with pytest.raises(ValueError):
        MastodonChannel("mastodon.social", TOKEN)
    with pytest.raises(ValueError):
        MastodonChannel("https://mastodon.social", TOKEN, visibility="everyone")


def test_server_text_that_echoes_the_token_is_masked(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        channel(peer).send("hello", "k")
    assert info.value.retryable is False
    assert "Bad request with token" in info.value.reason
    assert "\n" not in info.value.reason
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text
