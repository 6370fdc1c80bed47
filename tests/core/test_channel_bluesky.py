"""The Bluesky channel: real posts to a real PDS on loopback, and a small XRPC peer for the faults.

The real PDS (``@atproto/pds``, started once for this module by tests/support/bluesky_peer.py)
proves what matters most: link facets land on the right bytes, the same job key makes one
record, look-ups tell sent from not sent, and the PDS's own refusals read as plain words. The
small peer below, written from the XRPC conventions (``{"error": Name, "message": text}``,
``ratelimit-*`` headers), makes the faults a healthy PDS will not: 429, 5xx, a lost answer,
an HTML page, an expired token.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from outagetray.core.channels import ChannelConfigError
from outagetray.core.channels.bluesky import (
    COLLECTION,
    BlueskyChannel,
    from_settings,
    is_tid,
    post_url,
    record_key,
)
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.http import HttpClient
from outagetray.core.limits import bluesky_shorten_links, count
from outagetray.core.outbox import NOT_SENT, Health, SendRejected
from outagetray.core.profile import Channel as ChannelTable
from tests.support.bluesky_peer import BlueskyPeer, bluesky_peer, free_port

LONG_LINK = "https://status.example.com/incidents/2026-12-02-checkout-outage?utm_source=bsky"
KEY = "0123456789abcdef0123456789abcdef"


def key(n: int) -> str:
    return f"{n:032x}"


# -- the real PDS -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pds() -> Iterator[BlueskyPeer]:
    with bluesky_peer("acmeshop.test") as peer:
        yield peer


def real(pds: BlueskyPeer, password: str | None = None, **kwargs: Any) -> BlueskyChannel:
    secret = pds.password if password is None else password
    return BlueskyChannel(pds.base_url, pds.handle, secret, client=HttpClient(), timeout=20, **kwargs)


def records(pds: BlueskyPeer) -> list[dict[str, Any]]:
    found = pds.xrpc(
        "GET",
        "com.atproto.repo.listRecords",
        params={"repo": pds.did, "collection": COLLECTION, "limit": "100"},
    )
    return list(found["records"])


def record(pds: BlueskyPeer, rkey: str) -> dict[str, Any]:
    params = {"repo": pds.did, "collection": COLLECTION, "rkey": rkey}
    found: dict[str, Any] = pds.xrpc("GET", "com.atproto.repo.getRecord", params=params)
    return found


def head(pds: BlueskyPeer) -> str:
    rev: str = pds.xrpc("GET", "com.atproto.sync.getLatestCommit", params={"did": pds.did})["rev"]
    return rev


def test_posts_the_counted_text_with_link_facets_on_the_right_bytes(pds: BlueskyPeer) -> None:
    text = f"Checkout is down 😬 — Kasse gestört. Details: {LONG_LINK} and bsky.app too."
    receipt = real(pds, langs=("en", "de")).send(text, key(1))
    rkey = record_key(key(1))
    assert receipt.url == f"https://bsky.app/profile/acmeshop.test/post/{rkey}"
    assert receipt.id == f"at://{pds.did}/{COLLECTION}/{rkey}"
    value = record(pds, rkey)["value"]
    shown, _ = bluesky_shorten_links(text)
    assert value["text"] == shown  # the text the counter counted
    assert "status.example.com/incidents/20..." in value["text"] and LONG_LINK not in value["text"]
    raw = value["text"].encode("utf-8")
    links = {
        raw[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(): f["features"][0]["uri"]
        for f in value["facets"]
    }
    assert links == {"status.example.com/incidents/20...": LONG_LINK, "bsky.app": "https://bsky.app"}
    assert value["facets"][0]["features"][0]["$type"] == "app.bsky.richtext.facet#link"
    assert value["langs"] == ["en", "de"]
    assert value["createdAt"].endswith("Z") and "T" in value["createdAt"]


def test_a_text_the_counter_passes_at_the_limit_is_accepted(pds: BlueskyPeer) -> None:
    text = "é" * 252 + " " + LONG_LINK + " " + "🙂" * 12  # long before shortening, 300 after
    assert count("bluesky", text).length == 300 and count("bluesky", text).fits
    real(pds).send(text, key(2))
    assert record(pds, record_key(key(2)))["value"]["text"] == bluesky_shorten_links(text)[0]


def test_the_same_key_twice_makes_one_record_and_no_second_commit(pds: BlueskyPeer) -> None:
    first = real(pds).send("We are back online.", key(3))
    rkey = record_key(key(3))
    cid, rev = record(pds, rkey)["cid"], head(pds)
    again = real(pds).send("We are back online.", key(3))  # a new session: as after a restart
    assert again == first
    same_object = real(pds)
    assert same_object.send("We are back online.", key(3)) == first
    assert same_object.send("We are back online.", key(3)) == first
    assert [r["uri"] for r in records(pds)].count(first.id) == 1
    assert record(pds, rkey)["cid"] == cid  # the post was not rewritten
    assert head(pds) == rev  # and nothing was committed


def test_other_words_under_a_used_key_are_refused_and_the_post_left_alone(pds: BlueskyPeer) -> None:
    first = real(pds).send("Payments are slow.", key(4))
    cid = record(pds, record_key(key(4)))["cid"]
    with pytest.raises(SendRejected) as info:
        real(pds).send("Payments are fine now.", key(4))
    assert info.value.retryable is False
    assert "already posted" in info.value.reason and first.url in info.value.reason
    assert record(pds, record_key(key(4)))["cid"] == cid


def test_lookup_finds_a_post_and_proves_an_absent_one(pds: BlueskyPeer) -> None:
    chan = real(pds)
    sent = chan.send("Orders are delayed.", key(5))
    found = chan.lookup(key(5))
    assert found.state == "sent" and found.receipt == sent
    assert chan.lookup(key(6)) == NOT_SENT
    assert real(pds).lookup(key(5)).receipt == sent  # a fresh session finds it too


def test_a_wrong_password_is_refused_in_plain_words(
    pds: BlueskyPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wxyz-Wrong-Pass-9876"
    chan = real(pds, password=wrong)
    with pytest.raises(SendRejected) as info:
        chan.send("hello", key(7))
    assert info.value.retryable is False
    assert "refused the credentials" in info.value.reason and "app password" in info.value.reason
    health = chan.check()
    assert health.ok is False and "refused the credentials" in health.message
    for text in (str(info.value), info.value.reason, health.message, repr(chan), caplog.text):
        assert wrong not in text and pds.password not in text
    assert real(pds).lookup(key(7)) == NOT_SENT


def test_301_graphemes_are_refused_in_plain_words(pds: BlueskyPeer) -> None:
    with pytest.raises(SendRejected) as info:
        real(pds).send("a" * 300 + "😬", key(8))
    assert info.value.retryable is False
    assert "too long" in info.value.reason and "1 character over Bluesky's limit of 300" in info.value.reason
    assert "Error" not in info.value.reason and "$" not in info.value.reason
    assert real(pds).lookup(key(8)) == NOT_SENT


def test_over_3000_bytes_is_refused_in_plain_words(pds: BlueskyPeer) -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # one grapheme, 25 bytes
    with pytest.raises(SendRejected) as info:
        real(pds).send(family * 150, key(10))
    assert info.value.retryable is False
    assert "too long" in info.value.reason and "750 bytes over Bluesky's limit of 3,000" in info.value.reason
    assert real(pds).lookup(key(10)) == NOT_SENT


def test_check_signs_in_and_posts_nothing(pds: BlueskyPeer) -> None:
    before = head(pds)
    chan = real(pds)
    assert chan.check() == Health(True, "Signed in as @acmeshop.test on 127.0.0.1.")
    assert chan.check().ok  # with the kept session
    assert head(pds) == before


def test_the_account_password_is_masked_too(pds: BlueskyPeer) -> None:
    chan = real(pds, password=pds.account_password)
    chan.send("Signed in with the main password.", key(9))
    tokens = chan._session
    assert tokens is not None
    for secret in (pds.account_password, tokens.access, tokens.refresh):
        assert chan.api.clean(f"echo {secret}") == "echo ***"
        assert secret not in repr(chan)


# -- a small XRPC peer for the faults -------------------------------------------------------------


class Peer:
    """Just enough of a PDS: sessions with expiring tokens, putRecord/getRecord, and faults."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.password = "abcd-efgh-ijkl-mnop"
        self.records: dict[str, dict[str, Any]] = {}
        self.puts = 0
        self.sessions = 0
        self.refreshes = 0
        self.access = "eyJ-access-1"
        self.expired: set[str] = set()
        self.fault = ""
        self.put_fault = ""
        self.release = threading.Event()
        self.got_put = threading.Event()

    def handle(self, request: Request) -> Response:
        nsid = request.path.removeprefix("/xrpc/")
        if self.fault == "html":
            return Response("<html><body>Sign in to the Wi-Fi</body></html>", content_type="text/html")
        if nsid == "com.atproto.server.createSession":
            body = request.get_json()
            if body.get("password") != self.password:
                message = f"Invalid identifier or password {body.get('password')}"  # a careless echo
                return _json({"error": "AuthenticationRequired", "message": message}, 401)
            self.sessions += 1
            self.access = f"eyJ-access-{self.sessions}-{self.refreshes}"
            return _json(self._session())
        if nsid == "com.atproto.server.refreshSession":
            self.refreshes += 1
            self.access = f"eyJ-access-{self.sessions}-{self.refreshes}"
            return _json(self._session())
        auth = request.headers.get("Authorization", "")
        if auth in {f"Bearer {t}" for t in self.expired}:
            return _json({"error": "ExpiredToken", "message": "Token has expired"}, 400)
        if auth != f"Bearer {self.access}" and nsid != "com.atproto.repo.getRecord":
            return _json({"error": "InvalidToken", "message": "Token could not be verified"}, 400)
        if nsid == "com.atproto.server.getSession":
            return _json({"did": "did:plc:shop", "handle": "shop.example"})
        if nsid == "com.atproto.repo.getRecord":
            rkey = request.args.get("rkey", "")
            if rkey not in self.records:
                return _json({"error": "RecordNotFound", "message": "Could not locate record"}, 400)
            return _json({"uri": _uri(rkey), "cid": "bafyfake", "value": self.records[rkey]})
        return self.put(request)

    def put(self, request: Request) -> Response:
        body = request.get_json()
        self.puts += 1
        self.got_put.set()
        if self.put_fault == "429":
            return _json({"error": "RateLimitExceeded"}, 429, {"Retry-After": "30"})
        if self.put_fault == "ratelimit-reset":
            headers = {"ratelimit-limit": "5000", "ratelimit-remaining": "0", "ratelimit-reset": "1000042"}
            return _json({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, 429, headers)
        if self.put_fault in ("500", "502", "503"):
            return Response("upstream trouble", status=int(self.put_fault))
        if self.put_fault == "echo-token":
            return _json({"error": "InvalidRequest", "message": f"bad {self.access} / {self.password}"}, 400)
        if self.put_fault == "html":
            return Response("<html>Moved to our new home</html>", content_type="text/html")
        rkey = body["rkey"]
        if rkey in self.records and body.get("swapRecord", "absent") is None:
            return _json({"error": "InvalidSwap", "message": "Record was at bafyfake"}, 400)
        self.records[rkey] = body["record"]
        if self.put_fault == "hold":
            self.release.wait(10)  # the post is made; the answer is held past the channel's deadline
        return _json({"uri": _uri(rkey), "cid": "bafyfake", "commit": {"cid": "bafyc", "rev": "r"}})

    def _session(self) -> dict[str, Any]:
        return {
            "did": "did:plc:shop",
            "handle": "shop.example",
            "accessJwt": self.access,
            "refreshJwt": f"eyJ-refresh-{self.sessions}-{self.refreshes}",
        }


def _uri(rkey: str) -> str:
    return f"at://did:plc:shop/{COLLECTION}/{rkey}"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(data), status=status, headers=headers, content_type="application/json")


@pytest.fixture
def peer(httpserver: HTTPServer) -> Iterator[Peer]:
    fake = Peer(httpserver.url_for("").rstrip("/"))
    httpserver.expect_request(re.compile("^/xrpc/")).respond_with_handler(fake.handle)
    yield fake
    fake.release.set()


def fake(peer: Peer, password: str | None = None, timeout: float = 5.0) -> BlueskyChannel:
    client = HttpClient(connect_timeout=1.0, read_timeout=timeout, wall=lambda: 1_000_000.0)
    secret = peer.password if password is None else password
    return BlueskyChannel(peer.base, "shop.example", secret, client=client, timeout=timeout)


def test_rate_limit_with_retry_after_is_retryable(peer: Peer) -> None:
    peer.put_fault = "429"
    with pytest.raises(SendRejected) as info:
        fake(peer).send("hello", KEY)
    assert info.value.retryable is True and info.value.retry_after == 30
    assert "30 s" in info.value.reason


def test_rate_limit_reset_header_says_how_long(peer: Peer) -> None:
    peer.put_fault = "ratelimit-reset"
    with pytest.raises(SendRejected) as info:
        fake(peer).send("hello", KEY)
    assert info.value.retryable is True and info.value.retry_after == 42


def test_a_503_made_nothing_and_is_retryable(peer: Peer) -> None:
    peer.put_fault = "503"
    with pytest.raises(SendRejected) as info:
        fake(peer).send("hello", KEY)
    assert info.value.retryable is True and "503" in info.value.reason


@pytest.mark.parametrize("status", ["500", "502"])
def test_a_server_error_may_follow_the_post_so_it_is_no_answer(peer: Peer, status: str) -> None:
    """A proxy's 502 can come after the post was made: unknown, and the record key makes a resend harmless."""
    peer.put_fault = status
    with pytest.raises(NoAnswer) as info:
        fake(peer).send("hello", KEY)
    assert not isinstance(info.value, SendRejected) and status in str(info.value)


def test_no_answer_after_sending_is_unknown_and_a_resend_completes_it(peer: Peer) -> None:
    peer.put_fault = "hold"
    chan = fake(peer)
    assert chan.check().ok  # signed in with time to spare on a busy machine
    chan.api.timeout = 0.5  # then the post's answer is held past a short deadline
    with pytest.raises(NoAnswer) as info:
        chan.send("hello", KEY)
    assert not isinstance(info.value, SendRejected)
    assert "may or may not" in str(info.value)
    assert peer.got_put.is_set()
    peer.release.set()
    chan.api.timeout = 5.0
    peer.put_fault = ""
    assert chan.lookup(KEY).state == "sent"
    receipt = chan.send("hello", KEY)
    assert receipt.id == _uri(record_key(KEY)) and len(peer.records) == 1


def test_nobody_listening_is_not_sent() -> None:
    chan = BlueskyChannel(f"http://127.0.0.1:{free_port()}", "shop.example", "pw-Secret-123")
    with pytest.raises(NotSent) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is True and "pw-Secret-123" not in str(info.value)
    assert chan.check().ok is False
    assert chan.lookup(KEY).state == "unknown"


def test_html_instead_of_the_post_answer_is_unknown(peer: Peer) -> None:
    peer.put_fault = "html"
    with pytest.raises(NoAnswer) as info:
        fake(peer).send("hello", KEY)
    assert "may or may not" in str(info.value) and "<" not in str(info.value)


def test_html_at_sign_in_says_check_the_address(peer: Peer) -> None:
    peer.fault = "html"
    with pytest.raises(SendRejected) as info:
        fake(peer).send("hello", KEY)
    assert info.value.retryable is False and "Check the server address" in info.value.reason
    assert "<" not in info.value.reason and peer.puts == 0
    assert fake(peer).lookup(KEY).state == "unknown"
    assert fake(peer).check().ok is False


def test_an_expired_token_is_refreshed_and_the_post_made_once(peer: Peer) -> None:
    chan = fake(peer)
    chan.send("first", key(1))
    peer.expired.add(peer.access)
    receipt = chan.send("second", key(2))
    assert peer.refreshes == 1 and peer.sessions == 1  # refreshed, not signed in again
    assert receipt.id == _uri(record_key(key(2))) and len(peer.records) == 2
    assert chan.check().ok


def test_the_server_echoing_secrets_is_masked(peer: Peer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SendRejected) as wrong:
        fake(peer, password="zzzz-Wrong-Pass-0000").send("hello", KEY)
    assert "zzzz-Wrong-Pass-0000" not in str(wrong.value)
    peer.put_fault = "echo-token"
    with pytest.raises(SendRejected) as echoed:
        fake(peer).send("hello", KEY)
    assert "bad *** / ***" in echoed.value.reason
    for text in (str(wrong.value), str(echoed.value), caplog.text):
        assert peer.access not in text and peer.password not in text


def test_without_a_password_nothing_is_tried(peer: Peer) -> None:
    chan = fake(peer, password="")
    with pytest.raises(SendRejected) as info:
        chan.send("hello", KEY)
    assert info.value.retryable is False and "No app password is saved" in info.value.reason
    assert chan.check() == Health(False, info.value.reason)
    assert chan.lookup(KEY).state == "unknown" and peer.sessions == 0


# -- record keys and settings -----------------------------------------------------------------


def test_record_keys_are_valid_stable_tids() -> None:
    keys = [f"{n:032x}" for n in range(2000)]
    made = [record_key(k) for k in keys]
    assert all(is_tid(r) and len(r) == 13 for r in made)
    assert len(set(made)) == len(made)
    assert record_key(KEY) == record_key(KEY) == "3jxqkdhigsk6j"
    assert all("3jl" <= r < "3kz" for r in made)  # times from 2023 into 2024, never the future
    assert not is_tid("kzzzzzzzzzzzz") and not is_tid("3jt2u7nrxeey")
    assert post_url("shop.test", "3jxqkdhigsk6j") == "https://bsky.app/profile/shop.test/post/3jxqkdhigsk6j"


def table(**extra: Any) -> ChannelTable:
    return ChannelTable(id="bsky", type="bluesky", name="Shop on Bluesky", extra=extra)


def test_from_settings() -> None:
    chan = from_settings(table(handle="@Shop.bsky.social", langs=["en"]), "pw-Secret-123")
    assert chan.base_url == "https://bsky.social" and chan.identifier == "shop.bsky.social"
    assert chan.langs == ("en",) and chan.api.service == "Bluesky"
    assert "pw-Secret-123" not in repr(chan)
    own = from_settings(table(base_url="https://pds.example.org/", handle="did:plc:abc123"), "")
    assert own.base_url == "https://pds.example.org" and own.api.service == "Bluesky at pds.example.org"
    for bad, words in (
        ({}, "handle ="),
        ({"handle": "me@example.com"}, "not a Bluesky handle"),
        ({"handle": "shop.test", "base_url": "bsky.social"}, "https://"),
        ({"handle": "shop.test", "langs": ["english language"]}, "not a language code"),
        ({"handle": "shop.test", "langs": ["en", "de", "fr", "it"]}, "at most three"),
    ):
        with pytest.raises(ChannelConfigError, match=words):
            from_settings(table(**bad), "pw")
