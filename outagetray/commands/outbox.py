"""``outagetray outbox``: every message OutageTray was asked to send, and where each stands.

A table in local time for people, ``--json`` (times in UTC) for scripts. It only reads
the log, so it works while the tray app sends. Only the standard library is imported at
module level: building the parser is on the tray's start path.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from outagetray.commands.incidents import EXIT_OK, CommandError, add_db_argument, say, stdout

if TYPE_CHECKING:
    from outagetray.core.outbox import Job

_WORDS = {
    "drafted": "not sent yet",
    "armed": "being sent",
    "confirmed": "sent",
    "failed": "NOT sent",
    "unknown": "MAY have been sent",
}


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "outbox",
        parents=[common],
        help="list the messages sent or to be sent, and where each stands",
        description="List every message OutageTray was asked to send: for which outage, which step, "
        "which channel, and whether it was sent (with its link), failed (with the reason), or may have "
        "been sent (no answer came: check the account). Times are in your computer's time zone; "
        "--json gives UTC.",
    )
    parser.add_argument("--json", action="store_true", help="print them as a JSON array (times in UTC)")
    add_db_argument(parser)
    parser.set_defaults(run_command=run)


def run(args: argparse.Namespace) -> int:
    try:
        jobs = read_jobs(args.db)
    except CommandError as error:
        say(str(error))
        return error.code
    out = stdout()
    if args.json:
        import json

        out.write(json.dumps([job_json(job) for job in jobs], ensure_ascii=False, indent=1) + "\n")
        return EXIT_OK
    if not jobs:
        out.write("No messages sent yet.\n")
        return EXIT_OK
    from outagetray.core.localzone import local_zone
    from outagetray.core.redact import shown

    zone = local_zone()
    for job in jobs:
        when = job.finished_at or job.armed_at or job.created_at
        words = _WORDS.get(job.state.value, job.state.value)
        stamp = when.astimezone(zone).strftime("%Y-%m-%d %H:%M")
        line = f"#{job.incident_id} {job.draft} → {shown(job.channel)}: {words} ({stamp})"
        if job.receipt_url:
            line += f" {shown(job.receipt_url)}"
        if job.reason:
            line += f". {shown(job.reason)}"
        out.write(line + "\n")
    return EXIT_OK


def read_jobs(db: Any) -> list[Job]:
    import sqlite3

    from outagetray.core.incidents import IncidentLog, IncidentLogError
    from outagetray.core.outbox import Outbox

    try:
        with IncidentLog.open(db, read_only=True) as log:
            return Outbox(log).jobs()
    except IncidentLogError as error:
        raise CommandError(f"outagetray: {error}") from error
    except (sqlite3.Error, OSError) as error:
        raise CommandError(f"outagetray: the outage log could not be read: {error}") from error


def job_json(job: Job) -> dict[str, Any]:
    from outagetray.core.redact import shown

    def utc(when: datetime | None) -> str | None:
        return None if when is None else when.isoformat().replace("+00:00", "Z")

    return {
        "job": job.id,
        "incident": job.incident_id,
        "draft": job.draft,
        "channel": shown(job.channel),
        "state": job.state.value,
        "receipt": {"url": shown(job.receipt_url), "id": shown(job.receipt_id)}
        if job.state.value == "confirmed"
        else None,
        "error": shown(job.reason) or None,
        "attempts": job.attempts,
        "created_at": utc(job.created_at),
        "armed_at": utc(job.armed_at),
        "finished_at": utc(job.finished_at),
    }
