"""After an outage (issue 15 item 9): welcome-back only once the platform stayed up, and
"tell me when it's back" kept even for a muted platform, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from outagetray.core.followups import FollowUps
from outagetray.core.judge import Change, PlatformStatus
from outagetray.core.model import Verdict
from tests.core.test_flapping import APPS, T0, Driver, results

FACEBOOK, INSTAGRAM = APPS[0], APPS[1]


def outage_and_back(drive: Driver, *platforms: object) -> list[Change]:
    """Minute 0 fine, 1-3 down, 4-5 clean (recover_rounds=2): back confirmed at minute 5."""
    ids = [p.id for p in APPS if p in platforms]
    fine = {pid: results(p, set()) for pid, p in zip(ids, platforms, strict=True)}
    down = {pid: results(p, {0, 1, 2}) for pid, p in zip(ids, platforms, strict=True)}
    drive.round(fine)
    for _ in range(3):
        drive.round(down)
    for _ in range(2):
        drive.round(fine)
    return drive.changes


def statuses(drive: Driver) -> list[PlatformStatus]:
    return list(drive.statuses[-1].values())


def test_welcome_back_waits_for_a_stable_stretch_from_the_first_clean_round() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK)
    follow = FollowUps(after=timedelta(minutes=15))
    assert follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5)) == []
    # Back since the first clean round (minute 4): 15 minutes later is minute 19.
    assert follow.observe([], statuses(drive), T0 + timedelta(minutes=18, seconds=59)) == []
    notes = follow.observe([], statuses(drive), T0 + timedelta(minutes=19))
    assert [n.kind for n in notes] == ["welcome_back"]
    assert notes[0].platforms == ("facebook",)
    assert "15 minutes" in notes[0].title
    assert ("welcome_back", "Write the welcome-back post") in notes[0].actions
    assert follow.observe([], statuses(drive), T0 + timedelta(minutes=40)) == [], "said once"


def test_a_relapse_cancels_the_welcome_back() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK)
    follow = FollowUps(after=timedelta(minutes=15))
    follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5))
    before = len(drive.changes)
    for _ in range(2):
        drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})
    follow.observe(drive.changes[before:], statuses(drive), T0 + timedelta(minutes=7))
    assert follow.observe([], statuses(drive), T0 + timedelta(minutes=30)) == []


def test_no_welcome_back_for_a_muted_platform() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK)
    follow = FollowUps(after=timedelta(minutes=1))
    follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5), muted={"facebook"})
    assert follow.observe([], statuses(drive), T0 + timedelta(minutes=9), muted={"facebook"}) == []


def test_a_followed_platform_is_announced_once_even_when_muted() -> None:
    drive = Driver(FACEBOOK, INSTAGRAM, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK, INSTAGRAM)
    follow = FollowUps(after=timedelta(hours=1), followed=["instagram"])
    notes = follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5), muted={"instagram"})
    assert [(n.kind, n.platforms) for n in notes] == [("recovered", ("instagram",))]
    assert "Instagram is back" in notes[0].title
    assert follow.followed == frozenset()


def test_a_followed_platform_the_policy_already_announced_is_not_told_twice() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK)
    follow = FollowUps(followed=["facebook"])
    notes = follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5), announced={"facebook"})
    assert notes == []
    assert follow.followed == frozenset()


def test_an_unknown_round_neither_cancels_nor_counts_as_bad() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    changes = outage_and_back(drive, FACEBOOK)
    follow = FollowUps(after=timedelta(minutes=15))
    follow.observe(changes, statuses(drive), T0 + timedelta(minutes=5))
    offline = [replace(s, verdict=Verdict.UNKNOWN) for s in statuses(drive)]
    assert follow.observe([], offline, T0 + timedelta(minutes=20)) == []
    assert [n.kind for n in follow.observe([], statuses(drive), T0 + timedelta(minutes=21))] == [
        "welcome_back"
    ]
