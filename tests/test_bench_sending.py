"""The send bench sends for real: every channel confirmed, alone and all together, and the slow one is slow.

No timing goal is asserted here (benches measure; tests check they measure the right thing).
"""

from __future__ import annotations

from bench import sending


def test_the_bench_sends_each_channel_alone_and_all_together() -> None:
    figures = sending.measure(rounds=1, slow=0.3)
    assert set(figures.alone) == {"newsletter", "mastodon", "telegram", "discord", "slack"}
    assert figures.slowest == figures.alone["discord"] >= 0.3
    assert figures.together >= 0.3
    assert "the slowest alone" in sending.describe(figures)
