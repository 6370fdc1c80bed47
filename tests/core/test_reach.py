from __future__ import annotations

from outagetray.core.catalog import builtin_platforms
from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Verdict
from outagetray.core.reach import channels_line, channels_up


def st(pid: str, verdict: Verdict) -> PlatformStatus:
    return PlatformStatus(builtin_platforms()[pid], verdict, None, "")


def test_channels_up_name_the_kind_of_email_blogs_and_shops() -> None:
    statuses = [
        st("x", Verdict.OPERATIONAL),
        st("gmail", Verdict.MAINTENANCE),
        st("substack", Verdict.OPERATIONAL),
    ]
    assert channels_up(statuses) == ["X (Twitter)", "Gmail (email)", "Substack (blog)"]


def test_during_an_outage_the_line_says_where_to_go() -> None:
    statuses = [
        st("facebook", Verdict.MAJOR_OUTAGE),
        st("instagram", Verdict.MAJOR_OUTAGE),
        st("x", Verdict.OPERATIONAL),
    ]
    assert (
        channels_line(statuses)
        == "Facebook and Instagram are having problems. Reach your audience on: X (Twitter)."
    )
    assert channels_line([st("facebook", Verdict.DEGRADED)]) == (
        "Facebook is having problems, and none of your other channels is confirmed up."
    )
    assert channels_line([st("x", Verdict.OPERATIONAL)]) == "Up right now: X (Twitter)."
    assert channels_line([st("x", Verdict.UNKNOWN)]) == "Waiting to learn which of your channels are up."
