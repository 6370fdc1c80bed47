"""The notification policy: one event gives one pop-up, flapping is not a flood, nights stay quiet.

Every test drives the policy with hand-built changes and an explicit ``now``; hours of
monitoring run in microseconds and never depend on the machine's clock or time zone.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from outagetray.core.alerts import MAX_BODY, MAX_TITLE, AlertPolicy, Notification
from outagetray.core.catalog import builtin_platforms
from outagetray.core.connectivity import Connectivity
from outagetray.core.judge import Change, ConnectivityChange, PlatformStatus
from outagetray.core.model import Verdict
from outagetray.core.settings import Notifications

PLATFORMS = builtin_platforms()
#: A Wednesday in winter: Paris is UTC+1 that day.
T0 = datetime(2026, 1, 14, 15, 2, tzinfo=UTC)
CET = timezone(timedelta(hours=1), "CET")
DOWN, PARTIAL, DEGRADED, OK = (
    Verdict.MAJOR_OUTAGE,
    Verdict.PARTIAL_OUTAGE,
    Verdict.DEGRADED,
    Verdict.OPERATIONAL,
)
_events: Iterator[int] = itertools.count(1)


def change(
    pid: str,
    new: Verdict,
    *,
    old: Verdict | None = None,
    at: datetime = T0,
    evidence: str | None = None,
    alert: bool = True,
    event: int | None = None,
    together: tuple[str, ...] = (),
) -> Change:
    if old is None:
        old = OK if new.is_problem else DOWN
    if evidence is None:
        evidence = "3 of 3 checks failed since 16:02" if new.is_problem else "3 of 3 checks pass again"
    return Change(
        at, PLATFORMS[pid], old, new, evidence, alert, event if event is not None else next(_events), together
    )


def meta_event(new: Verdict = DOWN, at: datetime = T0) -> list[Change]:
    """What the judge reports when Meta's three big apps fail in the same round."""
    together = ("facebook", "instagram", "whatsapp")
    event = next(_events)
    what = "down" if new.is_problem else "back"
    evidence = (
        f"Facebook, Instagram and WhatsApp (all Meta) are {what} together — "
        "DNS fails for facebook.com since 16:02; your connection is fine"
    )
    return [change(p, new, at=at, evidence=evidence, event=event, together=together) for p in together]


def status(pid: str, verdict: Verdict, since: datetime | None = None, evidence: str = "") -> PlatformStatus:
    if not evidence:
        evidence = "3 of 3 checks failed" if verdict.is_problem else "all 3 checks pass"
    return PlatformStatus(PLATFORMS[pid], verdict, since, evidence)


def statuses(**verdicts: Verdict) -> list[PlatformStatus]:
    """Every watched platform's status; the ones not named are operational."""
    watched = ("facebook", "instagram", "whatsapp", "x", "linkedin", "discord", "reddit", "tiktok")
    return [status(pid, verdicts.get(pid.replace("-", "_"), OK)) for pid in watched]


def policy(tz: timezone = CET, **prefs: object) -> AlertPolicy:
    return AlertPolicy(replace(Notifications(), **prefs), tz=tz)  # type: ignore[arg-type]


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment given in CET wall time, passed to the policy in UTC (as the monitor does)."""
    return datetime(2026, 1, day, hour, minute, tzinfo=CET).astimezone(UTC)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


# -- grouping --------------------------------------------------------------------------------------


def test_correlated_meta_event_is_one_notification_in_one_sentence() -> None:
    notes = policy().decide(meta_event(), T0)
    assert notes == [
        Notification(
            kind="down",
            title="Facebook, Instagram and WhatsApp are down",
            body=(
                "Facebook, Instagram and WhatsApp (all Meta) are down together — "
                "DNS fails for facebook.com since 16:02; your connection is fine"
            ),
            platforms=("facebook", "instagram", "whatsapp"),
            urgency="critical",
            sound=False,
            # The playbook's next steps, one click from the pop-up (issue 15).
            actions=(("incident", "Open the incident"), ("downdetector", "Check Downdetector")),
        )
    ]


def test_unrelated_platforms_in_one_round_share_one_notification_with_each_evidence() -> None:
    round_ = [
        change("discord", DOWN, evidence="discordstatus.com: Major outage of the API"),
        change("reddit", DOWN, evidence="3 of 3 checks failed since 16:02"),
    ]
    [note] = policy().decide(round_, T0)
    assert note.kind == "down"
    assert note.title == "Discord and Reddit are down"
    assert (
        note.body
        == "Discord: discordstatus.com: Major outage of the API\nReddit: 3 of 3 checks failed since 16:02"
    )
    assert note.platforms == ("discord", "reddit")


def test_an_event_and_a_lone_platform_in_one_round_give_one_line_each() -> None:
    [note] = policy().decide([*meta_event(), change("discord", DOWN, evidence="API down")], T0)
    assert note.title == "Facebook, Instagram, WhatsApp and Discord are down"
    lines = note.body.split("\n")
    assert len(lines) == 2
    assert lines[0].startswith("Facebook, Instagram and WhatsApp (all Meta) are down together")
    assert lines[1] == "Discord: API down"


def test_one_notification_per_kind_with_urgency_and_sound_by_kind() -> None:
    alerts = policy(sound=True)
    alerts.decide([change("discord", DOWN)], T0)
    notes = alerts.decide(
        [*meta_event(at=T0 + minutes(5)), change("reddit", DEGRADED), change("discord", OK)],
        T0 + minutes(5),
    )
    assert [(n.kind, n.urgency, n.sound) for n in notes] == [
        ("down", "critical", True),
        ("degraded", "normal", False),
        ("recovered", "low", False),
    ]
    assert [n.title for n in notes] == [
        "Facebook, Instagram and WhatsApp are down",
        "Reddit is having problems",
        "Discord is back",
    ]


def test_an_outage_that_is_only_partial_says_so() -> None:
    [note] = policy().decide([change("reddit", PARTIAL), change("x", PARTIAL)], T0)
    assert note.title == "Reddit and X (Twitter) are partly down"
    [note] = policy().decide([change("reddit", PARTIAL), change("x", DOWN)], T0)
    assert note.title == "Reddit and X (Twitter) are down"


def test_many_platforms_keep_title_and_body_short_and_count_the_rest() -> None:
    ids = [pid for pid in PLATFORMS if pid not in ("facebook", "instagram", "whatsapp")][:12]
    long = "a very long explanation from the status page, repeated " * 3
    [note] = policy().decide([change(pid, DOWN, evidence=long) for pid in ids], T0)
    assert len(note.platforms) == 12
    assert len(note.title) <= MAX_TITLE
    assert note.title.endswith("more are down")
    assert len(note.body) <= MAX_BODY
    assert note.body.splitlines()[-1].startswith("and ") and note.body.endswith(" more")


def test_evidence_is_kept_as_plain_single_lines() -> None:
    [note] = policy().decide([change("discord", DOWN, evidence="API\n  down <b>now</b>")], T0)
    assert note.body == "Discord: API down <b>now</b>"  # no markup added, none interpreted: the UI escapes


# -- what is never news ----------------------------------------------------------------------------


def test_changes_without_alert_are_ignored() -> None:
    alerts = policy()
    quiet = [
        change("discord", Verdict.UNKNOWN, old=OK, alert=False),
        change("reddit", DOWN, alert=False),  # e.g. the same outage again after the connection returned
    ]
    assert alerts.decide(quiet, T0) == []
    # Its recovery is not news either: the user was never told it was down.
    assert alerts.decide([change("reddit", OK)], T0 + minutes(5)) == []


def test_connectivity_changes_are_accepted_and_ignored() -> None:
    link = ConnectivityChange(T0, Connectivity.ONLINE, Connectivity.OFFLINE, "your connection appears down")
    assert policy().decide([link], T0) == []


def test_a_partial_outage_turning_major_is_not_a_second_pop_up() -> None:
    alerts = policy(cooldown_minutes=0)
    assert len(alerts.decide([change("reddit", PARTIAL)], T0)) == 1
    assert alerts.decide([change("reddit", DOWN, old=PARTIAL)], T0 + minutes(60)) == []


def test_muted_platforms_produce_nothing_and_their_recovery_is_not_news() -> None:
    alerts = policy(muted=("discord",))
    [note] = alerts.decide([change("discord", DOWN), change("reddit", DOWN)], T0)
    assert note.platforms == ("reddit",) and note.title == "Reddit is down"
    alerts.update(Notifications(muted=()))
    assert alerts.decide([change("discord", OK)], T0 + minutes(10)) == []  # its down was never shown
    [note] = alerts.decide([change("discord", DOWN)], T0 + minutes(20))
    assert note.platforms == ("discord",)


def test_a_recovery_while_muted_resets_what_the_user_was_told() -> None:
    alerts = policy()
    assert len(alerts.decide([change("discord", DOWN)], T0)) == 1
    alerts.update(Notifications(muted=("discord",)))
    assert alerts.decide([change("discord", OK)], T0 + minutes(60)) == []
    alerts.update(Notifications())
    [note] = alerts.decide([change("discord", DOWN)], T0 + minutes(120))
    assert (note.kind, note.platforms) == ("down", ("discord",))


def test_muting_drops_what_was_held_for_the_digest() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    alerts.decide([change("discord", DOWN), change("reddit", DOWN)], local(14, 23))
    alerts.update(Notifications(quiet_start="22:00", quiet_end="07:00", muted=("discord",)))
    [digest] = alerts.catch_up(local(15, 7), statuses(discord=DOWN, reddit=DOWN))
    assert digest.platforms == ("reddit",)


def test_disabled_notifications_produce_nothing() -> None:
    alerts = policy(enabled=False)
    assert alerts.decide(meta_event(), T0) == []
    assert alerts.catch_up(T0 + minutes(1), statuses(facebook=DOWN, instagram=DOWN, whatsapp=DOWN)) == []
    assert alerts.decide(meta_event(OK, T0 + minutes(5)), T0 + minutes(5)) == []


def test_disabling_drops_what_a_pause_held() -> None:
    alerts = policy()
    alerts.pause(T0 + minutes(60))
    assert alerts.decide([change("discord", DOWN)], T0) == []
    alerts.update(Notifications(enabled=False))
    alerts.update(Notifications())
    assert alerts.catch_up(T0 + minutes(61), statuses(discord=DOWN)) == []


# -- cool-down -------------------------------------------------------------------------------------


def test_flapping_platform_is_announced_once_per_cool_down_over_hours() -> None:
    alerts = policy(cooldown_minutes=30)
    shown: list[tuple[int, str]] = []
    for step in range(36):  # three hours, a flap every five minutes
        now = T0 + minutes(5 * step)
        verdict = DOWN if step % 2 == 0 else OK
        for note in alerts.decide([change("discord", verdict, at=now)], now):
            shown.append((5 * step, note.kind))
        for note in alerts.catch_up(now, statuses(discord=verdict)):
            shown.append((5 * step, note.kind))
    expected = [(m, "down") for m in range(0, 180, 30)] + [(m + 5, "recovered") for m in range(0, 180, 30)]
    assert sorted(shown) == sorted(expected)  # 12 pop-ups for 36 changes


def test_cool_down_zero_announces_every_change() -> None:
    alerts = policy(cooldown_minutes=0)
    kinds = [
        n.kind
        for step in range(6)
        for n in alerts.decide([change("discord", DOWN if step % 2 == 0 else OK)], T0 + minutes(step))
    ]
    assert kinds == ["down", "recovered"] * 3


def test_recovery_of_an_announced_down_is_announced_even_inside_the_cool_down() -> None:
    alerts = policy(cooldown_minutes=60)
    assert [n.kind for n in alerts.decide([change("discord", DOWN)], T0)] == ["down"]
    [back] = alerts.decide([change("discord", OK)], T0 + minutes(2))
    assert (back.kind, back.title, back.urgency, back.sound) == ("recovered", "Discord is back", "low", False)
    assert back.body == "Discord: 3 of 3 checks pass again"
    # Down again inside the cool-down: held; back again: the user never saw that down.
    assert alerts.decide([change("discord", DOWN)], T0 + minutes(4)) == []
    assert alerts.decide([change("discord", OK)], T0 + minutes(6)) == []
    assert alerts.catch_up(T0 + minutes(90), statuses()) == []  # nothing was left held


def test_a_recovery_is_never_held_by_the_cool_down_of_an_earlier_recovery() -> None:
    alerts = policy(cooldown_minutes=30)
    alerts.decide([change("discord", DOWN)], T0)
    assert [n.kind for n in alerts.decide([change("discord", OK)], T0 + minutes(5))] == ["recovered"]
    # A different problem inside the cool-down is news, and so is the end of it.
    assert [n.kind for n in alerts.decide([change("discord", DEGRADED)], T0 + minutes(10))] == ["degraded"]
    assert [n.kind for n in alerts.decide([change("discord", OK)], T0 + minutes(15))] == ["recovered"]


def test_a_held_outage_that_settles_is_announced_when_its_cool_down_ends() -> None:
    alerts = policy(cooldown_minutes=30)
    alerts.decide([change("discord", DOWN)], T0)
    alerts.decide([change("discord", OK)], T0 + minutes(5))
    assert alerts.decide([change("discord", DOWN)], T0 + minutes(10)) == []
    for m in (10, 15, 20, 25):
        assert alerts.catch_up(T0 + minutes(m), statuses(discord=DOWN)) == []
    [note] = alerts.catch_up(T0 + minutes(30), statuses(discord=DOWN))
    assert (note.kind, note.title, note.platforms) == ("down", "Discord is down", ("discord",))
    assert alerts.catch_up(T0 + minutes(35), statuses(discord=DOWN)) == []  # said once


# -- quiet hours -----------------------------------------------------------------------------------


def test_quiet_hours_across_midnight_give_one_digest_in_the_morning() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    assert len(alerts.decide([change("x", DOWN)], local(14, 21, 59))) == 1  # not quiet yet
    alerts.decide([change("x", OK)], local(14, 21, 59))
    assert alerts.decide([change("discord", DOWN)], local(14, 22, 0)) == []
    assert alerts.decide([change("reddit", DOWN)], local(15, 1)) == []
    assert alerts.decide([change("reddit", OK)], local(15, 3)) == []  # down and back in the night
    night = statuses(discord=DOWN)
    assert alerts.catch_up(local(15, 6, 59), night) == []
    since = local(14, 22, 0)
    morning = [status("discord", DOWN, since, "discordstatus.com: API outage"), status("reddit", OK)]
    [digest] = alerts.catch_up(local(15, 7, 0), morning)
    assert digest == Notification(
        kind="digest",
        title="While you were away: Discord is down",
        body="Discord: down since Wed 22:00 — discordstatus.com: API outage",
        platforms=("discord",),
        urgency="low",
        sound=False,
        news=("down",),
    )
    assert alerts.catch_up(local(15, 7, 1), morning) == []  # one digest, not one per round


def test_a_platform_down_and_back_during_the_night_produces_nothing() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    alerts.decide(meta_event(at=local(14, 23)), local(14, 23))
    alerts.decide(meta_event(OK, local(15, 2)), local(15, 2))
    assert alerts.catch_up(local(15, 7), statuses()) == []
    assert alerts.catch_up(local(15, 8), statuses()) == []


def test_recovery_during_the_night_of_an_announced_outage_is_in_the_digest() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    assert len(alerts.decide([change("linkedin", DOWN)], local(14, 21))) == 1
    alerts.decide([change("linkedin", OK)], local(15, 4))
    alerts.decide([change("tiktok", DEGRADED)], local(15, 5))
    [digest] = alerts.catch_up(local(15, 7), statuses(tiktok=DEGRADED))
    assert digest.title == "While you were away: TikTok is having problems; LinkedIn is back"
    assert digest.platforms == ("tiktok", "linkedin")
    assert digest.body.split("\n") == [
        "TikTok: having problems — 3 of 3 checks failed",
        "LinkedIn: working again — all 3 checks pass",
    ]
    assert digest.news == ("degraded", "recovered")  # most serious first: its icon shows that


def test_a_digest_of_good_news_says_so_for_its_icon() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    assert len(alerts.decide([change("linkedin", DOWN)], local(14, 21))) == 1
    alerts.decide([change("linkedin", OK)], local(15, 4))
    [digest] = alerts.catch_up(local(15, 7), statuses())
    assert digest.title == "While you were away: LinkedIn is back"
    assert digest.news == ("recovered",)


def test_digest_waits_for_a_platform_whose_state_is_unknown_at_dawn() -> None:
    alerts = policy(quiet_start="22:00", quiet_end="07:00")
    alerts.decide([change("discord", DOWN)], local(14, 23))
    offline = statuses(discord=Verdict.UNKNOWN)
    assert alerts.catch_up(local(15, 7), offline) == []
    [digest] = alerts.catch_up(local(15, 7, 5), statuses(discord=DOWN))
    assert digest.platforms == ("discord",)


def test_quiet_hours_within_one_day() -> None:
    alerts = policy(quiet_start="12:00", quiet_end="14:00")
    assert alerts.decide([change("discord", DOWN)], local(14, 12, 30)) == []
    assert len(alerts.decide([change("reddit", DOWN)], local(14, 14))) == 1
    [digest] = alerts.catch_up(local(14, 14), statuses(discord=DOWN, reddit=DOWN))
    assert digest.platforms == ("discord",)


def test_quiet_hours_follow_the_given_zone_not_utc() -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        paris = zoneinfo.ZoneInfo("Europe/Paris")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no time zone database on this machine")
    alerts = AlertPolicy(Notifications(quiet_start="22:00", quiet_end="07:00"), tz=paris)
    summer = datetime(2026, 7, 1, 19, 59, tzinfo=UTC)  # 21:59 in Paris (UTC+2)
    assert len(alerts.decide([change("discord", DOWN)], summer)) == 1
    assert alerts.decide([change("reddit", DOWN)], summer + minutes(1)) == []  # 22:00 in Paris


# -- pause -----------------------------------------------------------------------------------------


def test_pause_for_an_hour_then_one_digest() -> None:
    alerts = policy()
    alerts.pause(T0 + minutes(60))
    assert alerts.paused_until == T0 + minutes(60)
    assert alerts.decide(meta_event(at=T0 + minutes(10)), T0 + minutes(10)) == []
    assert alerts.decide([change("discord", DOWN)], T0 + minutes(20)) == []
    down = statuses(facebook=DOWN, instagram=DOWN, whatsapp=DOWN, discord=DOWN)
    assert alerts.catch_up(T0 + minutes(59), down) == []
    [digest] = alerts.catch_up(T0 + minutes(60), down)
    assert digest.kind == "digest"
    assert digest.title == "While you were away: Facebook, Instagram, WhatsApp and Discord are down"
    assert set(digest.platforms) == {"facebook", "instagram", "whatsapp", "discord"}
    assert alerts.paused_until is None
    assert alerts.catch_up(T0 + minutes(61), down) == []


def test_pause_until_tomorrow_holds_everything_all_day() -> None:
    alerts = policy()
    tomorrow = local(15, 8)
    alerts.pause(tomorrow)
    day = [
        (local(14, 17), [change("discord", DOWN)]),
        (local(14, 18), [change("reddit", DOWN)]),
        (local(14, 19), [change("reddit", OK)]),
        (local(14, 20), meta_event(at=local(14, 20))),
    ]
    for now, round_ in day:
        assert alerts.decide(round_, now) == []
        assert alerts.paused_until == tomorrow
    still = statuses(discord=DOWN, facebook=DOWN, instagram=DOWN, whatsapp=DOWN)
    for hour in range(21, 32):  # through the night, every hour
        assert alerts.catch_up(local(14, 0) + timedelta(hours=hour), still) == []
    [digest] = alerts.catch_up(tomorrow, still)
    assert digest.platforms == ("discord", "facebook", "instagram", "whatsapp")
    assert "reddit" not in digest.platforms


def test_resume_shows_what_was_held_at_once() -> None:
    alerts = policy()
    alerts.pause(T0 + timedelta(hours=8))
    assert alerts.decide([change("discord", DOWN)], T0) == []
    alerts.pause(None)
    assert alerts.paused_until is None
    [digest] = alerts.catch_up(T0 + minutes(1), statuses(discord=DOWN))
    assert digest.platforms == ("discord",)
    # Back to normal: new changes are announced at once.
    assert [n.kind for n in alerts.decide([change("discord", OK)], T0 + minutes(2))] == ["recovered"]


def test_a_pause_in_the_past_counts_as_no_pause() -> None:
    alerts = policy()
    alerts.decide([], T0)
    alerts.pause(T0 - minutes(1))
    assert alerts.paused_until is None
    assert len(alerts.decide([change("discord", DOWN)], T0)) == 1


# -- preferences -----------------------------------------------------------------------------------


def test_update_applies_new_preferences_at_once() -> None:
    alerts = policy()
    [note] = alerts.decide([change("discord", DOWN)], T0)
    assert note.sound is False
    alerts.update(Notifications(sound=True, muted=("reddit",)))
    notes = alerts.decide([change("reddit", DOWN), change("x", DOWN)], T0 + minutes(1))
    assert [(n.platforms, n.sound) for n in notes] == [(("x",), True)]
    # Quiet hours switched on for now, then off again: the held news comes as a digest.
    alerts.update(Notifications(quiet_start="00:00", quiet_end="23:59"))
    assert alerts.decide([change("tiktok", DOWN)], T0 + minutes(2)) == []
    alerts.update(Notifications())
    [digest] = alerts.catch_up(T0 + minutes(3), statuses(tiktok=DOWN, discord=DOWN, x=DOWN))
    assert digest.platforms == ("tiktok",)
    # A longer cool-down holds what a shorter one would have shown.
    alerts.decide([change("discord", OK)], T0 + minutes(4))
    alerts.update(Notifications(cooldown_minutes=120))
    assert alerts.decide([change("discord", DOWN)], T0 + minutes(90)) == []
    alerts.update(Notifications(cooldown_minutes=60))
    assert len(alerts.catch_up(T0 + minutes(91), statuses(discord=DOWN))) == 1
