"""``outagetray incidents``: the outages OutageTray recorded, newest first.

A table in local time for people, ``--json`` (times in UTC) for scripts. It only reads
the log, so it works while the tray app or ``outagetray watch`` records. Only the
standard library is imported at module level: building the parser is on the tray's
start path. The helpers here (opening the log, dates, the local zone) are shared with
``outagetray export``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from outagetray.core.records import Incident

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
NOTHING_YET = "No outages recorded yet."


class CommandError(Exception):
    """A plain sentence for the user, and the exit code that goes with it."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "incidents",
        parents=[common],
        help="list the outages OutageTray recorded, newest first",
        description="List the outages OutageTray recorded, newest first: which platforms, how bad, "
        "when they began (the first check that saw the problem), when OutageTray was sure, when "
        "they ended, and whether you said you were on it. Times are shown in your computer's time "
        "zone; --json gives UTC. Fire drills are listed too, marked as such.",
    )
    parser.add_argument("--json", action="store_true", help="print them as a JSON array (times in UTC)")
    add_db_argument(parser)
    parser.set_defaults(run_command=run)


def add_db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="PATH",
        type=Path,
        help="read this outage log instead of the usual one (incidents.sqlite3 in OutageTray's data folder)",
    )


def run(args: argparse.Namespace) -> int:
    out = stdout()
    try:
        incidents = read_incidents(args.db, details=False)
    except CommandError as error:
        say(str(error))
        return error.code
    now = datetime.now(UTC)
    if args.json:
        import json

        # One incident a line: readable, and json's C encoder (which indenting would turn
        # off) writes 10,000 of them in a fraction of a second.
        lines = [json.dumps(incident_json(incident, now), ensure_ascii=False) for incident in incidents]
        out.write("[\n" + ",\n".join(lines) + "\n]\n" if lines else "[]\n")
        return EXIT_OK
    if not incidents:
        out.write(NOTHING_YET + "\n")
        return EXIT_OK
    from outagetray.core.localzone import local_zone

    print_table(incidents, out, tz=local_zone(), now=now)
    return EXIT_OK


def read_incidents(
    db: Path | None, since: datetime | None = None, until: datetime | None = None, *, details: bool = True
) -> list[Incident]:
    """The log's incidents (drills too), newest first; [] when there is no log yet.

    ``details`` False leaves out each incident's changes and actions (a listing shows neither).
    """
    import sqlite3

    from outagetray.core.incidents import IncidentLog, IncidentLogError

    try:
        with IncidentLog.open(db, read_only=True) as log:
            return log.incidents(since, until, drill=None, details=details)
    except IncidentLogError as error:
        raise CommandError(f"outagetray: {error}") from error
    except (sqlite3.Error, OSError) as error:
        raise CommandError(f"outagetray: the outage log could not be read: {error}") from error


def incident_json(incident: Incident, now: datetime) -> dict[str, Any]:
    """One incident for ``--json``: ids and UTC times, as scripts need them.

    Every text that came from outside (the settings file, status pages) is cleaned here,
    as ``redact.safe_data`` would: no escape sequences, no passwords in addresses.
    """
    from outagetray.core.redact import shown

    return {
        "id": incident.id,
        "platforms": [shown(p) for p in incident.platforms],
        "names": [shown(n) for n in incident.names],
        "owner": shown(incident.owner),
        "worst": incident.worst.value,
        "started_at": _utc(incident.started_at),
        "confirmed_at": _utc(incident.confirmed_at),
        "ended_at": _utc(incident.ended_at) if incident.ended_at is not None else None,
        "duration_s": round(incident.duration_s(now)),
        # When nobody watched the end (asleep, offline, closed): it ended between these two.
        "end_uncertain": incident.end_uncertain,
        "last_seen_down": _utc(incident.last_seen_down) if incident.last_seen_down is not None else None,
        "evidence": shown(incident.evidence),
        "acknowledged": incident.acknowledged,
        "drill": incident.drill,
    }


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def print_table(incidents: Sequence[Incident], out: TextIO, *, tz: tzinfo, now: datetime) -> None:
    from outagetray.core.export import duration_words, zone_name
    from outagetray.core.redact import mask_urls_in, one_line

    def cell(text: str) -> str:
        # Names come from the settings file and evidence from status pages: neither may
        # move the cursor, recolour the terminal, break the table or show a password.
        return mask_urls_in(one_line(text))

    out.write(f"Outages recorded by OutageTray, newest first (times in {zone_name(tz)}):\n\n")
    for incident in incidents:
        start = incident.started_at.astimezone(tz)
        lasted = duration_words(incident.duration_s(now))
        if incident.ended_at is None:
            span = f"{start:%Y-%m-%d %H:%M} until now (still going on, {lasted})"
        else:
            end = incident.ended_at.astimezone(tz)
            end_text = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
            span = f"{start:%Y-%m-%d %H:%M} to {end_text} ({lasted})"
            if incident.end_uncertain and incident.last_seen_down is not None:
                seen = incident.last_seen_down.astimezone(tz)
                seen_text = f"{seen:%H:%M}" if seen.date() == start.date() else f"{seen:%Y-%m-%d %H:%M}"
                span += f", ended between {seen_text} and {end_text} (not watched in between)"
        names = ", ".join(incident.names or incident.platforms)
        marks = [incident.worst.label]
        if incident.acknowledged:
            marks.append("you were on it")
        if incident.drill:
            marks.append("fire drill")
        out.write(f"#{incident.id}  {span}  {cell(names)}: {cell(', '.join(marks))}\n")
        confirmed = incident.confirmed_at.astimezone(tz)
        out.write(f"    Confirmed {confirmed:%H:%M}. {cell(incident.evidence)}\n")


def parse_when(text: str, tz: tzinfo, *, end_of_day: bool = False) -> datetime:
    """A date (YYYY-MM-DD, local midnight) or a full ISO time; a time without a zone is local.

    ``end_of_day`` makes a bare date mean the midnight that ends it, so ``--until
    2026-11-30`` includes the 30th.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            if end_of_day:
                day += timedelta(days=1)
            return _localize(datetime.combine(day, time()), tz)
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(
            f'outagetray: "{text}" is not a date; write it as 2026-11-30 or 2026-11-30T14:05+01:00',
            EXIT_USAGE,
        ) from None
    if moment.tzinfo is None:
        moment = _localize(moment, tz)
    return moment.astimezone(UTC)


def _localize(moment: datetime, tz: tzinfo) -> datetime:
    return moment.replace(tzinfo=tz).astimezone(UTC)


def say(text: str) -> None:
    """A message on stderr, cleaned like everything printed (it may quote a path or an error)."""
    from outagetray.core.redact import shown

    print(shown(text), file=sys.stderr)


def stdout() -> TextIO:
    stream = sys.stdout
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="replace")
    return stream
