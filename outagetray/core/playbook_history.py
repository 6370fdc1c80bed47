"""The History tab's values, and the local-time words every cockpit tab shares.

Built from the incident log's records with core/timeline.py, the same source the
exports draw from, so a bar on screen and a report attached to a compensation claim
cannot tell two stories. Pure Python: each rule is tested with hand-made incidents and
a fixed ``now``; the window only paints what it is handed. See core/playbook.py for the
Incident and Reach tabs.

Times come in as aware UTC datetimes; local wall time exists only in the strings made
here, in the zone the caller passes (None: the computer's own zone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import overload

from outagetray.core.catalog import builtin_platforms
from outagetray.core.model import Platform, Verdict
from outagetray.core.records import Incident
from outagetray.core.timeline import Segment, segments, ticks, uptime

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: The History tab's two spans, as the toggle names them.
SPANS: Mapping[str, timedelta] = {"24 hours": timedelta(hours=24), "30 days": timedelta(days=30)}


# -- words for times ------------------------------------------------------------------------


def local_time(moment: datetime, tz: tzinfo | None, *, now: datetime | None = None) -> str:
    """``moment`` as the user reads it: "Tue 1 Dec 16:02", with the year when it is not ``now``'s.

    Always with the day: an incident page is read days later, for a claim, where a bare
    "16:02" would be ambiguous. English names, whatever the machine's locale.
    """
    local = moment.astimezone(tz)
    text = f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"
    if now is None or now.astimezone(tz).year != local.year:
        text += f" {local.year}"
    return f"{text} {local.hour:02d}:{local.minute:02d}"


def clock_time(moment: datetime, tz: tzinfo | None) -> str:
    local = moment.astimezone(tz)
    return f"{local.hour:02d}:{local.minute:02d}"


def span_text(start: datetime, end: datetime, tz: tzinfo | None, *, now: datetime | None = None) -> str:
    """ "Tue 1 Dec 16:02 to 18:10", the end's day repeated only when it differs."""
    same_day = start.astimezone(tz).date() == end.astimezone(tz).date()
    tail = clock_time(end, tz) if same_day else local_time(end, tz, now=now)
    return f"{local_time(start, tz, now=now)} to {tail}"


def duration_text(seconds: float) -> str:
    """ "45 min", "2 h 5 min", "3 days 4 h": rounded to the minute, never "0 min" for a real stretch."""
    minutes = max(0, round(seconds / 60))
    if seconds > 0 and minutes == 0:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        unit = "day" if days == 1 else "days"
        return f"{days} {unit} {hours} h" if hours else f"{days} {unit}"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def platform_names(incident: Incident, platforms: Mapping[str, Platform] | None = None) -> tuple[str, ...]:
    """The incident's platforms by name: the log's own names, else the catalog's, else the id."""
    if incident.names and len(incident.names) == len(incident.platforms):
        return incident.names
    known = platforms or {}
    catalog = builtin_platforms()  # read once per process; names a platform the caller did not
    return tuple(
        known[p].name if p in known else catalog[p].name if p in catalog else p for p in incident.platforms
    )


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def incident_title(incident: Incident, platforms: Mapping[str, Platform] | None = None) -> str:
    """ "Facebook and Instagram: major outage" (with "(fire drill)" for a practice run)."""
    names = join_names(platform_names(incident, platforms)) or incident.owner
    title = f"{names}: {incident.worst.label}"
    return f"{title} (fire drill)" if incident.drill else title


# -- the incident's facts (the evidence part of the Incident tab) -----------------------------


@dataclass(frozen=True)
class Fact:
    """One labelled line of evidence: "Started" / "Tue 1 Dec 16:02"."""

    label: str
    text: str


@dataclass(frozen=True)
class ChangeLine:
    """One state change as the evidence list shows it, with the addresses that spoke."""

    when: str
    text: str
    evidence: str
    sources: tuple[str, ...]


def facts(incident: Incident, now: datetime, tz: tzinfo | None) -> tuple[Fact, ...]:
    """Start, confirmation, end and duration, in the words a compensation claim needs.

    An end OutageTray did not see closely (``Incident.end_uncertain``) is said as the two
    checks it lies between, and the duration says how long the outage was seen.
    """
    out = [
        Fact("Started", local_time(incident.started_at, tz, now=now)),
        Fact("Confirmed", local_time(incident.confirmed_at, tz, now=now)),
    ]
    seen = incident.last_seen_down
    if incident.ended_at is not None and incident.end_uncertain and seen is not None:
        # Never a silent end: OutageTray did not look between these two, so it says both.
        end = incident.ended_at
        same_day = seen.astimezone(tz).date() == end.astimezone(tz).date()
        tail = clock_time(end, tz) if same_day else local_time(end, tz, now=now)
        between = f"between {local_time(seen, tz, now=now)} and {tail}"
        out.append(Fact("Back", f"{between} (OutageTray did not check in between)"))
        lasted = duration_text(incident.duration_s(now))
        seen_for = duration_text((seen - incident.started_at).total_seconds())
        out.append(
            Fact("Lasted", f"{lasted} to the first check that found it back; seen down for {seen_for}")
        )
    elif incident.ended_at is not None:
        out.append(Fact("Back", local_time(incident.ended_at, tz, now=now)))
        out.append(Fact("Lasted", duration_text(incident.duration_s(now))))
    else:
        out.append(Fact("Back", "not yet"))
        out.append(Fact("So far", duration_text(incident.duration_s(now))))
    if incident.acknowledged_at is not None:
        out.append(Fact("You were on it", local_time(incident.acknowledged_at, tz, now=now)))
    if incident.evidence:
        out.append(Fact("Why", incident.evidence))
    return tuple(out)


def change_lines(
    incident: Incident, now: datetime, tz: tzinfo | None, platforms: Mapping[str, Platform] | None = None
) -> tuple[ChangeLine, ...]:
    """Each reported change, oldest first: "Facebook went from operational to major outage"."""
    known = platforms or {}
    names = dict(zip(incident.platforms, platform_names(incident, platforms), strict=False))
    out = []
    for change in sorted(incident.changes, key=lambda c: c.at):
        name = names.get(change.platform) or (
            known[change.platform].name if change.platform in known else change.platform
        )
        if change.new is Verdict.OPERATIONAL:
            text = f"{name} was back"
        else:
            text = f"{name} went from {change.old.label} to {change.new.label}"
        out.append(ChangeLine(local_time(change.at, tz, now=now), text, change.evidence, change.sources))
    return tuple(out)


def open_line(
    open_: Sequence[Incident],
    now: datetime,
    tz: tzinfo | None,
    platforms: Mapping[str, Platform] | None = None,
) -> str:
    """The Now tab's line about what is going on: "" when nothing is."""
    if not open_:
        return ""
    first = open_[0]
    text = f"{incident_title(first, platforms)}, since {local_time(first.started_at, tz, now=now)}."
    if len(open_) > 1:
        text += f" And {len(open_) - 1} more going on."
    return text


# -- History ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stretch:
    """One painted piece of a timeline bar, as a share of the bar; ``segment`` holds its times."""

    start: float  # 0.0 .. 1.0 from the left
    end: float
    segment: Segment

    @property
    def verdict(self) -> Verdict:
        return self.segment.verdict

    @property
    def incident(self) -> int | None:
        return self.segment.incident


@dataclass(frozen=True)
class HistoryRow:
    """One watched platform's bar: what to paint and what to say about it.

    A stretch's words are made when asked (a tooltip, a screen reader): a month of a
    flapping platform holds thousands of stretches, and nobody reads them all.
    """

    platform: str
    name: str
    stretches: tuple[Stretch, ...]
    #: "99.2% fine; 2 problems, 3 h 10 min in all": the row's label and its accessible text.
    summary: str
    uptime: float
    now: datetime
    tz: tzinfo | None = None

    def describe(self, stretch: Stretch) -> str:
        """ "Facebook: major outage, Wed 2 Dec 14:00 to 16:00 (2 h)"."""
        part = stretch.segment
        state = "working" if part.verdict is Verdict.OPERATIONAL else part.verdict.label
        if part.verdict is Verdict.UNKNOWN:
            state = "not known"
        when = span_text(part.start, part.end, self.tz, now=self.now)
        return f"{self.name}: {state}, {when} ({duration_text(part.seconds)})"

    def problem_lines(self, limit: int = 12) -> list[str]:
        """The latest problems in words, newest first, with how many more there were."""
        problems = [s for s in reversed(self.stretches) if s.verdict.is_problem]
        lines = [self.describe(s) for s in problems[:limit]]
        if len(problems) > limit:
            lines.append(f"and {len(problems) - limit:,} earlier problems")
        return lines


@dataclass(frozen=True)
class IncidentRow:
    """One past incident in the History list, newest first."""

    id: int
    started: str
    title: str
    duration: str
    is_open: bool


class IncidentRows(Sequence[IncidentRow]):
    """The History list's rows, each made when first read: the list view reads only those on screen."""

    def __init__(
        self,
        incidents: Sequence[Incident],
        now: datetime,
        tz: tzinfo | None,
        platforms: Mapping[str, Platform],
    ) -> None:
        self._incidents = incidents
        self._made: dict[int, IncidentRow] = {}
        self._now, self._tz, self._platforms = now, tz, platforms

    def __len__(self) -> int:
        return len(self._incidents)

    @overload
    def __getitem__(self, index: int) -> IncidentRow: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[IncidentRow]: ...

    def __getitem__(self, index: int | slice) -> IncidentRow | Sequence[IncidentRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        row = self._made.get(index)
        if row is None:
            row = incident_row(self._incidents[index], self._now, self._tz, self._platforms)
            self._made[index] = row
        return row


@dataclass(frozen=True)
class HistoryPage:
    span: str
    start: datetime
    end: datetime
    rows: tuple[HistoryRow, ...]
    #: Axis marks as shares of the bar, with their local labels.
    ticks: tuple[tuple[float, str], ...]
    incidents: Sequence[IncidentRow]
    #: What the export buttons cover: "the last 30 days (Mon 2 Nov to Wed 2 Dec)".
    range_text: str


def _share(moment: datetime, start: datetime, end: datetime) -> float:
    total = (end - start).total_seconds()
    return 0.0 if total <= 0 else min(1.0, max(0.0, (moment - start).total_seconds() / total))


def history_row(
    incidents: Sequence[Incident],
    platform: Platform,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    tz: tzinfo | None,
) -> HistoryRow:
    parts = segments(incidents, platform.id, start, end, now=now)
    origin, total = start.timestamp(), (end - start).total_seconds() or 1.0

    def place(moment: datetime) -> float:
        return min(1.0, max(0.0, (moment.timestamp() - origin) / total))

    stretches = tuple(Stretch(place(p.start), place(p.end), p) for p in parts)
    share = uptime(parts)
    problems = [p for p in parts if p.verdict.is_problem]
    count = len({p.incident for p in problems})
    if problems:
        seconds = sum(p.seconds for p in problems)
        noun = "problem" if count == 1 else "problems"
        trouble = f"{count} {noun}, {duration_text(seconds)} in all"
    else:
        trouble = "no problems"
    percent = f"{share * 100:.1f}".rstrip("0").rstrip(".")
    return HistoryRow(platform.id, platform.name, stretches, f"{percent}% fine; {trouble}", share, now, tz)


def incident_row(
    incident: Incident, now: datetime, tz: tzinfo | None, platforms: Mapping[str, Platform] | None = None
) -> IncidentRow:
    duration = duration_text(incident.duration_s(now))
    return IncidentRow(
        incident.id,
        local_time(incident.started_at, tz, now=now),
        incident_title(incident, platforms),
        duration if incident.ended_at is not None else f"{duration} so far",
        incident.is_open,
    )


def history_page(
    incidents: Sequence[Incident],
    watched: Sequence[Platform],
    span: str,
    *,
    now: datetime,
    tz: tzinfo | None,
) -> HistoryPage:
    """The History tab for one span ("24 hours" or "30 days") ending now."""
    end = now
    start = now - SPANS[span]
    # Only incidents that touch the span: a log of years must not be walked once per platform.
    inside = [i for i in incidents if (i.ended_at or now) >= start and i.started_at <= end]
    rows = tuple(history_row(inside, p, start, end, now=now, tz=tz) for p in watched)
    zone = tz if tz is not None else now.astimezone().tzinfo or UTC
    marks = tuple((_share(m, start, end), label) for m, label in ticks(start, end, zone))
    by_platform = {p.id: p for p in watched}
    listed = sorted(inside, key=lambda i: i.started_at, reverse=True)
    rows_ = IncidentRows(listed, now, tz, by_platform)
    range_text = f"the last {span} ({local_time(start, tz, now=now)} to {local_time(end, tz, now=now)})"
    return HistoryPage(span, start, end, rows, marks, rows_, range_text)


# -- exports ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportTarget:
    """What ``StatusWindow.export_requested`` asks the app to write: the file is already chosen.

    ``incident`` is one incident's id; otherwise ``start`` and ``end`` (UTC) are the
    History tab's range, and every incident overlapping it is exported.
    """

    path: Path
    incident: int | None = None
    start: datetime | None = None
    end: datetime | None = None


def export_file_name(
    fmt: str, incident: int | None, start: datetime | None, end: datetime | None, *, tz: tzinfo | None
) -> str:
    """The name the save dialog suggests: "outage-12.csv", "outages-2026-11-02-to-2026-12-02.html"."""
    if incident is not None:
        return f"outage-{incident}.{fmt}"
    if start is not None and end is not None:
        first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        return f"outages-{first.isoformat()}-to-{last.isoformat()}.{fmt}"
    return f"outages.{fmt}"
