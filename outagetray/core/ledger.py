"""What each platform's news was, and what the user was told: kept once, in one vocabulary.

The judge and the alert policy each used to keep their own "what was told", in their
own words (the judge in verdicts, the policy in "ok"/"down"/"degraded"), and each
started again from nothing whenever it was rebuilt. Now both read and write this one
ledger, which the composition root builds once and hands to both; the incident log
will read it too.

Two facts are kept per platform, because they differ exactly when the user asked not
to hear (a mute, a pause, quiet hours, a cool-down):

- ``announced``: the last news the core declared (the judge's ``Change.alert``): what
  ``watch`` prints and what the app hands to the policy. A partial outage turning major,
  or an outage still there when the user's connection returns, is no news against it.
- ``shown``: the last news that reached the user's screen, and when each kind was last
  shown (the cool-down counts from there). A recovery is only news to a user who was
  shown the problem.

Both are :class:`Told` values, the one vocabulary: ``ok``, ``degraded``, ``down``.
The judge writes ``announced`` on the monitor's thread; the policy writes ``shown`` on
the UI thread. A lock keeps every read whole.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from outagetray.core.model import Verdict


class Told(StrEnum):
    """What a verdict means to a person: fine, having problems, or down."""

    OK = "ok"
    DEGRADED = "degraded"
    DOWN = "down"


def told_of(verdict: Verdict) -> Told | None:
    """The news a verdict carries; None for unknown, which is never news.

    Maintenance counts as fine: planned work is no cause for alarm. A partial and a
    major outage are both "down": one turning into the other is the same outage.
    """
    if verdict in (Verdict.OPERATIONAL, Verdict.MAINTENANCE):
        return Told.OK
    if verdict is Verdict.DEGRADED:
        return Told.DEGRADED
    if verdict in (Verdict.PARTIAL_OUTAGE, Verdict.MAJOR_OUTAGE):
        return Told.DOWN
    return None


@dataclass(frozen=True)
class Entry:
    """One platform's line in the ledger; a snapshot, safe to hand to another thread."""

    announced: Told = Told.OK
    shown: Told = Told.OK
    #: When each kind of news was last shown to the user (UTC), for the cool-down.
    shown_at: dict[Told, datetime] = field(default_factory=dict)


class Ledger:
    """The one holder of what each platform's news was and what the user was told."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        #: The platforms watched since the last ``keep``; None until then (all are).
        self._watched: frozenset[str] | None = None

    def entry(self, pid: str) -> Entry:
        with self._lock:
            return self._entries.get(pid, Entry())

    def announced(self, pid: str) -> Told:
        return self.entry(pid).announced

    def shown(self, pid: str) -> Told:
        return self.entry(pid).shown

    def last_shown(self, pid: str, told: Told) -> datetime | None:
        return self.entry(pid).shown_at.get(told)

    def announce(self, pid: str, told: Told) -> None:
        """The core declared this news (a change with ``alert``)."""
        self._update(pid, announced=told)

    def show(self, pid: str, told: Told, at: datetime) -> None:
        """The user was shown this news at ``at``.

        Ignored for a platform no longer watched: a round's report can reach the UI
        thread after a save dropped the platform, and must not re-create its line as
        "shown down", or the platform, watched again, would stay silent when it goes down.
        """
        with self._lock:
            if not self._is_watched(pid):
                return
            old = self._entries.get(pid, Entry())
            self._entries[pid] = replace(old, shown=told, shown_at={**old.shown_at, told: at})

    def unshow(self, pid: str) -> None:
        """Nothing reached the user (muted, notifications off): a later recovery is no news to them."""
        with self._lock:
            if self._is_watched(pid):
                self._entries[pid] = replace(self._entries.get(pid, Entry()), shown=Told.OK)

    def keep(self, pids: Iterable[str]) -> None:
        """Forget platforms no longer watched; a platform watched again starts afresh."""
        wanted = frozenset(pids)
        with self._lock:
            self._watched = wanted
            self._entries = {pid: e for pid, e in self._entries.items() if pid in wanted}

    def _is_watched(self, pid: str) -> bool:
        """Call with the lock held."""
        return self._watched is None or pid in self._watched

    def _update(self, pid: str, **values: Told) -> None:
        with self._lock:
            self._entries[pid] = replace(self._entries.get(pid, Entry()), **values)  # type: ignore[arg-type]
