"""The timeline the window draws and the exports print: hand-made incidents, a fixed clock."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from outagetray.core.model import Verdict
from outagetray.core.records import Incident, StateChange
from outagetray.core.timeline import Segment, problem_seconds, segments, ticks, uptime

OK = Verdict.OPERATIONAL
DOWN = Verdict.MAJOR_OUTAGE
PART = Verdict.PARTIAL_OUTAGE
UNK = Verdict.UNKNOWN
DAY = datetime(2026, 3, 10, tzinfo=UTC)
NOW = DAY + timedelta(hours=24)
BERLIN = ZoneInfo("Europe/Berlin")
KATHMANDU = ZoneInfo("Asia/Kathmandu")


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def change(hours: float, old: Verdict, new: Verdict, platform: str = "facebook") -> StateChange:
    return StateChange(at=at(hours), platform=platform, old=old, new=new, evidence="seen")


def incident(
    id: int,
    start: float,
    confirmed: float,
    end: float | None,
    *changes: StateChange,
    platforms: tuple[str, ...] = ("facebook",),
    worst: Verdict = DOWN,
) -> Incident:
    return Incident(
        id=id,
        owner="Meta",
        platforms=platforms,
        worst=worst,
        started_at=at(start),
        confirmed_at=at(confirmed),
        ended_at=None if end is None else at(end),
        changes=changes,
    )


def plain(parts: list[Segment]) -> list[tuple[float, float, Verdict, int | None]]:
    hour = 3600.0
    return [
        ((s.start - DAY).total_seconds() / hour, (s.end - DAY).total_seconds() / hour, s.verdict, s.incident)
        for s in parts
    ]


def test_no_incidents_is_one_operational_segment_over_the_whole_window() -> None:
    assert plain(segments([], "facebook", at(0), at(24), now=NOW)) == [(0, 24, OK, None)]


def test_onset_before_confirmation_takes_the_first_changes_verdict() -> None:
    inc = incident(7, 10, 10.5, 12, change(10.5, OK, PART), change(11, PART, DOWN), change(12, DOWN, OK))
    assert plain(segments([inc], "facebook", at(0), at(24), now=NOW)) == [
        (0, 10, OK, None),
        (10, 11, PART, 7),
        (11, 12, DOWN, 7),
        (12, 24, OK, None),
    ]


def test_unknown_changes_stay_unknown_and_count_as_no_problem() -> None:
    inc = incident(3, 1, 1, 5, change(1, OK, DOWN), change(2, DOWN, UNK), change(3, UNK, DOWN))
    parts = segments([inc], "facebook", at(0), at(6), now=NOW)
    assert plain(parts) == [
        (0, 1, OK, None),
        (1, 2, DOWN, 3),
        (2, 3, UNK, 3),
        (3, 5, DOWN, 3),
        (5, 6, OK, None),
    ]
    assert problem_seconds(parts) == 3 * 3600
    assert uptime(parts) == pytest.approx(0.5)


def test_open_incident_runs_to_now_and_after_now_is_unknown() -> None:
    inc = incident(9, 20, 20.25, None, change(20.25, OK, DOWN))
    now = at(22)
    assert plain(segments([inc], "facebook", at(0), at(24), now=now)) == [
        (0, 20, OK, None),
        (20, 22, DOWN, 9),
        (22, 24, UNK, None),
    ]


def test_clipped_to_the_window() -> None:
    inc = incident(1, -5, -4, 3, change(-4, OK, DOWN))
    assert plain(segments([inc], "facebook", at(0), at(24), now=NOW)) == [
        (0, 3, DOWN, 1),
        (3, 24, OK, None),
    ]
    assert segments([inc], "facebook", at(5), at(5), now=NOW) == []


def test_adjacent_equal_segments_merge_and_other_platforms_are_ignored() -> None:
    first = incident(1, 2, 2, 4, change(2, OK, DOWN), change(3, DOWN, DOWN))
    other = incident(2, 5, 5, 8, change(5, OK, DOWN, "x"), platforms=("x",))
    assert plain(segments([first, other], "facebook", at(0), at(10), now=NOW)) == [
        (0, 2, OK, None),
        (2, 4, DOWN, 1),
        (4, 10, OK, None),
    ]


def test_platform_recovered_inside_a_shared_incident_is_operational_without_id() -> None:
    inc = incident(
        4,
        1,
        1,
        6,
        change(1, OK, DOWN, "facebook"),
        change(1, OK, DOWN, "instagram"),
        change(3, DOWN, OK, "instagram"),
        platforms=("facebook", "instagram"),
    )
    assert plain(segments([inc], "instagram", at(0), at(8), now=NOW)) == [
        (0, 1, OK, None),
        (1, 3, DOWN, 4),
        (3, 8, OK, None),
    ]


def test_platform_joining_later_is_not_drawn_back_to_the_start() -> None:
    inc = incident(
        5,
        1,
        1.5,
        6,
        change(1.5, OK, DOWN, "facebook"),
        change(4, OK, PART, "instagram"),
        platforms=("facebook", "instagram"),
    )
    assert plain(segments([inc], "instagram", at(0), at(8), now=NOW)) == [
        (0, 4, OK, None),
        (4, 6, PART, 5),
        (6, 8, OK, None),
    ]


def test_incident_without_changes_shows_its_worst_verdict() -> None:
    inc = incident(6, 2, 2, 3, worst=PART)
    assert plain(segments([inc], "facebook", at(0), at(4), now=NOW)) == [
        (0, 2, OK, None),
        (2, 3, PART, 6),
        (3, 4, OK, None),
    ]


def test_overlapping_incidents_later_one_wins_and_the_earlier_resumes() -> None:
    long = incident(1, 1, 1, 9, change(1, OK, PART))
    short = incident(2, 3, 3, 5, change(3, OK, DOWN))
    assert plain(segments([short, long], "facebook", at(0), at(10), now=NOW)) == [
        (0, 1, OK, None),
        (1, 3, PART, 1),
        (3, 5, DOWN, 2),
        (5, 9, PART, 1),
        (9, 10, OK, None),
    ]


def test_segments_are_contiguous_and_cover_the_window() -> None:
    incs = [
        incident(i, i * 2.0, i * 2.0 + 0.1, i * 2.0 + 1.3, change(i * 2.0 + 0.1, OK, DOWN if i % 2 else PART))
        for i in range(10)
    ]
    parts = segments(incs, "facebook", at(-1), at(30), now=NOW)
    assert parts[0].start == at(-1) and parts[-1].end == at(30)
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert all(
        not (a.verdict is b.verdict and a.incident == b.incident) for a, b in itertools.pairwise(parts)
    )


def test_uptime_of_an_empty_window_is_full() -> None:
    assert uptime([]) == 1.0
    assert problem_seconds([]) == 0


def test_hour_ticks_for_24_hours_on_the_local_clock_in_kathmandu() -> None:
    marks = ticks(at(0), at(24), KATHMANDU)
    assert 6 <= len(marks) <= 12
    for moment, label in marks:
        local = moment.astimezone(KATHMANDU)
        assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
        assert local.minute == 0
        assert label == ("11 Mar" if local.hour == 0 else f"{local.hour:02d}:00")
    # Kathmandu is 5:45 ahead: local whole hours fall at a quarter past in UTC.
    assert {m.minute for m, _ in marks} == {15}
    assert "11 Mar" in [label for _, label in marks]


def test_hour_ticks_across_a_dst_change_stay_on_whole_local_hours() -> None:
    start = datetime(2026, 3, 28, 12, tzinfo=UTC)  # Berlin springs forward on 29 March
    marks = ticks(start, start + timedelta(hours=24), BERLIN, max_ticks=30)
    labels = [label for _, label in marks]
    assert "02:00" not in labels  # that hour does not exist in Berlin that night
    assert "29 Mar" in labels and "03:00" in labels
    assert all(m.astimezone(BERLIN).minute == 0 for m, _ in marks)


def test_day_ticks_for_30_days_at_local_midnight() -> None:
    start = datetime(2026, 3, 1, 10, tzinfo=UTC)
    marks = ticks(start, start + timedelta(days=30), BERLIN)
    assert 2 <= len(marks) <= 12
    for moment, label in marks:
        local = moment.astimezone(BERLIN)
        assert (local.hour, local.minute) == (0, 0)
        assert label == f"{local.day} {local.strftime('%b')}"
    assert ticks(start, start, BERLIN) == []


def test_recovery_confirmed_after_the_first_clean_round_ends_at_ended_at() -> None:
    # The log ends an incident at the first clean round; the "back" change comes later.
    inc = incident(8, 1, 1.25, 3, change(1.25, OK, DOWN), change(3.5, DOWN, OK))
    assert plain(segments([inc], "facebook", at(0), at(5), now=NOW)) == [
        (0, 1, OK, None),
        (1, 3, DOWN, 8),
        (3, 5, OK, None),
    ]


def test_minute_ticks_for_a_short_window() -> None:
    start = datetime(2026, 3, 10, 13, 2, 30, tzinfo=UTC)
    marks = ticks(start, start + timedelta(minutes=40), KATHMANDU)
    labels = [label for _, label in marks]
    assert 3 <= len(marks) <= 12
    assert all(m.astimezone(KATHMANDU).minute % 5 == 0 for m, _ in marks)
    assert labels[0] == "18:50"  # 13:02:30 UTC is 18:47:30 in Kathmandu


def test_the_stretch_nobody_watched_is_unknown_not_outage() -> None:
    """Asleep from 16:07 to 07:10: the bar shows the outage until it was last seen, then unknown."""
    from dataclasses import replace

    t0 = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    down = StateChange(
        t0 + timedelta(minutes=3), "facebook", Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, "down"
    )
    back = StateChange(
        t0 + timedelta(hours=15, minutes=12), "facebook", Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL, "ok"
    )
    incident = Incident(
        1,
        "Meta",
        ("facebook",),
        Verdict.MAJOR_OUTAGE,
        t0 + timedelta(minutes=1),
        t0 + timedelta(minutes=3),
        ended_at=t0 + timedelta(hours=15, minutes=10),
        changes=(down, back),
    )
    uncertain = replace(incident, last_seen_down=t0 + timedelta(minutes=7), end_uncertain=True)
    day = segments([uncertain], "facebook", t0, t0 + timedelta(hours=24), now=t0 + timedelta(hours=24))
    assert [(s.verdict, s.start - t0) for s in day] == [
        (Verdict.OPERATIONAL, timedelta(0)),
        (Verdict.MAJOR_OUTAGE, timedelta(minutes=1)),
        (Verdict.UNKNOWN, timedelta(minutes=7)),
        (Verdict.OPERATIONAL, timedelta(hours=15, minutes=10)),
    ]
    watched = segments([incident], "facebook", t0, t0 + timedelta(hours=24), now=t0 + timedelta(hours=24))
    assert [s.verdict for s in watched] == [Verdict.OPERATIONAL, Verdict.MAJOR_OUTAGE, Verdict.OPERATIONAL]
