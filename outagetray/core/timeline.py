"""A platform's state over a window of time, drawn from the incident log.

The window's bars (24 hours, 30 days) and the exports' SVG both draw from here, so
the screen and the paper a user attaches to a claim can never tell two stories. Pure
Python on plain records: every rule is testable with hand-made incidents and a fixed
``now`` (the injectable clock), and the Qt widget only paints what it is handed.

Times going in and coming out are aware UTC datetimes; local time appears only in the
tick labels, in the zone the caller passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from outagetray.core.model import Verdict
from outagetray.core.records import Incident


@dataclass(frozen=True)
class Segment:
    """One stretch of time in one state; ``incident`` is the log's id while inside one.

    Operational stretches never carry an incident id, even inside an incident whose
    other platforms are still failing: for this platform that time was fine, and a
    claim must not count it.
    """

    start: datetime
    end: datetime
    verdict: Verdict
    incident: int | None

    @property
    def seconds(self) -> float:
        return (self.end - self.start).total_seconds()


def segments(
    incidents: Sequence[Incident],
    platform: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
) -> list[Segment]:
    """The platform's state over [start, end]: contiguous, gap-free, adjacent equals merged.

    Outside incidents the platform counts as operational (the log records only
    trouble). Inside one, the first change's verdict is drawn back to the incident's
    ``started_at``: the first failing round comes before OutageTray is sure, and that
    onset is what a claim needs. An open incident runs to ``now``. Time after ``now``
    is unknown: nobody can say yet. Where two incidents of one platform overlap (a
    log that should not, but might), the later-started one wins.
    """
    if end <= start:
        return []
    pieces: list[Segment] = []
    for incident in sorted(incidents, key=lambda i: i.started_at):
        if platform not in incident.platforms and not any(c.platform == platform for c in incident.changes):
            continue
        own = _incident_pieces(incident, platform, now)
        if own:
            _paint(pieces, own)
    filled: list[Segment] = []
    cursor = start
    horizon = min(end, max(now, start))
    for piece in pieces:
        if piece.end <= start or piece.start >= end:
            continue
        piece_start, piece_end = max(piece.start, start), min(piece.end, end)
        if piece_start > cursor:
            _push(filled, cursor, min(piece_start, horizon), Verdict.OPERATIONAL, None)
            _push(filled, max(cursor, horizon), piece_start, Verdict.UNKNOWN, None)
        _push(filled, piece_start, piece_end, piece.verdict, piece.incident)
        cursor = max(cursor, piece_end)
    _push(filled, cursor, max(cursor, horizon), Verdict.OPERATIONAL, None)
    _push(filled, max(cursor, horizon), end, Verdict.UNKNOWN, None)
    return filled


def _incident_pieces(incident: Incident, platform: str, now: datetime) -> list[Segment]:
    """One incident's stretches for one platform, in time order, before clipping.

    A platform without changes of its own (an older log, or a hand-made record) shows
    the incident's worst verdict throughout. A platform that joined an incident later
    (its first change comes after the incident was confirmed) was fine until that change:
    drawing it back to the start would claim an outage nobody saw.
    """
    stop = incident.ended_at or now
    begin = incident.started_at
    if stop <= begin:
        return []
    changes = sorted((c for c in incident.changes if c.platform == platform), key=lambda c: c.at)
    if not changes:
        verdict = incident.worst
        return [Segment(begin, stop, verdict, _owner_of(verdict, incident.id))]
    first = changes[0]
    earliest = min(c.at for c in incident.changes)
    out: list[Segment] = []
    if first.at > begin and first.at > incident.confirmed_at and first.at > earliest:
        out.append(Segment(begin, min(first.at, stop), first.old, _owner_of(first.old, incident.id)))
    else:
        out.append(Segment(begin, min(first.at, stop), first.new, _owner_of(first.new, incident.id)))
    for change, following in zip(changes, [*changes[1:], None], strict=True):
        piece_start = max(change.at, begin)
        piece_end = min(following.at if following is not None else stop, stop)
        if piece_end > piece_start:
            out.append(Segment(piece_start, piece_end, change.new, _owner_of(change.new, incident.id)))
    return _unwatched([s for s in out if s.end > s.start], incident)


def _unwatched(pieces: list[Segment], incident: Incident) -> list[Segment]:
    """Paint the stretch nobody watched (asleep, offline, closed) as unknown, not as outage.

    When the end is uncertain, the outage was last seen at ``last_seen_down`` and found over
    at ``ended_at``; what happened in between is not known, and a bar must not claim it.
    """
    gap_start, gap_end = incident.last_seen_down, incident.ended_at
    if not incident.end_uncertain or gap_start is None or gap_end is None or gap_end <= gap_start:
        return pieces
    out: list[Segment] = []
    for piece in pieces:
        if not piece.verdict.is_problem or piece.end <= gap_start or piece.start >= gap_end:
            out.append(piece)
            continue
        if piece.start < gap_start:
            out.append(Segment(piece.start, gap_start, piece.verdict, piece.incident))
        out.append(
            Segment(max(piece.start, gap_start), min(piece.end, gap_end), Verdict.UNKNOWN, incident.id)
        )
        if piece.end > gap_end:
            out.append(Segment(gap_end, piece.end, piece.verdict, piece.incident))
    return out


def _owner_of(verdict: Verdict, incident: int) -> int | None:
    return None if verdict is Verdict.OPERATIONAL else incident


def _paint(pieces: list[Segment], new: list[Segment]) -> None:
    """Lay ``new`` (contiguous, starting no earlier than any piece) over ``pieces``."""
    begin, stop = new[0].start, new[-1].end
    after: list[Segment] = []
    while pieces and pieces[-1].end > begin:
        last = pieces.pop()
        if last.end > stop:
            after.insert(0, Segment(max(last.start, stop), last.end, last.verdict, last.incident))
        if last.start < begin:
            pieces.append(Segment(last.start, begin, last.verdict, last.incident))
            break
    pieces.extend(new)
    pieces.extend(after)


def _push(out: list[Segment], start: datetime, end: datetime, verdict: Verdict, incident: int | None) -> None:
    """Append a stretch, dropping empty ones and merging with an equal neighbour."""
    if end <= start:
        return
    if out and out[-1].verdict is verdict and out[-1].incident == incident and out[-1].end == start:
        out[-1] = Segment(out[-1].start, end, verdict, incident)
    else:
        out.append(Segment(start, end, verdict, incident))


def problem_seconds(parts: Iterable[Segment]) -> float:
    """Seconds spent degraded or worse; unknown and maintenance are not counted as trouble."""
    return sum(s.seconds for s in parts if s.verdict.is_problem)


def uptime(parts: Sequence[Segment]) -> float:
    """Share of the time that was not a problem, 0.0 to 1.0; an empty window counts as 1.0."""
    total = sum(s.seconds for s in parts)
    if total <= 0:
        return 1.0
    return max(0.0, 1.0 - problem_seconds(parts) / total)


#: English names, not ``strftime``: Qt sets the C locale from the environment, and a
#: report's labels must not change language with the machine it was printed on.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MINUTE_STEPS = (5, 10, 15, 30, 60)
_HOUR_STEPS = (1, 2, 3, 4, 6, 12, 24)
_DAY_STEPS = (1, 2, 3, 7, 14, 28)
#: Up to these spans the axis counts minutes, then hours, beyond them days.
_MINUTES_UP_TO = timedelta(hours=2)
_HOURS_UP_TO = timedelta(days=3)


def day_label(moment: date) -> str:
    """A date as "3 Dec": short and unambiguous in every English."""
    return f"{moment.day} {_MONTHS[moment.month - 1]}"


def ticks(start: datetime, end: datetime, tz: tzinfo, *, max_ticks: int = 12) -> list[tuple[datetime, str]]:
    """Axis marks at whole local minutes or hours (short windows) or local midnights (long ones).

    Returned moments are UTC, so they place on the same scale as the segments; the
    labels are local wall time in ``tz``. Marks sit on the local clock's boundaries
    even in zones a quarter hour off UTC (Kathmandu) and across DST changes, and the
    step grows so that at most ``max_ticks`` marks come back. A local midnight is
    labelled with its date, so a 24-hour bar says which day is which. Windows up to
    two hours (a short incident in a report) get marks every few minutes.
    """
    if end <= start:
        return []
    if end - start <= _MINUTES_UP_TO:
        marks = _local_marks(start, end, tz, 5)
        step = next((s for s in _MINUTE_STEPS if len(marks) * 5 / s <= max_ticks), 60)
        keep = [m for m in marks if _minute_of_day(m, tz) % step == 0]
        return [(m, _clock_label(m, tz)) for m in keep]
    if end - start <= _HOURS_UP_TO:
        marks = _local_marks(start, end, tz, 60)
        step = next((s for s in _HOUR_STEPS if len(marks) / s <= max_ticks), _HOUR_STEPS[-1])
        keep = [m for m in marks if m.astimezone(tz).hour % step == 0]
        return [(m, _clock_label(m, tz)) for m in keep]
    return _day_ticks(start, end, tz, max_ticks)


def _minute_of_day(moment: datetime, tz: tzinfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def _clock_label(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    if local.hour == 0 and local.minute == 0:
        return day_label(local.date())
    return f"{local.hour:02d}:{local.minute:02d}"


def _local_marks(start: datetime, end: datetime, tz: tzinfo, unit: int) -> list[datetime]:
    """UTC moments in [start, end] where the local clock shows a whole multiple of ``unit`` minutes.

    Every zone's offset today is a multiple of 5 minutes, so local 5-minute boundaries
    are UTC ones: the walk steps a whole ``unit`` while it stays on the local grid and
    falls back to 5 minutes when a DST change moves the grid (a half-hour shift). Linear
    in the marks, not in the minutes, because the exports draw one axis per incident.
    """
    five = timedelta(minutes=5)
    step = timedelta(minutes=unit)
    utc = start.astimezone(UTC)
    moment = utc.replace(second=0, microsecond=0) - timedelta(minutes=utc.minute % 5)
    out: list[datetime] = []
    while moment <= end:
        if _minute_of_day(moment, tz) % unit == 0:
            if moment >= start:
                out.append(moment)
            moment += step
        else:
            moment += five
    return out


def _day_ticks(start: datetime, end: datetime, tz: tzinfo, max_ticks: int) -> list[tuple[datetime, str]]:
    first = start.astimezone(tz).date()
    last = end.astimezone(tz).date()
    days = (last - first).days + 1
    step = next((s for s in _DAY_STEPS if days / s <= max_ticks), None)
    if step is None:
        step = -(-days // max_ticks)
    out: list[tuple[datetime, str]] = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        # Weekly steps fall on Mondays (ordinal 1 is a Monday), others on a fixed
        # grid, so the marks stay put while the window slides.
        if day.toordinal() % step != (1 % step):
            continue
        midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
        if start <= midnight <= end:
            out.append((midnight, day_label(day)))
    return out
