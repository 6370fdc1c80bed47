"""How long checks usually take, so that "slow" means slow for this check on this network.

STATUS-SOURCES.md §5.1 step 5: keep a rolling median per probe and call a platform slow
(degraded) only when its checks take more than three times as long as usual, for three
rounds in a row, while the user's own connection checks are normal.

Choices of ours, all against false alarms:

- Slow also means at least ``SLOW_MIN_EXTRA`` seconds slower than usual. Three times
  40 ms is still faster than anyone notices, and jitter of that size is common.
- The user's own connection sets the allowance: when its checks take four times their
  usual time, a platform has to be three times slower than four times its usual time.
  Samples from rounds where that connection is slow go into every baseline, so when
  the user moves to a slower network the baselines move with it.
- Samples from a platform's slow rounds stay out of its baseline, so a slowness is not
  declared over just because it has become the median. After ``ACCEPT_SLOW_AFTER``
  slow rounds in a row they go in too: a change that lasts becomes the usual time,
  rather than a "degraded" that never ends.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

#: Samples kept per check.
WINDOW = 20
#: Samples needed before a check's usual time is trusted.
MIN_SAMPLES = 5
SLOW_FACTOR = 3.0
#: Seconds a check must be slower than usual, on top of SLOW_FACTOR, to count as slow.
SLOW_MIN_EXTRA = 1.0
#: Slow rounds in a row after which a platform's slow samples join its baseline.
ACCEPT_SLOW_AFTER = 30


@dataclass(frozen=True)
class Slowness:
    """A slow round: the median time of its checks now, and what it usually is."""

    now: float
    usual: float


@dataclass(frozen=True)
class LinkSpeed:
    """The user's own connection this round: far slower than usual, and by what factor (>= 1)."""

    slow: bool = False
    factor: float = 1.0


#: A connection at its usual speed (or one not measured yet).
STEADY = LinkSpeed()


def slowness(now: float, usual: float, allowance: float = 1.0) -> Slowness | None:
    """A Slowness if ``now`` is slow against ``usual`` times ``allowance``; None otherwise."""
    expected = usual * allowance
    if now > SLOW_FACTOR * expected and now - expected >= SLOW_MIN_EXTRA:
        return Slowness(now, usual)
    return None


class Baselines:
    """Rolling samples of how long each check took, keyed by the check."""

    def __init__(self) -> None:
        self._samples: dict[str, deque[float]] = {}

    def medians(self, samples: Mapping[str, float]) -> tuple[float, float] | None:
        """(now, usual): the median of this round's samples and of their usual times,
        over the checks with enough history; None while none has."""
        now: list[float] = []
        usual: list[float] = []
        for key, seconds in samples.items():
            known = self._samples.get(key)
            if known is not None and len(known) >= MIN_SAMPLES:
                now.append(seconds)
                usual.append(_median(known))
        if not now:
            return None
        return _median(now), _median(usual)

    def add(self, samples: Mapping[str, float]) -> None:
        for key, seconds in samples.items():
            self._samples.setdefault(key, deque(maxlen=WINDOW)).append(seconds)


def _median(values: Iterable[float]) -> float:
    """The median, as statistics.median gives it; that module pulls in decimal and
    fractions (0.8 MB) for one line of arithmetic."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
