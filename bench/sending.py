"""Issue 16's bench bar: one send to five loopback channels, one of them slow, within 1.2× the slowest.

The five are an SMTP server (aiosmtpd), a Mastodon peer, and Telegram, Discord and Slack
peers (tests/support/), each a real server on 127.0.0.1 answering as the service's API
document says; Discord answers ``SLOW`` seconds late, as a slow service would. Each
figure comes from the real ``Sender`` (core/sending.py) through the real channel modules,
the outbox in a real SQLite log, in this process:

- each channel alone: a fresh outage, one send to that one channel, the median of
  ``ROUNDS``; the slowest of those medians is the figure to beat;
- all five at once: a fresh outage, one send to all five, median of ``ROUNDS``.

Goal: all five ≤ 1.2 × the slowest alone. A sender that sent one channel after another
would take the sum (about SLOW plus the rest), and would fail it.

The memory part of the bar (channels load on first use, so the tray's memory after start is
unchanged) is bench/ui_memory.py's, which measures the app as a user starts it.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from outagetray.core.incidents import IncidentLog
from outagetray.core.judge import Change
from outagetray.core.model import Platform, Verdict
from outagetray.core.outbox import Outbox
from outagetray.core.profile import Channel as Table
from outagetray.core.sending import Outgoing, Sender

ROUNDS = 5
SLOW = 1.5
GOAL = 1.2
TEXT = "Instagram is down for everyone right now. We are still here: reply by email, or see our blog."
PLATFORM = Platform("instagram", "Instagram", "Meta")
SMTP_PASSWORD = "bench-mail-password"


@dataclass(frozen=True)
class Figures:
    alone: dict[str, float]
    together: float

    @property
    def slowest(self) -> float:
        return max(self.alone.values())

    @property
    def ratio(self) -> float:
        return self.together / self.slowest


class Secrets:
    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, channel_id: str) -> str | None:
        return self.values.get(channel_id)


@contextmanager
def channels(slow: float = SLOW) -> Iterator[tuple[list[Table], Secrets]]:
    """Five channels on five loopback servers; Discord's answers come ``slow`` seconds late."""
    from tests.support.chat_peers import DiscordPeer, SlackPeer, TelegramPeer
    from tests.support.mastodon_peer import MastodonPeer
    from tests.support.smtp_peer import SmtpPeer

    with ExitStack() as stack:
        smtp = stack.enter_context(SmtpPeer("news@shop.test", SMTP_PASSWORD))
        mastodon = stack.enter_context(MastodonPeer())
        telegram = stack.enter_context(TelegramPeer("123456:bench-telegram-token"))
        discord = stack.enter_context(DiscordPeer("1122334455", "bench-discord-token"))
        slack = stack.enter_context(SlackPeer("T0001", "B0001", "benchSlackSecret01"))
        telegram.add_chat(-1001234567890, username="shopnews")
        discord.delay = slow
        tables = [
            Table("newsletter", "email", "Newsletter", "email", extra=smtp.table(to=["ana@example.test"])),
            Table("mastodon", "mastodon", "Mastodon", extra={"base_url": mastodon.base_url}),
            Table("telegram", "telegram", "Telegram", extra={"chat": "@shopnews", "api_url": telegram.base}),
            Table("discord", "discord", "Discord"),
            Table("slack", "slack", "Slack"),
        ]
        secrets = Secrets(
            {
                "newsletter": SMTP_PASSWORD,
                "mastodon": mastodon.token,
                "telegram": telegram.token,
                "discord": discord.url,
                "slack": slack.url,
            }
        )
        yield tables, secrets


def _outage(log: IncidentLog, number: int) -> int:
    """A new outage for each send, so no job is found already sent."""
    start = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=7 * number)
    down, ok = Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL
    if number > 1:
        end = start - timedelta(hours=6, minutes=30)
        log.record(
            [
                Change(
                    end,
                    PLATFORM,
                    down,
                    ok,
                    "back",
                    True,
                    number * 10 - 1,
                    (),
                    (number - 1) * 10,
                    last_bad=end,
                )
            ]
        )
    log.record([Change(start, PLATFORM, ok, down, "down", True, number * 10, (), number * 10)])
    return log.open_incidents()[0].id


def measure(rounds: int = ROUNDS, slow: float = SLOW) -> Figures:
    with (
        tempfile.TemporaryDirectory(prefix="outagetray-bench-send-") as folder,
        channels(slow) as (tables, secrets),
    ):
        log = IncidentLog.open(Path(folder) / "incidents.sqlite3")
        try:
            sender = Sender(Outbox(IncidentLog.open_beside(log.path)), secrets, lock_folder=Path(folder))
            number = 0

            def one(chosen: list[Table]) -> float:
                nonlocal number
                number += 1
                incident = _outage(log, number)
                started = time.perf_counter()
                outcomes = sender.send(incident, "notice", [Outgoing(t, TEXT) for t in chosen])
                took = time.perf_counter() - started
                bad = [o for o in outcomes if o.state != "confirmed"]
                if bad:
                    raise RuntimeError(f"a bench send did not go out: {bad[0].name}: {bad[0].error}")
                return took

            one(tables)  # warm: imports, first connections, the server's own first requests
            alone = {t.id: statistics.median(one([t]) for _ in range(rounds)) for t in tables}
            together = statistics.median(one(tables) for _ in range(rounds))
            return Figures(alone, together)
        finally:
            log.close()


def describe(figures: Figures) -> str:
    alone = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in figures.alone.items())
    verdict = "meets" if figures.ratio <= GOAL else "MISSES"
    return (
        f"send to five loopback channels (one answering {SLOW} s late): all at once "
        f"{figures.together * 1000:.0f} ms = {figures.ratio:.2f}× the slowest alone "
        f"({figures.slowest * 1000:.0f} ms); {verdict} the goal of ≤ {GOAL}×. Alone: {alone}."
    )


def report() -> str:
    return describe(measure())


if __name__ == "__main__":
    print(report(), file=sys.stdout)
