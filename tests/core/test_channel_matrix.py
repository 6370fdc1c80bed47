"""The Matrix channel against a real Synapse on loopback, and a small HTTP peer for the faults.

Synapse (tests/support/matrix_peer.py) proves what a real homeserver does with our calls:
the message arrives as sent, the same transaction id twice makes one event, and its own
refusals (a bad token, a room the account is not in, a read-only room) reach the user as
plain words. What Synapse will not do on demand (rate limits, 5xx, a lost answer, a web
page instead of JSON) is played by a peer written from the Matrix client-server spec's
error shape: ``{"errcode": "M_…", "error": "…"}``, ``retry_after_ms`` on M_LIMIT_EXCEEDED.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.matrix import JOB_FIELD, MatrixChannel, from_settings, matrix_to, txn_id
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.outbox import CANNOT_TELL, Lookup, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.matrix_peer import MatrixPeer, matrix_peer

KEY = "0123456789abcdef0123456789abcdef"
OTHER = "fedcba9876543210fedcba9876543210"
FAKE_TOKEN = "syt_Very_Secret_Token_0123456789"
ROOM = "!fake:example.test"


def _client() -> HttpClient:
    return HttpClient(connect_timeout=1.0, read_timeout=0.5)


def _secret_free(token: str, *texts: object) -> None:
    for text in texts:
        assert token not in str(text) and token not in repr(text)


# -- against a real Synapse -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def synapse() -> Iterator[MatrixPeer]:
    with matrix_peer() as peer:
        yield peer


@pytest.fixture(scope="module")
def outsider(synapse: MatrixPeer) -> tuple[str, str]:
    """A second account on the server that has joined none of the main user's rooms."""
    return synapse.register("outsider")


def real(synapse: MatrixPeer, room: str = "", token: str | None = None) -> MatrixChannel:
    return MatrixChannel(
        synapse.base_url,
        room or synapse.room_id,
        synapse.token if token is None else token,
        name="Newsroom",
        client=_client(),
        timeout=10.0,
    )


def ours(synapse: MatrixPeer, room: str, key: str) -> list[dict[str, Any]]:
    return [m for m in synapse.messages(room) if m["content"].get(JOB_FIELD) == key]


def test_send_arrives_with_a_receipt_that_links_to_it(synapse: MatrixPeer) -> None:
    room = synapse.create_room()
    text = "We are back online.\n\nDetails: https://status.example/incident/7 & more"
    receipt = real(synapse, room).send(text, KEY)
    [message] = synapse.messages(room)
    assert message["event_id"] == receipt.id and receipt.id.startswith("$")
    assert message["sender"] == synapse.user_id
    assert message["content"]["body"] == text
    assert message["content"]["msgtype"] == "m.text"
    assert message["content"]["format"] == "org.matrix.custom.html"
    html = message["content"]["formatted_body"]
    assert '<a href="https://status.example/incident/7">' in html and "&amp; more" in html
    assert receipt.url == matrix_to(room, receipt.id)
    assert receipt.url.startswith("https://matrix.to/#/%21") and "/%24" in receipt.url


def test_same_key_twice_is_one_message_with_one_id(synapse: MatrixPeer) -> None:
    room = synapse.create_room()
    channel = real(synapse, room)
    first = channel.send("Outage update", KEY)
    again = real(synapse, room).send("Outage update", KEY)  # a new channel object: a restarted app
    assert again == first
    assert len(ours(synapse, room, KEY)) == 1
    other = channel.send("Outage update", OTHER)
    assert other.id != first.id
    assert len(synapse.messages(room)) == 2


def test_lookup_finds_the_message_a_key_made(synapse: MatrixPeer) -> None:
    room = synapse.create_room()
    channel = real(synapse, room)
    assert channel.lookup(KEY) == CANNOT_TELL  # nothing found is no proof
    receipt = channel.send("Found again", KEY)
    assert channel.lookup(KEY) == Lookup("sent", receipt)
    assert channel.lookup(OTHER) == CANNOT_TELL


def test_room_alias_is_resolved(synapse: MatrixPeer) -> None:
    channel = real(synapse, "#outage-news:localhost")
    receipt = channel.send("By the room's address", KEY)
    assert receipt.url == matrix_to(synapse.room_id, receipt.id)
    assert ours(synapse, synapse.room_id, KEY)[-1]["event_id"] == receipt.id
    assert channel.check().ok


def test_unknown_alias_is_plain_words(synapse: MatrixPeer) -> None:
    channel = real(synapse, "#nowhere:localhost")
    with pytest.raises(SendRejected) as info:
        channel.send("hello", KEY)
    assert info.value.retryable is False
    assert "knows no room called #nowhere:localhost" in info.value.reason
    assert not channel.check().ok


def test_bad_token_is_not_retryable_and_never_shown(
    synapse: MatrixPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    room = synapse.create_room()
    wrong = "syt_bm90X2FfdG9rZW4_WrongWrongWrong_0abc12"
    channel = real(synapse, room, token=wrong)
    with pytest.raises(SendRejected) as info:
        channel.send("hello", KEY)
    assert info.value.retryable is False
    assert "did not accept the access token" in info.value.reason
    assert "save it in OutageTray's settings" in info.value.reason
    health = channel.check()
    assert not health.ok and "did not accept the access token" in health.message
    _secret_free(wrong, info.value, health, channel, caplog.text)
    assert synapse.messages(room) == []


def test_room_the_account_is_not_in(synapse: MatrixPeer, outsider: tuple[str, str]) -> None:
    room = synapse.create_room()
    _, token = outsider
    channel = real(synapse, room, token=token)
    with pytest.raises(SendRejected) as info:
        channel.send("hello", KEY)
    assert info.value.retryable is False
    assert "Join the room" in info.value.reason
    health = channel.check()
    assert not health.ok
    assert "not in the room" in health.message and "Join the room" in health.message
    _secret_free(token, info.value, health, channel)
    assert synapse.messages(room) == []


def test_check_catches_a_room_where_the_account_may_not_write(
    synapse: MatrixPeer, outsider: tuple[str, str]
) -> None:
    user, token = outsider
    room = synapse.create_room(invite=[user], power_level_content_override={"events_default": 50})
    status, _ = synapse.call("POST", f"/_matrix/client/v3/join/{room}", {}, token=token)
    assert status == 200
    channel = real(synapse, room, token=token)
    health = channel.check()
    assert not health.ok and "only some members" in health.message
    with pytest.raises(SendRejected) as info:
        channel.send("hello", KEY)
    assert "ask a room admin" in info.value.reason


def test_check_ok(synapse: MatrixPeer) -> None:
    health = real(synapse).check()
    assert health.ok, health.message
    assert synapse.user_id in health.message
    _secret_free(synapse.token, health)


# -- a Matrix peer for what Synapse will not do on demand -----------------------------------------


class FakeMatrix:
    """Answers the three calls the channel makes, with the spec's error shape."""

    def __init__(self) -> None:
        self.fault = ""
        self.sent: dict[str, str] = {}
        self.alias_calls = 0
        self.send_calls = 0
        self.release = threading.Event()

    def send(self, request: Request) -> Response:
        self.send_calls += 1
        if request.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}":
            return _json({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}, 401)
        if self.fault == "429":
            return _json(
                {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests", "retry_after_ms": 2500}, 429
            )
        if self.fault in ("500", "503"):
            return Response("<html>Bad gateway</html>", status=int(self.fault), content_type="text/html")
        if self.fault == "413":
            return _json({"errcode": "M_TOO_LARGE", "error": "event too large"}, 413)
        if self.fault == "echo":  # a careless server repeating the token in its words
            return _json({"errcode": "M_BAD_JSON", "error": f"bad body for {FAKE_TOKEN}"}, 400)
        if self.fault == "html":
            return Response("<html><body>Welcome to the hotel Wi-Fi</body></html>", content_type="text/html")
        if self.fault == "hold":
            self.release.wait(5)  # holds the answer past the channel's deadline
        txn = request.path.rsplit("/", 1)[-1]
        event = self.sent.setdefault(txn, f"$event{len(self.sent)}")
        return _json({"event_id": event})

    def whoami(self, request: Request) -> Response:
        if request.headers.get("Authorization") != f"Bearer {FAKE_TOKEN}":
            return _json({"errcode": "M_UNKNOWN_TOKEN", "error": "Invalid access token passed."}, 401)
        if self.fault == "html":
            return Response("<html>login page</html>", content_type="text/html")
        return _json({"user_id": "@shop:example.test"})

    def members(self, request: Request) -> Response:
        return _json({"joined": {"@shop:example.test": {}}})

    def levels(self, request: Request) -> Response:
        return _json({"users": {}, "events_default": 0})

    def alias(self, request: Request) -> Response:
        self.alias_calls += 1
        if self.fault == "hold":
            self.release.wait(5)
        return _json({"room_id": ROOM, "servers": ["example.test"]})


def _json(data: Any, status: int = 200) -> Response:
    return Response(json.dumps(data), status=status, content_type="application/json")


@pytest.fixture
def fake(httpserver: HTTPServer) -> Iterator[tuple[FakeMatrix, str]]:
    peer = FakeMatrix()
    room = ROOM  # the server sees the path decoded
    httpserver.expect_request(
        f"/_matrix/client/v3/rooms/{room}/send/m.room.message/{txn_id(KEY)}", method="PUT"
    ).respond_with_handler(peer.send)
    httpserver.expect_request("/_matrix/client/v3/account/whoami").respond_with_handler(peer.whoami)
    httpserver.expect_request(f"/_matrix/client/v3/rooms/{room}/joined_members").respond_with_handler(
        peer.members
    )
    httpserver.expect_request(
        f"/_matrix/client/v3/rooms/{room}/state/m.room.power_levels/"
    ).respond_with_handler(peer.levels)
    httpserver.expect_request("/_matrix/client/v3/directory/room/#news:example.test").respond_with_handler(
        peer.alias
    )
    try:
        yield peer, httpserver.url_for("").rstrip("/")
    finally:
        peer.release.set()


def fake_channel(base: str, room: str = ROOM, token: str = FAKE_TOKEN) -> MatrixChannel:
    return MatrixChannel(base, room, token, name="Shop room", client=_client(), timeout=0.5)


def test_fake_peer_accepts_a_send(fake: tuple[FakeMatrix, str]) -> None:
    _, base = fake
    receipt = fake_channel(base).send("hi", KEY)
    assert receipt.id == "$event0"
    assert receipt.url == "https://matrix.to/#/%21fake%3Aexample.test/%24event0?via=example.test"
    assert fake_channel(base).check().ok


def test_rate_limit_is_retryable_with_the_wait(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "429"
    with pytest.raises(SendRejected) as info:
        fake_channel(base).send("hi", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert info.value.retryable is True
    assert info.value.retry_after == pytest.approx(2.5)
    assert "wait 2 s" in info.value.reason or "wait 3 s" in info.value.reason


def test_a_503_made_nothing_and_is_retryable(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "503"
    with pytest.raises(SendRejected) as info:
        fake_channel(base).send("hi", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert info.value.retryable is True
    assert "error 503" in info.value.reason and "<html" not in info.value.reason


def test_a_500_may_follow_the_post_so_it_is_no_answer(fake: tuple[FakeMatrix, str]) -> None:
    """The transaction id then makes the sender's resend harmless."""
    peer, base = fake
    peer.fault = "500"
    with pytest.raises(NoAnswer) as info:
        fake_channel(base).send("hi", KEY)
    assert peer.send_calls == 1 and not isinstance(info.value, SendRejected)
    assert "error 500" in str(info.value) and "<html" not in str(info.value)


def test_too_large_is_plain_and_final(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "413"
    with pytest.raises(SendRejected) as info:
        fake_channel(base).send("x", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert info.value.retryable is False
    assert "too large" in info.value.reason and "Shorten it" in info.value.reason


def test_server_words_are_shown_without_the_token(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "echo"
    with pytest.raises(SendRejected) as info:
        fake_channel(base).send("x", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert "bad body for ***" in info.value.reason
    _secret_free(FAKE_TOKEN, info.value)


def test_lost_answer_after_send_is_no_answer(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "hold"
    with pytest.raises(NoAnswer) as info:
        fake_channel(base).send("hi", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert "may or may not" in str(info.value)
    _secret_free(FAKE_TOKEN, info.value)


def test_lost_answer_while_resolving_the_alias_sent_nothing(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "hold"
    with pytest.raises(SendRejected) as info:
        fake_channel(base, room="#news:example.test").send("hi", KEY)
    assert info.value.retryable is True and "Nothing was sent" in info.value.reason
    assert peer.sent == {}


def test_alias_is_asked_once(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    channel = fake_channel(base, room="#news:example.test")
    first = channel.send("hi", KEY)
    assert channel.send("hi", KEY) == first
    assert channel.check().ok
    assert peer.alias_calls == 1


def test_refused_connection_is_not_sent() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with pytest.raises(NotSent) as info:
        fake_channel(f"http://127.0.0.1:{port}").send("hi", KEY)
    assert info.value.retryable is True
    health = fake_channel(f"http://127.0.0.1:{port}").check()
    assert not health.ok and "could not be reached" in health.message


def test_web_page_with_200_is_not_a_receipt(fake: tuple[FakeMatrix, str]) -> None:
    peer, base = fake
    peer.fault = "html"
    with pytest.raises(NoAnswer) as info:
        fake_channel(base).send("hi", KEY)
    assert peer.send_calls == 1  # the send reached the peer
    assert "not known whether the message was posted" in str(info.value)
    health = fake_channel(base).check()
    assert not health.ok and "did not answer like a Matrix server" in health.message


def test_missing_token_says_where_to_add_it(fake: tuple[FakeMatrix, str]) -> None:
    _, base = fake
    channel = fake_channel(base, token="")
    with pytest.raises(SendRejected) as info:
        channel.send("hi", KEY)
    assert info.value.retryable is False
    assert info.value.reason == (
        "No Matrix access token is saved for Shop room. Add it in OutageTray's settings."
    )
    assert channel.check().message == info.value.reason
    assert channel.lookup(KEY) == CANNOT_TELL


# -- settings -------------------------------------------------------------------------------------


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="room", type="matrix", name="Team room", extra=extra)


def test_from_settings_defaults_to_matrix_org() -> None:
    channel = from_settings(table(room="#news:matrix.org"), FAKE_TOKEN)
    assert channel.base_url == "https://matrix.org"
    assert channel.resend_is_harmless is True
    assert FAKE_TOKEN not in repr(channel) and "#news:matrix.org" in repr(channel)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({}, "Write the room to post in as room"),
        ({"room": "news"}, "#news:matrix.org"),
        ({"room": "#news"}, "#news:matrix.org"),
        ({"room": "!"}, "room id"),
        ({"room": "#news:matrix.org", "base_url": "matrix.org"}, "must start with https://"),
        ({"room": "#news:matrix.org", "base_url": "https://me:pw@matrix.org"}, "Leave the user name"),
    ],
)
def test_from_settings_says_what_to_write(extra: dict[str, str], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(table(**extra), FAKE_TOKEN)
    assert words in str(info.value)
    _secret_free(FAKE_TOKEN, info.value)
