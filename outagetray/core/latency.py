"""How long checks usually take, so that "slow" means slow for this check on this network.

STATUS-SOURCES.md §5.1 step 5: keep a rolling median per probe and call a platform slow
(degraded) only when its checks take more than three times as long as usual, for three
rounds in a row, while the user's own connection checks take their usual time.

Two choices of ours, both against false alarms:

- Slow also means at least ``SLOW_MIN_EXTRA`` seconds slower than usual. Three times
  40 ms is still faster than anyone notices, and jitter of that size is common.
- Samples from slow rounds are not added to a platform's baseline, so a platform that
  stays slow for hours is not quietly declared fine again once its slowness became the
  median. Samples from rounds where the user's own connection is slow are added, so
  when the user moves to a slower network every baseline moves with it.
"""

from __future__ import annotations

import statistics
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

#: Samples kept per check.
WINDOW = 20
#: Samples needed before a check's usual time is trusted.
MIN_SAMPLES = 5
SLOW_FACTOR = 3.0
#: Seconds a check must be slower than usual, on top of SLOW_FACTOR, to count as slow.
SLOW_MIN_EXTRA = 1.0


@dataclass(frozen=True)
class Slowness:
    """A slow round: the median time of its checks now, and what it usually is."""

    now: float
    usual: float


class Baselines:
    """Rolling samples of how long each check took, keyed by the check."""

    def __init__(self) -> None:
        self._samples: dict[str, deque[float]] = {}

    def judge(self, samples: Mapping[str, float]) -> Slowness | None:
        """The round's slowness, or None when it is not slow or too little is known yet."""
        now: list[float] = []
        usual: list[float] = []
        for key, seconds in samples.items():
            known = self._samples.get(key)
            if known is not None and len(known) >= MIN_SAMPLES:
                now.append(seconds)
                usual.append(statistics.median(known))
        if not now:
            return None
        median_now, median_usual = statistics.median(now), statistics.median(usual)
        if median_now > SLOW_FACTOR * median_usual and median_now - median_usual >= SLOW_MIN_EXTRA:
            return Slowness(median_now, median_usual)
        return None

    def add(self, samples: Mapping[str, float]) -> None:
        for key, seconds in samples.items():
            self._samples.setdefault(key, deque(maxlen=WINDOW)).append(seconds)
