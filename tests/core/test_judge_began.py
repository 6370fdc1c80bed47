"""Each change says when what it reports began (issue 15): the incident log's start and end.

A claim needs the first round that saw the failure, not the round that confirmed it, and
the end of an outage is the first clean round of the recovery, not the round that was
sure of it.
"""

from __future__ import annotations

from datetime import timedelta

from outagetray.core.model import Verdict
from tests.core.test_flapping import APPS, T0, Driver, results

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
