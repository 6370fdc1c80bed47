"""The pop-ups that come after an outage: "time for a welcome-back post", and "it's back".

A platform that has just recovered often stumbles again in the first minutes, and a
welcome-back post that goes out before it really works reads badly. So the playbook's
"back online" step is offered only once the platform has stayed up for a while
(``after``, 15 minutes unless the user sets another), and is cancelled if it fails again
meanwhile.

"Tell me when it's back" is a promise to one person about one platform: it is kept even
when that platform's alerts are muted, then forgotten (it is a one-off, not a setting).

Pure Python on the ``now`` it is given, like AlertPolicy, so an afternoon runs in a test.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from outagetray.core.alerts import Notification
from outagetray.core.judge import Change, ConnectivityChange, PlatformStatus
from outagetray.core.model import Verdict
from outagetray.core.reach import join_names as _join

log = logging.getLogger(__name__)

#: How long a platform must stay up before a welcome-back post is suggested.
DEFAULT_AFTER = timedelta(minutes=15)
WELCOME_ACTIONS: tuple[tuple[str, str], ...] = (("welcome_back", "Write the welcome-back post"),)
FINE = (Verdict.OPERATIONAL, Verdict.MAINTENANCE)


class FollowUps:
    """Keeps which platforms are waiting for a welcome-back, and which the user follows."""

    def __init__(self, after: timedelta = DEFAULT_AFTER, followed: Iterable[str] = ()) -> None:
        self.after = after
        #: Platform id -> when it came back (UTC), for platforms back after a real outage.
        self._back_since: dict[str, datetime] = {}
        #: The platforms the user asked to hear about when they are back.
        self._followed: set[str] = set(followed)

    @property
    def followed(self) -> frozenset[str]:
        return frozenset(self._followed)

    def follow(self, platform_id: str, wanted: bool = True) -> None:
        """Promise (or stop promising) one "it's back" pop-up for this platform."""
        if wanted:
            self._followed.add(platform_id)
        else:
            self._followed.discard(platform_id)

    def observe(
        self,
        changes: Sequence[Change | ConnectivityChange],
        statuses: Sequence[PlatformStatus],
        now: datetime,
        *,
        muted: Iterable[str] = (),
        announced: Iterable[str] = (),
    ) -> list[Notification]:
        """The follow-up pop-ups this round brings; call once per monitor round.

        ``muted`` platforms get no welcome-back suggestion (the user asked not to hear about
        them), but a platform the user follows is announced anyway: they asked for that one.
        ``announced`` are the platforms whose return the alert policy's pop-ups of this round
        already tell: a followed one among them is not told twice.
        """
        notes: list[Notification] = []
        back_now: list[Change] = []
        for change in changes:
            if not isinstance(change, Change):
                continue
            pid = change.platform.id
            if change.new in FINE and change.old.is_problem:
                # The outage's confirmed end: the stable stretch counts from its first clean round.
                self._back_since[pid] = change.began or change.at
                back_now.append(change)
            elif change.new.is_problem:
                self._back_since.pop(pid, None)  # failed again: no welcome-back yet
        followed_back = [c for c in back_now if c.platform.id in self._followed]
        for change in followed_back:
            self._followed.discard(change.platform.id)  # a one-off promise, kept once
        told = set(announced)
        followed_back = [c for c in followed_back if c.platform.id not in told]
        if followed_back:
            names = [c.platform.name for c in followed_back]
            notes.append(_note("recovered", _back_title(names), _back_body(followed_back), followed_back))
        current = {s.platform.id: s for s in statuses}
        silenced = set(muted)
        ready = []
        for pid, since in list(self._back_since.items()):
            status = current.get(pid)
            if status is None:
                del self._back_since[pid]  # no longer watched
                continue
            if status.verdict not in FINE:
                if status.verdict.is_problem:
                    del self._back_since[pid]
                continue  # unknown (the user's connection): wait and see
            if now - since >= self.after:
                del self._back_since[pid]
                if pid in silenced:
                    log.info("no welcome-back suggestion: %s is muted", pid)
                    continue
                ready.append(status)
        if ready:
            notes.append(self._welcome(ready))
        return notes

    def _welcome(self, statuses: list[PlatformStatus]) -> Notification:
        names = [s.platform.name for s in statuses]
        minutes = round(self.after.total_seconds() / 60)
        stretch = f"{minutes} minutes" if minutes != 1 else "a minute"
        title = f"{_join(names)} {'has' if len(names) == 1 else 'have'} been working for {stretch}"
        body = "A good moment to welcome your audience back: your welcome-back post is ready to copy."
        return Notification(
            kind="welcome_back",
            title=title[:80],
            body=body,
            platforms=tuple(s.platform.id for s in statuses),
            urgency="low",
            sound=False,
            actions=WELCOME_ACTIONS,
        )


def _note(kind: str, title: str, body: str, changes: list[Change]) -> Notification:
    assert kind == "recovered"
    return Notification(
        kind="recovered",
        title=title[:80],
        body=body,
        platforms=tuple(c.platform.id for c in changes),
        urgency="normal",
        sound=False,
    )


def _back_title(names: list[str]) -> str:
    return f"{_join(names)} {'is' if len(names) == 1 else 'are'} back, as you asked to know"


def _back_body(changes: list[Change]) -> str:
    return "\n".join(f"{c.platform.name}: {c.evidence}" for c in changes)[:300]
