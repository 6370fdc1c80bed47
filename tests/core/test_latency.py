"""The usual-time bookkeeping behind "slow is degraded" (the rules are in test_judge)."""

from __future__ import annotations

import statistics

from hypothesis import given
from hypothesis import strategies as st

from outagetray.core import latency
from outagetray.core.latency import Baselines, slowness


@given(st.lists(st.floats(min_value=0, max_value=1e4, allow_nan=False), min_size=1))
def test_median_is_the_statistics_median(values: list[float]) -> None:
    assert latency._median(values) == statistics.median(values)


def test_a_check_is_judged_only_with_enough_history() -> None:
    baselines = Baselines()
    for _ in range(latency.MIN_SAMPLES - 1):
        baselines.add({"dns a.test": 0.2})
    assert baselines.medians({"dns a.test": 5.0}) is None
    baselines.add({"dns a.test": 0.2})
    assert baselines.medians({"dns a.test": 5.0, "dns new.test": 9.0}) == (5.0, 0.2)


def test_only_the_newest_samples_count() -> None:
    baselines = Baselines()
    for _ in range(latency.WINDOW):
        baselines.add({"k": 0.2})
    for _ in range(latency.WINDOW):
        baselines.add({"k": 1.0})
    assert baselines.medians({"k": 1.0}) == (1.0, 1.0)


def test_slow_needs_both_the_factor_and_the_extra_second() -> None:
    assert slowness(2.5, 0.2) is not None
    assert slowness(0.5, 0.05) is None  # ten times, but 0.45 s: nobody notices
    assert slowness(2.0, 1.0) is None  # a second more, but only twice the usual
    assert slowness(2.5, 0.2, allowance=5.0) is None  # the user's own link is 5x slower too
