"""Each change says when what it reports began (issue 15): the incident log's start and end.

A claim needs the first round that saw the failure, not the round that confirmed it, and
the end of an outage is the first clean round of the recovery, not the round that was
sure of it.
"""

from __future__ import annotations

from datetime import timedelta

from outagetray.core.judge import Change
from outagetray.core.model import Verdict
from tests.core.test_flapping import APPS, T0, Driver, results
from tests.core.test_judge import T0 as WAKE_T0
from tests.core.test_judge import Driver as WakingDriver
from tests.core.test_judge import healthy, servfail

FACEBOOK = APPS[0]


def test_a_confirmed_outage_began_at_its_first_failing_round() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=3, recover_rounds=2)
    drive.round({"facebook": results(FACEBOOK, set())})  # minute 0: fine
    for _ in range(3):  # minutes 1, 2, 3: every host fails; the third round confirms
        drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})
    down = [c for c in drive.changes if c.new.is_problem]
    assert len(down) == 1
    assert down[0].at == T0 + timedelta(minutes=3)
    assert down[0].began == T0 + timedelta(minutes=1)


def test_a_recovery_began_at_its_first_clean_round() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=3)
    drive.round({"facebook": results(FACEBOOK, set())})  # minute 0
    for _ in range(3):  # minutes 1-3
        drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})
    for _ in range(3):  # minutes 4-6: clean; the third confirms the recovery
        drive.round({"facebook": results(FACEBOOK, set())})
    back = [c for c in drive.changes if c.old.is_problem and c.new is Verdict.OPERATIONAL]
    assert len(back) == 1
    assert back[0].at == T0 + timedelta(minutes=6)
    assert back[0].began == T0 + timedelta(minutes=4)


def test_a_failing_round_inside_the_recovery_moves_its_start() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=2)
    drive.round({"facebook": results(FACEBOOK, set())})
    for _ in range(2):  # minutes 1-2: down
        drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})
    drive.round({"facebook": results(FACEBOOK, set())})  # minute 3: clean
    drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})  # minute 4: failing again
    for _ in range(30):  # from minute 5: clean for as long as the judge asks
        drive.round({"facebook": results(FACEBOOK, set())})
    back = [c for c in drive.changes if c.old.is_problem and not c.new.is_problem]
    assert back, "it recovered"
    assert back[-1].began == T0 + timedelta(minutes=5)


def test_a_recovery_says_the_last_round_that_saw_the_failure() -> None:
    drive = Driver(FACEBOOK, confirm_rounds=2, recover_rounds=3)
    drive.round({"facebook": results(FACEBOOK, set())})  # minute 0
    for _ in range(3):  # minutes 1-3: down
        drive.round({"facebook": results(FACEBOOK, {0, 1, 2})})
    for _ in range(3):  # minutes 4-6: clean
        drive.round({"facebook": results(FACEBOOK, set())})
    [down] = [c for c in drive.changes if c.new.is_problem]
    [back] = [c for c in drive.changes if c.old.is_problem and c.new is Verdict.OPERATIONAL]
    assert down.last_bad is None  # only "back" says it
    assert back.last_bad == T0 + timedelta(minutes=3)
    assert back.began == T0 + timedelta(minutes=4)


def test_after_a_sleep_the_recovery_says_when_the_failure_was_last_seen() -> None:
    """A laptop asleep mid-outage: the first clean round is the wake-up, the failure was
    last seen before the sleep; the log needs both to say the end lies in between."""
    drive = WakingDriver(FACEBOOK)
    drive.round(healthy(FACEBOOK))  # minute 0
    for _ in range(5):  # minutes 1-5: down (confirmed at 3)
        drive.round(servfail(FACEBOOK))
    drive.n += 15 * 60  # asleep for 15 hours
    for index in range(3):
        drive.round(healthy(FACEBOOK), after_resume=index == 0)
    backs = [c for c in drive.changes if isinstance(c, Change) and c.old.is_problem]
    [back] = [c for c in backs if not c.new.is_problem]
    assert back.last_bad == WAKE_T0 + timedelta(minutes=5)
    assert back.began == WAKE_T0 + timedelta(minutes=6 + 15 * 60)


def test_a_fresh_judge_never_saw_the_failure() -> None:
    drive = Driver(FACEBOOK)
    [first] = drive.round({"facebook": results(FACEBOOK, set())})
    assert first.new is Verdict.OPERATIONAL and first.last_bad is None
