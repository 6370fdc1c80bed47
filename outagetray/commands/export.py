"""``outagetray export``: the recorded outages as a CSV file or an HTML report, for a claim.

Every incident when no filter is given; ``--incident`` for one, ``--since``/``--until``
for those that touch a period (one that began before it and ran into it counts). The
writing itself is core/export.py's; this module picks the incidents and the file. Only
the standard library is imported at module level: building the parser is on the tray's
start path.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from outagetray.commands.incidents import (
    EXIT_OK,
    EXIT_USAGE,
    NOTHING_YET,
    CommandError,
    add_db_argument,
    parse_when,
    read_incidents,
    say,
    stdout,
)


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "export",
        parents=[common],
        help="write the recorded outages as CSV or as an HTML report",
        description="Write the outages OutageTray recorded as a CSV file (for a spreadsheet) or "
        "a self-contained HTML report (to attach to a claim or print). All of them unless you pick "
        "one with --incident or a period with --since and --until. Dates are YYYY-MM-DD in your "
        "computer's time zone, or a full time such as 2026-11-30T14:05+01:00.",
    )
    parser.add_argument("--format", required=True, choices=("csv", "html"), help="csv or html")
    parser.add_argument("--incident", metavar="ID", type=int, help="only this outage (its number)")
    parser.add_argument(
        "--since", metavar="DATE", help="only outages still going on at or after this day or time"
    )
    parser.add_argument(
        "--until",
        metavar="DATE",
        help="only outages that began before the end of this day, or before this time",
    )
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path, help="write to this file instead of the screen"
    )
    add_db_argument(parser)
    parser.set_defaults(run_command=run)


def run(args: argparse.Namespace) -> int:
    try:
        return _export(args)
    except CommandError as error:
        say(str(error))
        return error.code


def _export(args: argparse.Namespace) -> int:
    from outagetray.core.localzone import local_zone

    tz = local_zone()
    since = parse_when(args.since, tz) if args.since else None
    until = parse_when(args.until, tz, end_of_day=True) if args.until else None
    if since is not None and until is not None and until <= since:
        raise CommandError("outagetray: --until must come after --since", EXIT_USAGE)
    if args.incident is not None and (since is not None or until is not None):
        raise CommandError("outagetray: pick one outage with --incident, or a period, not both", EXIT_USAGE)
    incidents = read_incidents(args.db, since, until)
    if args.incident is not None:
        incidents = [i for i in incidents if i.id == args.incident]
        if not incidents:
            raise CommandError(
                f"outagetray: there is no outage number {args.incident} in the log", EXIT_USAGE
            )
    if not incidents:
        say(NOTHING_YET if since is None and until is None else "No outages recorded in that period.")
        if args.output is None:
            return EXIT_OK
    from outagetray.core.export import to_csv, to_html

    now = datetime.now(UTC)
    if args.format == "csv":
        text = to_csv(incidents, tz=tz, now=now)
    elif args.incident is not None:
        text = to_html(incidents, tz=tz, now=now, title=f"OutageTray report: outage {args.incident}")
    else:
        text = to_html(incidents, tz=tz, now=now, start=since, end=until)
    if args.output is None:
        stdout().write(text)
        return EXIT_OK
    from outagetray.core.atomic import write_atomic

    try:
        write_atomic(args.output, text.encode("utf-8"), 0o644)
    except OSError as error:
        raise CommandError(f"outagetray: could not write {args.output}: {error.strerror or error}") from error
    count = len(incidents)
    say(f"Wrote {count} outage{'s' if count != 1 else ''} to {args.output}.")
    return EXIT_OK
