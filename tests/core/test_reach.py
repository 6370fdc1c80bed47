from __future__ import annotations

import pytest

from outagetray.core.catalog import builtin_platforms
from outagetray.core.judge import PlatformStatus
from outagetray.core.model import Verdict
from outagetray.core.reach import FILL_IN_HINT, channels_line, channels_up, reach_by_owner


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


def test_metas_five_products_are_one_owner_in_the_catalog() -> None:
    catalog = builtin_platforms()
    assert {catalog[pid].owner for pid in ("facebook", "instagram", "whatsapp", "messenger", "threads")} == {
        "Meta"
    }


def test_reach_adds_up_followers_by_owner_with_shares() -> None:
    report = reach_by_owner(
        [("facebook", 10_000), ("instagram", 6_000), ("whatsapp", 2_000), ("x", 5_000), ("mailchimp", 2_000)],
        builtin_platforms(),
    )
    assert report.total == 25_000
    assert [(o.owner, o.followers) for o in report.owners] == [
        ("Meta", 18_000),
        ("X Corp", 5_000),
        ("Intuit", 2_000),
    ]
    meta = report.owners[0]
    assert meta is report.top
    assert meta.share == pytest.approx(0.72)
    assert meta.platform_ids == ("facebook", "instagram", "whatsapp")
    assert meta.platform_names == ("Facebook", "Instagram", "WhatsApp")
    assert sum(o.share for o in report.owners) == pytest.approx(1.0)
    assert report.advice == (
        "72% of your audience (18,000 of 25,000 followers) is on Meta's platforms: Facebook, Instagram "
        "and WhatsApp. When Meta fails, they all fail together. Build up a channel Meta doesn't own: "
        "your email list first, then a second platform from another company."
    )
    assert report.hint is None


def test_one_platform_over_half_is_named_with_its_owner() -> None:
    report = reach_by_owner([("instagram", 9_000), ("x", 1_000)], builtin_platforms())
    assert report.advice is not None
    assert report.advice.startswith(
        "90% of your audience (9,000 of 10,000 followers) is on Instagram (Meta)."
    )
    assert "channel Meta doesn't own" in report.advice


def test_an_owner_holding_the_email_list_is_not_told_to_use_the_email_list() -> None:
    report = reach_by_owner([("gmail", 9_000), ("youtube", 100), ("x", 1_000)], builtin_platforms())
    assert report.advice is not None
    assert "Google's platforms: Gmail and YouTube" in report.advice
    assert "email list" not in report.advice


def test_half_or_less_gives_no_advice() -> None:
    report = reach_by_owner([("facebook", 5_000), ("x", 5_000)], builtin_platforms())
    assert report.advice is None and report.hint is None
    assert [o.share for o in report.owners] == [0.5, 0.5]


def test_unknown_platforms_are_reported_not_counted() -> None:
    report = reach_by_owner(
        [("facebook", 100), ("myspace", 900), ("myspace", 1), ("x", 50)], builtin_platforms()
    )
    assert report.unknown == ("myspace",)
    assert report.total == 150
    assert report.advice is not None and report.advice.startswith(
        "67% of your audience (100 of 150 followers)"
    )


def test_the_same_platform_twice_adds_up_and_slips_count_as_zero() -> None:
    report = reach_by_owner([("facebook", 100), ("facebook", 50), ("x", -40)], builtin_platforms())
    assert [(o.owner, o.followers) for o in report.owners] == [("Meta", 150), ("X Corp", 0)]
    assert report.owners[0].platform_ids == ("facebook",)


@pytest.mark.parametrize("audience", [[], [("facebook", 0), ("x", 0)], [("myspace", 10)]])
def test_no_numbers_give_a_hint_instead_of_advice(audience: list[tuple[str, int]]) -> None:
    report = reach_by_owner(audience, builtin_platforms())
    assert report.advice is None
    assert report.hint == FILL_IN_HINT
    assert report.total == 0
    assert all(o.share == 0.0 for o in report.owners)
