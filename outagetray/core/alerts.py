"""Decides which changes become pop-ups, so that one outage gives one notification, not a flood.

Users of every comparable tool complain first about false alarms and then about noise
(ANCHORS.md §3). The judge already refuses to cry wolf; this module makes sure what it
does report reaches the user as few, plain, grouped messages. It is pure Python and uses
only the ``now`` it is given, so hours of flapping can be tested in milliseconds.

The rules, exactly:

Kinds. A change's new verdict gives its kind: partial or major outage is "down",
degraded is "degraded", operational or maintenance is "recovered". Changes with
``alert=False`` or to unknown are never news and are ignored.

What the user was told. The policy keeps no memory of its own: the last thing the
user was shown ("ok" at start, "down" or "degraded", the ledger's one vocabulary) and
when, is in the ledger (core/ledger.py) that the judge owns and the composition root
hands to the policy. Only a change that differs from it can be announced; a partial
outage turning major is not a second pop-up (the tray shows the detail). A change of a
muted platform, or while notifications are disabled, shows nothing and resets what was
shown to "ok": the user was not told, so after unmuting its recovery is not announced
as "back", while its next outage is. What the policy does keep is its own filtering:
the pause, and which platforms' news it holds back (away or cooling down).

Grouping. All announced changes of one ``decide()`` call (one monitor round) give at
most one notification per kind, in the order down, degraded, recovered. Platforms of one
correlated event share one evidence line; unrelated platforms get one line each.

Cool-down (``cooldown_minutes``, 0 turns it off):

- "down" and "degraded" for a platform are not announced if the same kind was announced
  for that platform less than the cool-down ago (measured from the announcement, with
  the ``now`` of the call). The change is held instead.
- "recovered" is never held by the cool-down: it is announced exactly when the user was
  last told the platform had a problem, so nobody is left believing a platform is still
  down. A recovery of a problem the user was not told about is not news, and it drops
  anything held for that platform.
- So a down→recovered→down→recovered storm gives, per platform and per cool-down window,
  at most one "down" and one "recovered"; with degraded in the mix, at most one "down",
  one "degraded" and one "recovered" per announced problem.
- A held problem is not forgotten: ``catch_up()`` announces it once its cool-down is
  over if the platform is still in that state (it settled rather than flapped), so the
  user is never left with "back" while a platform has been down for an hour.

Pause and quiet hours. While paused or inside quiet hours (local time in ``tz``, start
inclusive, end exclusive, may span midnight; equal start and end mean no quiet hours)
nothing is shown: each alerting change only marks its platform as "changed while away".
The first ``catch_up()`` after the window sends ONE "digest" listing, for the
platforms that changed while away, those whose current state differs from what the user
was last told: still down or degraded, and also back, when the user had been told it was
down before the window (people must learn it is back). A platform that went down and
came back during the window produces nothing. A platform whose status is unknown at that
moment (the computer is still offline) stays held for a later digest rather than being
guessed at. Problems held by the cool-down join the digest when there is one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo
from typing import Literal

from outagetray.core.judge import Change, ConnectivityChange, PlatformStatus
from outagetray.core.ledger import Ledger, Told, told_of
from outagetray.core.model import Platform, Verdict
from outagetray.core.settings import Notifications

#: Every alert sent or held back, and why, goes to the log file (core/logfile.py): when
#: someone asks "why was I not told?", the answer is there.
log = logging.getLogger(__name__)

Kind = Literal["down", "degraded", "recovered", "digest", "welcome_back"]
Urgency = Literal["low", "normal", "critical"]
#: Why a platform's news was not shown yet.
_Reason = Literal["cooldown", "away"]

#: Titles stay short enough for every desktop's notification bubble.
MAX_TITLE = 80
#: Bodies stay short enough to be read at a glance and not cut by the desktop.
MAX_BODY = 300
#: A title names at most this many platforms, then says "and N more".
MAX_NAMED = 5

_URGENCY: dict[Kind, Urgency] = {
    "down": "critical",
    "degraded": "normal",
    "recovered": "low",
    "digest": "low",
    "welcome_back": "low",
}
#: The buttons a problem's pop-up offers, as (action id, label): the app routes each id.
PROBLEM_ACTIONS: tuple[tuple[str, str], ...] = (
    ("incident", "Open the incident"),
    ("downdetector", "Check Downdetector"),
)
_SPACES = re.compile(r"\s+")
_DIGEST_PREFIX = "While you were away: "
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Notification:
    """One pop-up, in plain text; the UI escapes it for whatever notification back-end it uses."""

    kind: Kind
    #: Short and plain, e.g. "Facebook, Instagram and WhatsApp are down".
    title: str
    #: The evidence in plain words, one line per event or platform.
    body: str
    #: Platform ids, in the order they are named.
    platforms: tuple[str, ...]
    urgency: Urgency
    sound: bool
    #: For a digest, the kinds of news it carries, most serious first ("down",
    #: "degraded", "recovered"), so the pop-up's icon can match them: a digest that
    #: only says "back" is good news and must not look like "unknown".
    news: tuple[Kind, ...] = ()
    #: Buttons beside the default click (which opens the window), as (action id, label).
    actions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Item:
    """One platform's news, from a Change or (for catch-up) from a PlatformStatus."""

    platform: Platform
    verdict: Verdict
    evidence: str
    event: int | None = None
    together: tuple[str, ...] = ()


class AlertPolicy:
    """Turns the monitor's changes into the few notifications a person should see.

    Not thread-safe: call it from one thread (the UI thread, after the bridge). What the
    user was shown is read from and written to ``ledger`` (the judge's, in the app); a
    policy built without one gets a ledger of its own (tests, a policy used alone).
    """

    def __init__(
        self, prefs: Notifications, tz: tzinfo | None = None, *, ledger: Ledger | None = None
    ) -> None:
        self._prefs = prefs
        self._tz = tz
        self.ledger = ledger if ledger is not None else Ledger()
        self._pause: datetime | None = None
        self._last_now: datetime | None = None
        self._held: dict[str, _Reason] = {}

    # -- preferences and pause ------------------------------------------------------------------

    def update(self, prefs: Notifications) -> None:
        """Apply new preferences at once; what was held is judged by them at the next catch-up."""
        self._prefs = prefs
        if not prefs.enabled:
            self._held.clear()

    def pause(self, until: datetime | None) -> None:
        """Hold every pop-up back until ``until``; ``None`` resumes now (the digest follows)."""
        self._pause = None if until is None else self._aware(until)

    @property
    def paused_until(self) -> datetime | None:
        """The end of the current pause, or None.

        The policy never reads the clock, so "in the past" means not after the latest
        ``now`` it was given (a pause set before any call is reported as set).
        """
        if self._pause is None:
            return None
        if self._last_now is not None and self._pause <= self._last_now:
            return None
        return self._pause

    # -- the two entry points -------------------------------------------------------------------

    def decide(self, changes: Sequence[Change | ConnectivityChange], now: datetime) -> list[Notification]:
        """The notifications for one monitor round; connectivity changes are accepted and ignored.

        They are ignored because a drop of the user's own connection is shown by the tray
        icon, and the judge already keeps it from turning into platform alerts.
        """
        now = self._see(now)
        prefs = self._prefs
        away = self._away(now)
        chosen: dict[Kind, list[_Item]] = {"down": [], "degraded": [], "recovered": []}
        for change in changes:
            if not isinstance(change, Change) or not change.alert:
                continue
            pid = change.platform.id
            kind = _kind_of(change.new)
            if kind is None:
                continue
            if pid in prefs.muted or not prefs.enabled:
                why = "the platform is muted" if prefs.enabled else "notifications are turned off"
                log.info("alert held back: %s is %s, not told because %s", pid, change.new.value, why)
                self._forget(pid)  # the user was told nothing, whatever happens now
                continue
            if away:
                log.info(
                    "alert held back: %s is %s, not told %s (a summary follows)",
                    pid,
                    change.new.value,
                    self._away_words(now),
                )
                self._held[pid] = "away"
                continue
            if self._announce(pid, kind, now):
                chosen[kind].append(
                    _Item(change.platform, change.new, change.evidence, change.event, change.together)
                )
        return _logged([self._notification(kind, items) for kind, items in chosen.items() if items])

    def catch_up(self, now: datetime, statuses: Sequence[PlatformStatus]) -> list[Notification]:
        """Called every round: the digest after a pause or quiet hours, or a settled held problem.

        Nothing is shown while still paused or quiet. After the window, one digest covers
        every platform that changed meanwhile; otherwise problems held by the cool-down
        are announced once their cool-down is over, if they are still there.
        """
        now = self._see(now)
        if not self._prefs.enabled or not self._held or self._away(now):
            return []  # disabling cleared what was held (update), so nothing can wait here
        current = {s.platform.id: s for s in statuses}
        for pid in list(self._held):
            if pid in self._prefs.muted or pid not in current:
                log.info("held alert dropped: %s is muted or no longer watched", pid)
                del self._held[pid]  # muted since, or no longer watched: nobody wants to hear of it
        news = self._news(current, "away")
        if news:
            news += self._news(current, "cooldown")  # one digest rather than two pop-ups
            return _logged([self._digest(news, now)])
        chosen: dict[Kind, list[_Item]] = {"down": [], "degraded": [], "recovered": []}
        for status, kind in self._news(current, "cooldown", keep=True):
            if self._announce(status.platform.id, kind, now):
                chosen[kind].append(_Item(status.platform, status.verdict, status.evidence))
        return _logged([self._notification(kind, items) for kind, items in chosen.items() if items])

    # -- rules ---------------------------------------------------------------------------------

    def _announce(self, pid: str, kind: Kind, now: datetime) -> bool:
        """Apply the told-state and cool-down rules to one platform's news; True if it is shown."""
        if not self._is_news(pid, kind):
            if kind == "recovered":
                log.info("no alert: %s is back, but the user was not told it had a problem", pid)
            else:
                log.info("no alert: %s is still %s, which the user was already told", pid, kind)
            self._held.pop(pid, None)  # nothing new for the user; anything held is moot
            return False
        if kind != "recovered":
            last = self.ledger.last_shown(pid, _told(kind))
            if last is not None and now - last < timedelta(minutes=self._prefs.cooldown_minutes):
                if self._held.get(pid) != "cooldown":  # said once, not at every round it stays held
                    log.info(
                        "alert held back: %s is %s again within the %d-minute cool-down "
                        "(last told %s); told later if it stays so",
                        pid,
                        kind,
                        self._prefs.cooldown_minutes,
                        _utc(last),
                    )
                self._held[pid] = "cooldown"
                return False
        self._mark_told(pid, kind, now)
        return True

    def _is_news(self, pid: str, kind: Kind) -> bool:
        """Different from what the user was last shown (a recovery of an unseen problem is not)."""
        return self.ledger.shown(pid) is not _told(kind)

    def _mark_told(self, pid: str, kind: Kind, now: datetime) -> None:
        """Record in the ledger what the user now believes and when it was said (for the cool-down)."""
        self.ledger.show(pid, _told(kind), now)
        self._held.pop(pid, None)

    def _forget(self, pid: str) -> None:
        """Muted or disabled: nothing was said, so a later recovery is not news."""
        self.ledger.unshow(pid)
        self._held.pop(pid, None)

    def _news(
        self, current: dict[str, PlatformStatus], reason: _Reason, keep: bool = False
    ) -> list[tuple[PlatformStatus, Kind]]:
        """Held platforms (for ``reason``) whose current state is news; the rest are dropped.

        A platform whose state is unknown right now stays held: we do not guess. With
        ``keep`` the news stays held too, for the caller to announce or hold again.
        """
        found: list[tuple[PlatformStatus, Kind]] = []
        for pid in [p for p, r in self._held.items() if r == reason]:
            status = current[pid]
            kind = _kind_of(status.verdict)
            if kind is None:
                continue
            if not self._is_news(pid, kind):
                log.info(
                    "held alert dropped: %s is %s, which is no news to the user", pid, status.verdict.value
                )
                del self._held[pid]  # e.g. went down and came back while the user was away
                continue
            found.append((status, kind))
            if not keep:
                del self._held[pid]
        return found

    def _digest(self, news: list[tuple[PlatformStatus, Kind]], now: datetime) -> Notification:
        groups: dict[Kind, list[PlatformStatus]] = {"down": [], "degraded": [], "recovered": []}
        for status, kind in news:
            self._mark_told(status.platform.id, kind, now)
            groups[kind].append(status)
        ordered = [(s, kind) for kind, statuses in groups.items() for s in statuses]
        parts = [
            _sentence([s.platform.name for s in statuses], kind, [s.verdict for s in statuses], MAX_NAMED)
            for kind, statuses in groups.items()
            if statuses
        ]
        title = _DIGEST_PREFIX + "; ".join(parts)
        if len(title) > MAX_TITLE:
            words = {"down": "down", "degraded": "with problems", "recovered": "back"}
            title = _DIGEST_PREFIX + ", ".join(
                f"{len(statuses)} {words[kind]}" for kind, statuses in groups.items() if statuses
            )
        return Notification(
            kind="digest",
            title=_clip(title, MAX_TITLE),
            body=_bounded_lines([self._digest_line(s, kind, now) for s, kind in ordered], MAX_BODY),
            platforms=tuple(s.platform.id for s, _ in ordered),
            urgency=_URGENCY["digest"],
            sound=False,
            news=tuple(kind for kind, statuses in groups.items() if statuses),
        )

    def _digest_line(self, status: PlatformStatus, kind: Kind, now: datetime) -> str:
        name = status.platform.name
        evidence = _plain(status.evidence)
        if kind == "recovered":
            state = "working again"
        else:
            state = _state_words(kind, [status.verdict])
            if status.since is not None:
                state += " since " + self._clock_words(status.since, now)
        return f"{name}: {state} — {evidence}" if evidence else f"{name}: {state}"

    def _notification(self, kind: Kind, items: list[_Item]) -> Notification:
        names = [i.platform.name for i in items]
        verdicts = [i.verdict for i in items]
        title = _sentence(names, kind, verdicts, MAX_NAMED)
        limit = MAX_NAMED
        while len(title) > MAX_TITLE and limit > 1:
            limit -= 1
            title = _sentence(names, kind, verdicts, limit)
        return Notification(
            kind=kind,
            title=_clip(title, MAX_TITLE),
            body=_bounded_lines(_evidence_lines(items), MAX_BODY),
            platforms=tuple(i.platform.id for i in items),
            urgency=_URGENCY[kind],
            sound=self._prefs.sound and kind == "down",
            actions=PROBLEM_ACTIONS if kind in ("down", "degraded") else (),
        )

    # -- time ----------------------------------------------------------------------------------

    def _see(self, now: datetime) -> datetime:
        now = self._aware(now)
        self._last_now = now
        return now

    def _aware(self, moment: datetime) -> datetime:
        """Naive times are wall-clock times in the policy's zone (the local one when tz is None)."""
        if moment.tzinfo is not None:
            return moment
        return moment.replace(tzinfo=self._tz) if self._tz is not None else moment.astimezone()

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self._tz) if self._tz is not None else moment.astimezone()

    def _away(self, now: datetime) -> bool:
        """Paused or inside quiet hours: nothing may be shown right now."""
        if self._pause is not None:
            if now < self._pause:
                return True
            self._pause = None  # over: forget it, so paused_until stays honest
        return self._quiet(now)

    def _away_words(self, now: datetime) -> str:
        """Why nothing may be shown now, for the log."""
        if self._pause is not None and now < self._pause:
            return f"while alerts are paused until {_utc(self._pause)}"
        return "during quiet hours"

    def _quiet(self, now: datetime) -> bool:
        start, end = _parse_hhmm(self._prefs.quiet_start), _parse_hhmm(self._prefs.quiet_end)
        if start is None or end is None or start == end:
            return False
        local = self._local(now).time().replace(tzinfo=None)
        if start < end:
            return start <= local < end
        return local >= start or local < end  # spans midnight, e.g. 22:00 to 07:00

    def _clock_words(self, moment: datetime, now: datetime) -> str:
        """ "16:02" today, "Mon 23:40" on another day: what a person needs to place it."""
        local, today = self._local(self._aware(moment)), self._local(now)
        clock = f"{local.hour:02d}:{local.minute:02d}"
        # Our own day names, not strftime's: the rest of the text is English whatever the locale.
        return clock if local.date() == today.date() else f"{_WEEKDAYS[local.weekday()]} {clock}"


# -- wording ---------------------------------------------------------------------------------------


def _utc(moment: datetime) -> str:
    """A moment for the log, whose times are all UTC."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _logged(notes: list[Notification]) -> list[Notification]:
    """Log each notification the policy lets through (the UI logs where it was shown)."""
    for note in notes:
        log.info(
            "alert sent (%s, %s urgency): %s — %s",
            note.kind,
            note.urgency,
            note.title,
            note.body.replace("\n", " | "),
        )
    return notes


#: The pop-up that carries each kind of news: news of "ok" is a "recovered" pop-up.
_POPUP: dict[Told, Kind] = {Told.DOWN: "down", Told.DEGRADED: "degraded", Told.OK: "recovered"}


def _kind_of(verdict: Verdict) -> Kind | None:
    """The pop-up for a verdict, through the ledger's one vocabulary; None for unknown."""
    told = told_of(verdict)
    return None if told is None else _POPUP[told]


def _told(kind: Kind) -> Told:
    """The news a pop-up kind carries (a digest is never recorded as such)."""
    return Told.OK if kind == "recovered" else Told(kind)


def _state_words(kind: Kind, verdicts: Iterable[Verdict]) -> str:
    if kind == "down":
        partly = all(v is Verdict.PARTIAL_OUTAGE for v in verdicts)
        return "partly down" if partly else "down"
    if kind == "degraded":
        return "having problems"
    return "back"


def _sentence(names: Sequence[str], kind: Kind, verdicts: Sequence[Verdict], limit: int) -> str:
    """ "Discord is down", "Facebook, Instagram and WhatsApp are down", "A, B and 3 more are back"."""
    named = _names(names, limit)
    verb = "is" if len(names) == 1 else "are"
    return f"{named} {verb} {_state_words(kind, verdicts)}"


def _names(names: Sequence[str], limit: int) -> str:
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + f" and {names[-1]}"


def _evidence_lines(items: Sequence[_Item]) -> list[str]:
    """One line per correlated event (its evidence already names everyone), one per lone platform."""
    lines: list[str] = []
    seen_events: set[int] = set()
    for item in items:
        evidence = _plain(item.evidence)
        if item.together and item.event is not None:
            if item.event in seen_events:
                continue
            seen_events.add(item.event)
            lines.append(evidence or f"{item.platform.name} and others from {item.platform.owner}")
        else:
            lines.append(f"{item.platform.name}: {evidence}" if evidence else item.platform.name)
    return lines


def _bounded_lines(lines: Sequence[str], limit: int) -> str:
    """Join lines without going over ``limit`` characters; what does not fit is counted, not cut off."""
    kept: list[str] = []
    for index, line in enumerate(lines):
        rest = len(lines) - index - 1
        tail = f"\nand {rest} more" if rest else ""
        room = limit - len("\n".join(kept)) - (1 if kept else 0)
        if len(line) + len(tail) <= room:
            kept.append(line)
            continue
        if not kept:
            kept.append(_clip(line, room - len(tail)))
            continue
        left = len(lines) - index
        kept.append(f"and {left} more")
        break
    return "\n".join(kept)


def _plain(text: str) -> str:
    """One line of text: evidence is shown as a line of its own, so newlines and runs of spaces go."""
    return _SPACES.sub(" ", text).strip()


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def _parse_hhmm(value: str | None) -> time | None:
    """ "22:00" → 22:00; anything unreadable means no quiet hours rather than a crash."""
    if not value:
        return None
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None
