"""Which of the user's channels work right now, and where to reach people during an outage.

The playbook's "try other platforms" step: when one channel fails, the others that
are confirmed up are the ones to use. Email, blogs and shops are named with their
kind, because during a social-media outage they are often the best way out.
"""

from __future__ import annotations

from collections.abc import Sequence

from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Verdict

NAMED_KINDS = ("email", "blog", "shop")


def channels_up(statuses: Sequence[PlatformStatus]) -> list[str]:
    """Names of the watched platforms confirmed working (maintenance counts as working)."""
    return [
        f"{s.platform.name} ({s.platform.kind})" if s.platform.kind in NAMED_KINDS else s.platform.name
        for s in statuses
        if s.verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE)
    ]


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C": how people list things."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def channels_line(statuses: Sequence[PlatformStatus]) -> str:
    """One plain sentence for the window: what is up, or, during an outage, where to go instead."""
    up = join_names(channels_up(statuses))
    down = [s.platform.name for s in statuses if s.verdict.is_problem]
    verb = "is" if len(down) == 1 else "are"
    if down and up:
        return f"{join_names(down)} {verb} having problems. Reach your audience on: {up}."
    if down:
        return f"{join_names(down)} {verb} having problems, and none of your other channels is confirmed up."
    if up:
        return f"Up right now: {up}."
    return "Waiting to learn which of your channels are up."
