"""The WordPress channel against a real WordPress (Debian's package) with MariaDB on loopback.

One WordPress runs for the whole module (it takes a few seconds to start); each test uses
its own job keys, and the must-use fault plugin makes the real site answer 429, 5xx, a web
page, or late, in WordPress's own error format.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import time
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from outagetray.core.channels import ChannelConfigError, registry
from outagetray.core.channels.web import NoAnswer, NotSent
from outagetray.core.channels.wordpress import SETTLE_SECONDS, WordPressChannel, from_settings, slug_for
from outagetray.core.http import HttpClient
from outagetray.core.incidents import IncidentLog
from outagetray.core.outbox import NOT_SENT, JobState, Outbox, SendRejected, run_job
from outagetray.core.profile import Channel as ChannelTable
from tests.support.peers import missing
from tests.support.wordpress_peer import WordPressPeer, missing_parts, wordpress_peer

TEXT = "Title: Instagram is down for us too\n\nWe cannot answer messages there.\nMail us: https://example.com/help"


@pytest.fixture(scope="module")
def site() -> Iterator[WordPressPeer]:
    problem = missing_parts()
    if problem:
        missing(problem)
    with wordpress_peer(faults=True) as peer:
        yield peer


@pytest.fixture
def peer(site: WordPressPeer) -> Iterator[WordPressPeer]:
    site.fault(None)
    yield site
    site.fault(None)


def new_key() -> str:
    return uuid.uuid4().hex


def channel(peer: WordPressPeer, password: str | None = None, **kwargs: Any) -> WordPressChannel:
    kwargs.setdefault("timeout", 10.0)
    client = HttpClient(connect_timeout=2.0, read_timeout=10.0)
    secret = peer.app_password if password is None else password
    return WordPressChannel(peer.base_url, peer.user, secret, client=client, **kwargs)


def posts(peer: WordPressPeer, key: str) -> list[tuple[str, str]]:
    """(slug, status) of every post whose slug came from ``key``, straight from the database."""
    rows = peer.sql(
        f"SELECT post_name, post_status FROM wp_posts WHERE post_type = 'post'"
        f" AND post_name LIKE '{slug_for(key)}%' ORDER BY ID"
    )
    return [tuple(line.split("\t")) for line in rows.splitlines() if line]  # type: ignore[misc]


def wait_for_post(peer: WordPressPeer, key: str, seconds: float = 15.0) -> None:
    """Until WordPress (another process) has saved the post: its database is all we can watch."""
    end = time.monotonic() + seconds
    while not posts(peer, key):
        assert time.monotonic() < end, "WordPress never saved the post"
        time.sleep(0.05)


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


def test_send_publishes_a_post_with_the_slug_and_returns_its_link(peer: WordPressPeer) -> None:
    key = new_key()
    receipt = channel(peer).send(TEXT, key)
    assert receipt.url == f"{peer.base_url}/{slug_for(key)}/"
    assert receipt.id.isdigit()
    assert posts(peer, key) == [(slug_for(key), "publish")]
    title, content = peer.sql(f"SELECT post_title, post_content FROM wp_posts WHERE ID = {receipt.id}").split(
        "\t"
    )
    assert title == "Instagram is down for us too"
    assert '<a href="https://example.com/help">' in content and "<p>We cannot answer" in content


def test_draft_status_and_a_title_from_the_first_line(peer: WordPressPeer) -> None:
    key = new_key()
    channel(peer, status="draft").send("Our shop is open\nCall us", key)
    assert posts(peer, key) == [(slug_for(key), "draft")]
    assert channel(peer).lookup(key).state == "sent"  # drafts count: status=any
    assert peer.sql(f"SELECT post_title FROM wp_posts WHERE post_name = '{slug_for(key)}'").strip() == (
        "Our shop is open"
    )


def test_the_slug_is_stable_per_key_and_differs_between_keys() -> None:
    key = "0123456789abcdef0123456789abcdef"
    assert slug_for(key) == slug_for(key.upper()) == "outagetray-0123456789abcdef"
    assert slug_for("f" * 32) != slug_for(key)


def test_a_second_post_is_not_harmless_and_lookup_finds_the_first(peer: WordPressPeer) -> None:
    key = new_key()
    chan = channel(peer)
    first = chan.send(TEXT, key)
    chan.send(TEXT, key)  # what the outbox never does without a lookup: WordPress makes "-2"
    assert posts(peer, key) == [(slug_for(key), "publish"), (slug_for(key) + "-2", "publish")]
    assert chan.resend_is_harmless is False
    found = chan.lookup(key)
    assert found.state == "sent" and found.receipt == first


def test_lookup_proves_a_key_that_never_posted(peer: WordPressPeer) -> None:
    assert channel(peer).lookup(new_key()) == NOT_SENT


def test_a_post_in_the_bin_still_counts_as_sent(peer: WordPressPeer) -> None:
    key = new_key()
    chan = channel(peer)
    receipt = chan.send(TEXT, key)
    binned = f"{slug_for(key)}__trashed"  # what WordPress does to a post moved to the bin
    peer.sql(f"UPDATE wp_posts SET post_status = 'trash', post_name = '{binned}' WHERE ID = {receipt.id}")
    found = chan.lookup(key)
    assert found.state == "sent" and found.receipt is not None and found.receipt.id == receipt.id


def test_lookup_proves_nothing_when_it_cannot_see_clearly(peer: WordPressPeer) -> None:
    key = new_key()
    channel(peer).send(TEXT, new_key())  # some other post exists
    assert channel(peer, password="abcd efgh ijkl mnop qrst uvwx").lookup(key).state == "unknown"
    peer.fault("html-all")
    assert channel(peer).lookup(key).state == "unknown"
    peer.fault("503-all")
    assert channel(peer).lookup(key).state == "unknown"
    peer.fault("noslug")  # a list of other posts is no proof that ours is absent
    assert channel(peer).lookup(key).state == "unknown"
    peer.fault(None)
    assert channel(peer).lookup(key) == NOT_SENT


def test_wrong_password_is_refused_in_plain_words_and_never_shown(
    peer: WordPressPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "Wxyz 1234 Abcd 5678 Efgh 9012"
    key = new_key()
    chan = channel(peer, password=wrong)
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, key)
    assert info.value.retryable is False
    assert "refused the credentials" in info.value.reason and "application password" in info.value.reason
    health = chan.check()
    assert health.ok is False and "refused the credentials" in health.message
    for shown in (str(info.value), repr(info.value), health.message, repr(health), repr(chan), caplog.text):
        assert wrong not in shown and wrong.replace(" ", "") not in shown
    assert posts(peer, key) == []


def test_rate_limit_is_retryable_with_the_wait(peer: WordPressPeer) -> None:
    peer.fault("429")
    key = new_key()
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, key)
    assert info.value.retryable is True and info.value.retry_after == 30
    assert "30 s" in info.value.reason
    assert posts(peer, key) == []


def test_503_is_retryable_but_500_may_have_saved_the_post(peer: WordPressPeer) -> None:
    peer.fault("503")
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, new_key())
    assert info.value.retryable is True and "503" in info.value.reason
    peer.fault("500")
    with pytest.raises(NoAnswer):
        channel(peer).send(TEXT, new_key())


def test_timeout_after_the_post_was_saved_is_no_answer_and_lookup_settles_it(
    peer: WordPressPeer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    peer.fault("slow")  # WordPress saves the post, then holds its answer for 2 s
    key = new_key()
    with pytest.raises(NoAnswer) as info:
        channel(peer, timeout=1.0).send(TEXT, key)
    assert not isinstance(info.value, SendRejected)
    assert peer.app_password not in str(info.value) and peer.app_password not in caplog.text
    peer.fault(None)
    found = channel(peer).lookup(key)  # another worker answers while the first still holds
    assert found.state == "sent" and found.receipt is not None
    assert found.receipt.url.endswith(f"/{slug_for(key)}/")


def test_the_outbox_confirms_a_lost_answer_by_lookup(peer: WordPressPeer, outbox: Outbox) -> None:
    peer.fault("slow")
    job = outbox.create(1, "notice", "blog", TEXT, now())
    done = run_job(outbox, job, channel(peer, timeout=1.0), now)
    assert done.state is JobState.CONFIRMED
    assert done.receipt_url == f"{peer.base_url}/{slug_for(job.key)}/"
    assert posts(peer, job.key) == [(slug_for(job.key), "publish")]


def test_a_post_still_landing_is_never_called_not_sent(peer: WordPressPeer, outbox: Outbox) -> None:
    peer.fault("hold")  # WordPress holds the request before saving, past our deadline
    chan = channel(peer, timeout=1.0)
    job = outbox.create(1, "notice", "blog", TEXT, now())
    done = run_job(outbox, job, chan, now)
    assert posts(peer, job.key) == []  # not there yet, and yet...
    assert done.state is JobState.UNKNOWN  # ...not "failed, send again": it may still land
    assert chan.lookup(job.key).state == "unknown"
    assert run_job(outbox, done, chan, now).state is JobState.UNKNOWN  # never sent again from here
    peer.release()
    wait_for_post(peer, job.key)
    found = chan.lookup(job.key)
    assert found.state == "sent" and found.receipt is not None
    assert posts(peer, job.key) == [(slug_for(job.key), "publish")]


def test_after_a_gateway_gave_up_none_is_believed_only_once_the_post_had_time_to_land(
    peer: WordPressPeer,
) -> None:
    clock = [1000.0]
    client = HttpClient(connect_timeout=2.0, read_timeout=10.0, monotonic=lambda: clock[0])
    chan = WordPressChannel(peer.base_url, peer.user, peer.app_password, client=client, timeout=10.0)
    peer.fault("504")  # a gateway stopped waiting: WordPress behind it may still be saving
    key = new_key()
    with pytest.raises(NoAnswer):
        chan.send(TEXT, key)
    peer.fault(None)
    assert chan.lookup(key).state == "unknown"
    clock[0] += SETTLE_SECONDS + 1
    assert chan.lookup(key) == NOT_SENT


def test_a_page_in_front_of_the_api_fails_the_job_retryably_and_it_goes_once(
    peer: WordPressPeer, outbox: Outbox
) -> None:
    peer.fault("html")
    job = outbox.create(1, "notice", "blog", TEXT, now())
    first = run_job(outbox, job, channel(peer), now)
    assert first.state is JobState.FAILED and first.retryable
    peer.fault(None)
    assert run_job(outbox, first, channel(peer), now).state is JobState.CONFIRMED
    assert posts(peer, job.key) == [(slug_for(job.key), "publish")]


def test_a_web_page_with_200_is_no_answer_and_lookup_proves_nothing_was_made(peer: WordPressPeer) -> None:
    peer.fault("html")  # a login wall or cache page in front of the API
    key = new_key()
    with pytest.raises(NoAnswer) as info:
        channel(peer).send(TEXT, key)
    assert "Check the site address" in str(info.value)
    peer.fault(None)
    assert channel(peer).lookup(key) == NOT_SENT


def test_nobody_listening_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    chan = WordPressChannel(
        f"http://127.0.0.1:{port}", "admin", "abcd efgh", client=HttpClient(connect_timeout=1.0)
    )
    with pytest.raises(NotSent) as info:
        chan.send(TEXT, new_key())
    assert info.value.retryable is True
    assert chan.check().ok is False
    assert chan.lookup(new_key()).state == "unknown"


def test_a_site_that_does_not_route_wp_json_is_reached_by_rest_route(peer: WordPressPeer) -> None:
    peer.fault("nopretty")
    key = new_key()
    chan = channel(peer)
    assert chan.lookup(key) == NOT_SENT
    receipt = chan.send(TEXT, key)
    assert chan.check().ok is True
    found = channel(peer).lookup(key)
    assert found.state == "sent" and found.receipt == receipt
    assert posts(peer, key) == [(slug_for(key), "publish")]


def test_a_404_from_the_rest_api_itself_is_a_refusal_not_a_reason_to_look_elsewhere(
    peer: WordPressPeer,
) -> None:
    peer.fault("404")
    before = len(peer.requests())
    with pytest.raises(SendRejected) as info:
        channel(peer).send(TEXT, new_key())
    assert info.value.retryable is False and "error 404" in info.value.reason
    assert [line for line in peer.requests()[before:] if "/wp/v2/" in line] == ["POST /wp-json/wp/v2/posts"]


def test_check_signs_in(peer: WordPressPeer) -> None:
    health = channel(peer).check()
    assert health.ok is True and health.message == "Signed in as admin on 127.0.0.1."


def test_a_missing_password_is_said_plainly(peer: WordPressPeer) -> None:
    chan = from_settings(ChannelTable("blog", "wordpress", "Shop blog", extra=_extra(peer)), "")
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, new_key())
    assert info.value.retryable is False
    assert (
        info.value.reason
        == "No application password is saved for Shop blog. Add it in OutageTray's settings."
    )
    assert chan.check().message == info.value.reason
    assert chan.lookup(new_key()).state == "unknown"


def as_admin(peer: WordPressPeer, path: str, data: dict[str, Any]) -> Any:
    """One REST call as the site's admin, the way a person sets WordPress up."""
    pair = base64.b64encode(f"{peer.user}:{peer.app_password}".encode()).decode()
    request = urllib.request.Request(
        peer.base_url + "/wp-json/wp/v2/" + path,
        data=json.dumps(data).encode(),
        headers={"Authorization": f"Basic {pair}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.load(answer)


def test_a_user_who_may_not_publish_is_told_at_check_and_refused_at_send(peer: WordPressPeer) -> None:
    name = "helper" + new_key()[:8]
    user = as_admin(
        peer,
        "users",
        {"username": name, "email": f"{name}@example.com", "password": new_key(), "roles": ["contributor"]},
    )
    password = as_admin(peer, f"users/{user['id']}/application-passwords", {"name": "OutageTray"})["password"]
    client = HttpClient(connect_timeout=2.0, read_timeout=10.0)
    chan = WordPressChannel(peer.base_url, name, password, client=client, timeout=10.0)
    health = chan.check()
    assert health.ok is False and "may not publish posts" in health.message and name in health.message
    key = new_key()
    with pytest.raises(SendRejected) as info:
        chan.send(TEXT, key)
    assert info.value.retryable is False and "not allowed to publish" in info.value.reason
    assert password not in info.value.reason and posts(peer, key) == []
    drafts = WordPressChannel(peer.base_url, name, password, client=client, status="draft", timeout=10.0)
    assert drafts.check().ok is True  # a contributor may write drafts
    drafts.send(TEXT, key)
    assert posts(peer, key) == [(slug_for(key), "draft")]


def test_the_registry_builds_it_and_shows_its_fields(peer: WordPressPeer) -> None:
    table = ChannelTable("blog", "wordpress", "Shop blog", extra=_extra(peer))
    built = registry.build(table, peer.app_password)
    assert isinstance(built, WordPressChannel) and built.check().ok is True
    fields, secret = registry.fields("wordpress")
    assert [f.key for f in fields] == ["base_url", "username", "status", "categories"]
    assert secret is not None and secret.kind == "secret"


def _extra(peer: WordPressPeer, **more: Any) -> dict[str, Any]:
    return {"base_url": peer.base_url, "username": peer.user, **more}


def test_from_settings_builds_a_working_channel(peer: WordPressPeer) -> None:
    table = ChannelTable("blog", "wordpress", "Shop blog", extra=_extra(peer, status="draft", categories=[1]))
    chan = from_settings(table, peer.app_password)
    assert chan.status == "draft" and chan.categories == (1,)
    key = new_key()
    receipt = chan.send(TEXT, key)
    assert posts(peer, key) == [(slug_for(key), "draft")]
    assert peer.sql(
        f"SELECT term_taxonomy_id FROM wp_term_relationships WHERE object_id = {receipt.id}"
    ).split() == ["1"]
    assert peer.app_password not in repr(chan)


@pytest.mark.parametrize(
    ("extra", "words"),
    [
        ({"username": "admin"}, "write base_url"),
        ({"base_url": "blog.example.com", "username": "admin"}, "must start with https://"),
        ({"base_url": "https://u:p@blog.example.com", "username": "admin"}, "Leave the user name"),
        ({"base_url": "https://blog.example.com"}, "write username"),
        ({"base_url": "https://blog.example.com", "username": "a", "status": "live"}, '"publish" or "draft"'),
        (
            {"base_url": "https://blog.example.com", "username": "a", "categories": ["news"]},
            "category numbers",
        ),
        (
            {"base_url": "https://blog.example.com", "username": "a", "categories": {"a": 1}},
            "category numbers",
        ),
    ],
)
def test_from_settings_says_which_key_to_fix(extra: dict[str, Any], words: str) -> None:
    with pytest.raises(ChannelConfigError) as info:
        from_settings(ChannelTable("blog", "wordpress", "Shop blog", extra=extra), "secret-pass")
    assert words in str(info.value)
    assert "Shop blog" in str(info.value)
    assert "secret-pass" not in str(info.value)
