"""The incident log: one outage of one owner is one incident, from its first failing round to "back".

Issue 15 item 2. The judge numbers each platform's outage (``Change.incident``, the event
of the change that opened it, unique across restarts); this module files the judge's
changes under log incidents by these rules:

- A change that makes a platform a problem under a number the log has not seen joins
  the open incident of the same owner, if there is one (platforms of one owner failing
  together, or one after the other, are one outage for the people who use them), and
  opens a new one otherwise. The number is mapped to the log incident in a table, so
  every later change of it lands there, after a restart too.
- A change to "unknown" never closes anything: while the user's own connection is down
  the judge reports every platform as unknown, and the outage must not be split in two.
  When the connection returns, the same number continues in the same incident.
- A platform confirmed fine again (operational or maintenance) leaves the incident; the
  incident ends when its last platform does. After a restart the judge starts afresh and
  its first "operational" for a platform carries no number: it still ends what the log
  left open for that platform, as that is the first clean round the log can know of.
- ``started_at`` is the first round that saw the failure (the platform's ``since``, which
  is what a claim needs); ``confirmed_at`` the round that confirmed it; ``worst`` the
  most severe verdict any change reported.
- Time nobody watched is not hidden. Each platform keeps ``last_seen_down``, the last
  round known to have seen it failing: the judge's ``Change.last_bad`` on "back", else
  (a fresh judge after a restart knows nothing of the outage) the last change that
  reported it failing. The incident's is the latest of its platforms'. When its end (the
  first clean round) is more than ``UNWATCHED_GAP`` after that, OutageTray did not check
  in between (asleep, offline, closed, or a poll interval that long): the incident is
  ``end_uncertain``, it ended somewhere between the two, and the window and the exports
  say so. Its duration still runs to the end; nothing is shortened or lengthened silently.
- An open incident of the owner is joined only while it is alive: one of its judge
  numbers is still failing in this round's statuses, or it had a change within
  ``JOIN_WINDOW``. An incident left open (its platform no longer watched, OutageTray never
  run again while it was down) must not swallow every later outage of its owner. Such an
  incident stays open: OutageTray never saw it end, and no end time would be honest.

Storage (the file, migrations, damage, reading) lives in core/incident_store.py, the
writer thread and the one-recorder lock in core/incident_recorder.py.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from outagetray.core.incident_store import (
    FILE_NAME,
    SCHEMA_VERSION,
    IncidentLogError,
    LogStore,
    ReadOnlyLog,
    default_path,
    utc_text,
    verdict_of,
)
from outagetray.core.model import Verdict
from outagetray.core.redact import mask_url

if TYPE_CHECKING:
    from outagetray.core.judge import Change, ConnectivityChange, PlatformStatus

__all__ = [
    "FILE_NAME",
    "JOIN_WINDOW",
    "SCHEMA_VERSION",
    "UNWATCHED_GAP",
    "IncidentLog",
    "IncidentLogError",
    "ReadOnlyLog",
    "default_path",
    "sources_of",
]

#: Verdicts that end a platform's part in an incident.
_FINE = (Verdict.OPERATIONAL, Verdict.MAINTENANCE)
#: Problem verdicts as the changes table spells them.
_PROBLEMS = tuple(v.value for v in Verdict if v.is_problem)
#: A longer time between the last round that saw a platform failing and the first clean one
#: means OutageTray did not check in between, and the end of the outage is not known closer.
#: Ten one-minute rounds: longer than any recovery OutageTray watched through.
UNWATCHED_GAP = timedelta(minutes=10)
#: How long an open incident with no news still takes in new outages of its owner.
JOIN_WINDOW = timedelta(hours=6)


def sources_of(change: Change) -> tuple[str, ...]:
    """The status pages and probe addresses of a change's platform, as they may be shown."""
    specs = (*change.platform.sources, *change.platform.probes)
    return tuple(dict.fromkeys(mask_url(spec.url) for spec in specs if spec.url))


def _opt_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _onset(change: Change) -> datetime | None:
    """The first round that showed the change's new state (``Change.began``: for a problem its
    first failing round, for a recovery the first clean round of the stretch that confirmed
    it); None when the change does not say, or says a time later than itself."""
    began = change.began
    return began if began is not None and began <= change.at else None


class IncidentLog(LogStore):
    """The incident log: ``LogStore`` plus filing the judge's changes (see the module docstring)."""

    def record(
        self,
        changes: Sequence[Change | ConnectivityChange],
        statuses: Sequence[PlatformStatus] | None = None,
        *,
        drill: bool = False,
    ) -> list[int]:
        """File one round's changes, in one transaction; return the ids of the incidents touched.

        ``statuses`` (the round's, optional) give each failing platform's onset, the first
        round that saw the failure. Connectivity changes are skipped: while the user is
        offline the judge reports platforms as unknown, which never closes an incident.
        """
        # Told apart by shape, not isinstance: importing the judge would load the monitoring code.
        mine = [cast("Change", c) for c in changes if getattr(c, "platform", None) is not None]
        if not mine:
            return []
        onsets = {
            s.platform.id: s.since for s in statuses or () if s.since is not None and s.verdict.is_problem
        }
        # The outages this judge still sees going on (as it last saw them while the user is offline).
        alive = {
            s.incident
            for s in statuses or ()
            if s.incident and (s.verdict.is_problem or s.last_known.is_problem)
        }
        touched: list[int] = []
        with self._write():
            for change in mine:
                onset = onsets.get(change.platform.id) or _onset(change)
                incident = self._file(change, onset, drill, alive)
                if incident is not None and incident not in touched:
                    touched.append(incident)
        return touched

    def _file(
        self, change: Change, onset: datetime | None, drill: bool, alive: Collection[int]
    ) -> int | None:
        """File one change under its log incident; None when it belongs to no outage."""
        conn = self._conn
        row = (
            conn.execute(
                "SELECT j.incident_id, i.ended_at IS NOT NULL FROM judge_incidents j"
                " JOIN incidents i ON i.id = j.incident_id WHERE j.judge_incident = ? AND j.drill = ?",
                (change.incident, int(drill)),
            ).fetchone()
            if change.incident
            else None
        )
        if (
            row is not None
            and change.new.is_problem
            and change.event == change.incident
            and self._reused(row, change)
        ):
            conn.execute(
                "DELETE FROM judge_incidents WHERE judge_incident = ? AND drill = ?",
                (change.incident, int(drill)),
            )
            row = None
        if row is None:
            if change.new in _FINE:
                # A platform fine again whose outage this log knows under no number: after a
                # restart the judge starts afresh, so its first "operational" ends what it left open.
                return self._close_platform_anywhere(change, drill)
            if not change.new.is_problem or not change.incident:
                return None  # unknown, outside any outage this log saw begin
            incident = self._open_incident_for(change, onset, drill, alive)
            conn.execute(
                "INSERT INTO judge_incidents (judge_incident, drill, incident_id) VALUES (?, ?, ?)",
                (change.incident, int(drill), incident),
            )
        else:
            incident = int(row[0])
        self._add_change(incident, change)
        if change.new.is_problem:
            self._join(incident, change, onset)
        elif change.new in _FINE:
            self._end_platform(incident, change)
        return incident

    def _reused(self, row: tuple[int, int], change: Change) -> bool:
        """Whether an opening change's number, already mapped, belongs to an earlier outage.

        A judge opens an outage once: the opening changes of one number are the platforms
        of one correlated event, all in one round. Finding the number on an ended incident,
        or on one without an opening change of that round, means a judge that counted from
        1 again (a fire drill's, a command run without the saved counter) reused it.
        """
        incident, ended = row
        if ended:
            return True
        sibling = self._conn.execute(
            "SELECT 1 FROM changes WHERE incident_id = ? AND event = ? AND at = ? LIMIT 1",
            (incident, change.event, utc_text(change.at)),
        ).fetchone()
        return sibling is None

    def _open_incident_for(
        self, change: Change, onset: datetime | None, drill: bool, alive: Collection[int]
    ) -> int:
        """The open incident of the change's owner (correlated) while it is alive, or a new one."""
        start = onset if onset is not None and onset <= change.at else change.at
        row = self._conn.execute(
            "SELECT id FROM incidents WHERE owner = ? AND drill = ? AND ended_at IS NULL"
            " ORDER BY id DESC LIMIT 1",
            (change.platform.owner, int(drill)),
        ).fetchone()
        if row is not None and self._alive(int(row[0]), change.at, drill, alive):
            return int(row[0])
        cursor = self._conn.execute(
            "INSERT INTO incidents (owner, worst, started_at, confirmed_at, evidence, drill)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                change.platform.owner,
                change.new.value,
                utc_text(start),
                utc_text(change.at),
                change.evidence,
                int(drill),
            ),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _alive(self, incident: int, at: datetime, drill: bool, alive: Collection[int]) -> bool:
        """Whether an open incident still goes on: news within ``JOIN_WINDOW``, or a judge number
        of it that this round's statuses show failing."""
        conn = self._conn
        recent = conn.execute(
            "SELECT 1 FROM changes WHERE incident_id = ? AND at >= ? LIMIT 1",
            (incident, utc_text(at - JOIN_WINDOW)),
        ).fetchone()
        if recent is not None:
            return True
        numbers = {
            int(n)
            for (n,) in conn.execute(
                "SELECT judge_incident FROM judge_incidents WHERE incident_id = ? AND drill = ?",
                (incident, int(drill)),
            )
        }
        return not numbers.isdisjoint(alive)

    def _join(self, incident: int, change: Change, onset: datetime | None) -> None:
        """Make the change's platform part of the (open) incident, failing; keep start and worst right."""
        conn = self._conn
        platform = change.platform
        row = conn.execute(
            "SELECT ended_at FROM incident_platforms WHERE incident_id = ? AND platform = ?",
            (incident, platform.id),
        ).fetchone()
        if row is None:
            conn.execute(
                "INSERT INTO incident_platforms (incident_id, position, platform, name)"
                " SELECT ?, COALESCE(MAX(position), -1) + 1, ?, ?"
                " FROM incident_platforms WHERE incident_id = ?",
                (incident, platform.id, platform.name, incident),
            )
        else:
            conn.execute(
                "UPDATE incident_platforms SET ended_at = NULL, name = ?"
                " WHERE incident_id = ? AND platform = ?",
                (platform.name, incident, platform.id),
            )
        start = onset if onset is not None and onset <= change.at else change.at
        conn.execute(
            "UPDATE incidents SET ended_at = NULL, last_seen_down = NULL, end_uncertain = 0,"
            " started_at = MIN(started_at, ?)"
            " WHERE id = ?",
            (utc_text(start), incident),
        )
        current = conn.execute("SELECT worst FROM incidents WHERE id = ?", (incident,)).fetchone()
        if change.new.severity > verdict_of(current[0]).severity:
            conn.execute("UPDATE incidents SET worst = ? WHERE id = ?", (change.new.value, incident))

    def _add_change(self, incident: int, change: Change) -> None:
        self._conn.execute(
            "INSERT INTO changes (incident_id, at, platform, old, new, evidence, sources, event,"
            " judge_incident, alert)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                incident,
                utc_text(change.at),
                change.platform.id,
                change.old.value,
                change.new.value,
                change.evidence,
                "\n".join(sources_of(change)),
                change.event,
                change.incident,
                int(change.alert),
            ),
        )

    @staticmethod
    def _end_of(change: Change) -> datetime:
        """When the recovery began: the first clean round, where the change says so.

        The judge confirms "back" only after some clean rounds; the round that first saw
        the platform fine is the end a claim needs. Until the judge provides it (see
        ``_onset``) the change's own time stands in.
        """
        return _onset(change) or change.at

    def _last_seen_down(self, incident: int, change: Change, end: datetime) -> datetime | None:
        """The last round known to have seen the change's platform failing, no later than ``end``.

        The judge's ``last_bad`` where it has one; a fresh judge after a restart has none,
        so the last change of the log that reported the platform failing stands in.
        """
        marks = "?, " * (len(_PROBLEMS) - 1) + "?"
        logged = self._conn.execute(
            f"SELECT MAX(at) FROM changes WHERE incident_id = ? AND platform = ? AND new IN ({marks})",
            (incident, change.platform.id, *_PROBLEMS),
        ).fetchone()[0]
        seen = [moment for moment in (change.last_bad, _opt_time(logged)) if moment is not None]
        return min(max(seen), end) if seen else None

    def _end_platform(self, incident: int, change: Change) -> None:
        conn = self._conn
        platform_id = change.platform.id
        end = self._end_of(change)
        seen = self._last_seen_down(incident, change, end)
        conn.execute(
            "UPDATE incident_platforms SET ended_at = ?, last_seen_down = ?"
            " WHERE incident_id = ? AND platform = ? AND ended_at IS NULL",
            (utc_text(end), None if seen is None else utc_text(seen), incident, platform_id),
        )
        still = conn.execute(
            "SELECT COUNT(*) FROM incident_platforms WHERE incident_id = ? AND ended_at IS NULL", (incident,)
        ).fetchone()[0]
        if still == 0:
            last, last_seen = conn.execute(
                "SELECT MAX(ended_at), MAX(last_seen_down) FROM incident_platforms WHERE incident_id = ?",
                (incident,),
            ).fetchone()
            ended = _opt_time(last) or end
            seen_at = _opt_time(last_seen)
            uncertain = seen_at is not None and ended - seen_at > UNWATCHED_GAP
            conn.execute(
                "UPDATE incidents SET ended_at = ?, last_seen_down = ?, end_uncertain = ?"
                " WHERE id = ? AND ended_at IS NULL",
                (utc_text(ended), last_seen, int(uncertain), incident),
            )

    def _close_platform_anywhere(self, change: Change, drill: bool) -> int | None:
        row = self._conn.execute(
            "SELECT p.incident_id FROM incident_platforms p JOIN incidents i ON i.id = p.incident_id"
            " WHERE p.platform = ? AND p.ended_at IS NULL AND i.ended_at IS NULL AND i.drill = ?"
            " ORDER BY p.incident_id DESC LIMIT 1",
            (change.platform.id, int(drill)),
        ).fetchone()
        if row is None:
            return None
        incident = int(row[0])
        self._add_change(incident, change)
        self._end_platform(incident, change)
        return incident
