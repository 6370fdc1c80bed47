"""``outagetray send`` killed (SIGKILL) at random moments during a five-channel send, then run again.

The five channels are real servers on loopback: an SMTP server (no way to drop a repeat),
a Mastodon peer (Idempotency-Key), a real WordPress (a slug looked up before a resend), a real
Bluesky PDS (a record key chosen from the job) and a real Synapse (a transaction id). Each
round of the test is one new outage: a first run is killed somewhere between start and end,
a second run finishes. Then, for every channel with a dedupe mechanism, the round's message
is on the server exactly once and the job is confirmed; the email is never there twice, and
a job that did not confirm is reported unknown, never lost.
"""

from __future__ import annotations

import base64
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, Verdict
from tests.support.bluesky_peer import BlueskyPeer, bluesky_peer
from tests.support.filekeyring import environment
from tests.support.mastodon_peer import MastodonPeer
from tests.support.matrix_peer import MatrixPeer, matrix_peer
from tests.support.peers import missing
from tests.support.slowlink import SlowLink
from tests.support.smtp_peer import SmtpPeer
from tests.support.wordpress_peer import WordPressPeer, missing_parts, wordpress_peer

ROUNDS = int(os.environ.get("OUTAGETRAY_CRASH_ROUNDS", "12"))
#: How late each answer comes (a real network's gap between "made" and "heard it was made").
DELAY = 0.3
USER = "news@shop.test"
MAIL_PASSWORD = "mail-Secret-42"
INSTAGRAM = Platform("instagram", "Instagram", "Meta")


@dataclass
class Peers:
    smtp: SmtpPeer
    mastodon: MastodonPeer
    wordpress: WordPressPeer
    bluesky: BlueskyPeer
    matrix: MatrixPeer
    #: A slow link in front of each web server, by channel (see tests/support/slowlink.py).
    links: dict[str, SlowLink]

    def via(self, channel: str, base_url: str) -> str:
        return self.links[channel].url(base_url)

    def config(self, brand: str) -> str:
        def table(cid: str, kind: str, **keys: Any) -> str:
            lines = [f'[[channels]]\nid = "{cid}"\ntype = "{kind}"\nname = "{cid.title()}"']
            lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
            return "\n".join(lines) + "\n\n"

        return (
            f'[profile]\nbrand = "{brand}"\n\n'
            + table("newsletter", "email", **self.smtp.table(to=["ana@example.test", "ben@example.test"]))
            + table("mastodon", "mastodon", base_url=self.via("mastodon", self.mastodon.base_url))
            + table(
                "blog",
                "wordpress",
                base_url=self.via("blog", self.wordpress.base_url),
                username=self.wordpress.user,
            )
            + table(
                "bluesky",
                "bluesky",
                base_url=self.via("bluesky", self.bluesky.base_url),
                handle=self.bluesky.handle,
            )
            + table(
                "matrix",
                "matrix",
                base_url=self.via("matrix", self.matrix.base_url),
                room=self.matrix.room_id,
            )
        )

    def secrets(self) -> dict[str, str]:
        return {
            "newsletter": MAIL_PASSWORD,
            "mastodon": self.mastodon.token,
            "blog": self.wordpress.app_password,
            "bluesky": self.bluesky.password,
            "matrix": self.matrix.token,
        }

    def counts(self) -> dict[str, int]:
        """How many messages each server holds now."""
        records = self.bluesky.xrpc(
            "GET",
            "com.atproto.repo.listRecords",
            params={"repo": self.bluesky.did, "collection": "app.bsky.feed.post", "limit": "100"},
        )
        return {
            "newsletter": len(self.smtp.messages),
            "mastodon": len(self.mastodon.statuses),
            "blog": self._wordpress_posts(),
            "bluesky": len(records["records"]),
            "matrix": len([e for e in self.matrix.messages() if e.get("sender") == self.matrix.user_id]),
        }

    def _wordpress_posts(self) -> int:
        wp = self.wordpress
        auth = base64.b64encode(f"{wp.user}:{wp.app_password}".encode()).decode()
        request = urllib.request.Request(
            f"{wp.base_url}/?rest_route=/wp/v2/posts&status=any&per_page=100&context=edit",
            headers={"Authorization": f"Basic {auth}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            return len([p for p in json.loads(answer.read()) if "outagetray" in p.get("slug", "")])


@pytest.fixture(scope="module")
def peers() -> Iterator[Peers]:
    problem = missing_parts()
    if problem:
        missing(problem)
    with ExitStack() as stack:
        # The three real servers take seconds each to start: they start side by side.
        smtp, mastodon, wordpress, bluesky, matrix = enter_together(
            stack,
            [
                lambda: SmtpPeer(USER, MAIL_PASSWORD, delay=DELAY),
                MastodonPeer,
                wordpress_peer,
                bluesky_peer,
                matrix_peer,
            ],
        )
        links = {}
        for channel, base_url in (
            ("mastodon", mastodon.base_url),
            ("blog", wordpress.base_url),
            ("bluesky", bluesky.base_url),
            ("matrix", matrix.base_url),
        ):
            port = int(base_url.rstrip("/").rsplit(":", 1)[1])
            links[channel] = stack.enter_context(SlowLink(port, DELAY))
        yield Peers(smtp, mastodon, wordpress, bluesky, matrix, links)


def enter_together(stack: ExitStack, makers: list[Callable[[], AbstractContextManager[Any]]]) -> list[Any]:
    """Enter each context on its own thread; every one that started is exited by ``stack``."""

    def enter(make: Callable[[], AbstractContextManager[Any]]) -> tuple[AbstractContextManager[Any], Any]:
        manager = make()
        return manager, manager.__enter__()

    with ThreadPoolExecutor(len(makers)) as pool:
        futures = [pool.submit(enter, make) for make in makers]
        wait(futures)
    values = []
    for future in futures:
        if future.exception() is None:
            manager, value = future.result()
            stack.push(manager.__exit__)
            values.append(value)
    for future in futures:
        future.result()  # the first failure (a missing peer skips or fails) is raised here
    return values


#: Rounds' outages lie this far apart, past the window in which an outage joins the one before.
SPACING = timedelta(hours=7)
BASE = datetime.now(UTC) - SPACING * (ROUNDS + 1)


def new_incident(db: Path, number: int) -> int:
    """A new Instagram outage, still going on; the round before's is over."""
    start = BASE + SPACING * number
    down, ok = Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL
    log = IncidentLog.open(db)
    try:
        if number > 1:
            end = start - SPACING + timedelta(minutes=30)
            back = Change(
                end, INSTAGRAM, down, ok, "back", True, number * 10 - 1, (), (number - 1) * 10, last_bad=end
            )
            log.record([back])
        log.record([Change(start, INSTAGRAM, ok, down, "down", True, number * 10, (), number * 10)])
        open_ = log.open_incidents()
        assert len(open_) == 1
        return open_[0].id
    finally:
        log.close()


def command(tmp_path: Path, db: Path, incident: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "outagetray",
        "--config",
        str(tmp_path / "config.toml"),
        "send",
        "--incident",
        str(incident),
        "--draft",
        "notice",
        "--json",
        "--db",
        str(db),
    ]


def test_killed_sends_never_duplicate_and_never_lose_a_message(peers: Peers, tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(environment(tmp_path / "keyring.json", peers.secrets()))
    db = tmp_path / "incidents.sqlite3"
    rng = random.Random(20261202)
    before = peers.counts()
    took = 0.0  # how long the last whole run took (the first, cold one is much slower)
    kills = 0
    for number in range(1, ROUNDS + 1):
        # A brand per round, so each round's words differ (the same words could be taken for a repeat).
        (tmp_path / "config.toml").write_text(peers.config(f"Corner Shop {number}"), "utf-8")
        incident = new_incident(db, number)
        if number > 1:  # the first round runs whole, to learn how long a send takes
            first = subprocess.Popen(
                command(tmp_path, db, incident),
                env=env,
                cwd=tmp_path,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            # Most of a run's first second is Python starting: the kills aim at the sending part.
            time.sleep(rng.uniform(0.2, 0.95) * took)
            if first.poll() is None:
                first.send_signal(signal.SIGKILL)
                kills += 1
            first.wait(timeout=60)
        started = time.monotonic()
        done = subprocess.run(
            command(tmp_path, db, incident),
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=180,
        )
        took = time.monotonic() - started
        results = {r["channel"]: r for r in json.loads(done.stdout)}
        now = peers.counts()
        for channel in ("mastodon", "blog", "bluesky", "matrix"):
            assert now[channel] - before[channel] == number, (number, channel, results[channel])
            assert results[channel]["state"] == "confirmed", (number, channel, results[channel])
        sent_mail = now["newsletter"] - before["newsletter"]
        assert sent_mail <= number, "an email went out twice"
        mail = results["newsletter"]
        assert mail["state"] in ("confirmed", "unknown"), mail
        if mail["state"] == "unknown":
            assert "--resend-unknown" in (mail["advice"] or "")
        delivered = peers.smtp.messages[before["newsletter"] :]
        assert sum(f"Corner Shop {number}".encode() in raw for _, _, raw in delivered) <= 1
    assert kills >= ROUNDS // 2, "the kills should land while sends run"
