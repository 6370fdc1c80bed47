"""``outagetray send``: one phase's drafts to the user's channels, from a terminal or a script.

Each channel gets the phase's form for its kind, filled with the incident's facts exactly
as the window shows it. The outbox makes a second run a resume: confirmed jobs are not
sent again, unknown ones are settled where the channel can prove or dedupe, and the rest
are reported, never resent unless ``--resend-unknown`` says so. Exit 0 only when every
job is confirmed (for ``--dry-run``: when every channel is ready). Only the standard
library is imported at module level: building the parser is on the tray's start path.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from outagetray.commands.incidents import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, say, stdout

if TYPE_CHECKING:
    from outagetray.core.sending import Outcome

#: Another process is sending from the same log right now.
EXIT_BUSY = 3
PHASES = ("notice", "opportunity", "welcome_back", "catch_up")


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "send",
        parents=[common],
        help="send one step's drafts of an outage to your channels",
        description="Send the drafts of one step of the playbook (notice, opportunity, welcome_back, "
        "catch_up) for one recorded outage to your channels: every channel set up in the settings, "
        "or those named with --channel. Each message goes out once: run it again and it only finishes "
        "what is left. A message whose outcome is unknown (no answer came) is not sent again unless "
        "the channel can prove it or drop a repeat, or you add --resend-unknown. Exit code: 0 every "
        "message confirmed, 1 something not sent, 2 usage or settings error, 3 another copy is sending.",
    )
    parser.add_argument("--incident", metavar="ID", type=int, required=True, help="the outage's number")
    parser.add_argument("--draft", metavar="PHASE", required=True, choices=PHASES, help=", ".join(PHASES))
    parser.add_argument(
        "--channel", metavar="ID", action="append", dest="channels", help="only this channel (repeatable)"
    )
    parser.add_argument("--dry-run", action="store_true", help="show what would be sent, send nothing")
    parser.add_argument(
        "--resend-unknown",
        action="store_true",
        help="send again the messages whose outcome is unknown (they may arrive twice)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as a JSON array")
    parser.add_argument(
        "--db", metavar="PATH", type=Path, help="use this outage log instead of the usual one"
    )
    parser.set_defaults(run_command=run)


def run(args: argparse.Namespace) -> int:
    try:
        outcomes = _send(args)
    except CommandError as error:
        say(str(error))
        return error.code
    out = stdout()
    if args.json:
        import json

        out.write(json.dumps([outcome_json(o) for o in outcomes], ensure_ascii=False, indent=1) + "\n")
    else:
        for outcome in outcomes:
            out.write(outcome_line(outcome) + "\n")
    wanted = ("ready", "confirmed") if args.dry_run else ("confirmed",)
    return EXIT_OK if outcomes and all(o.state in wanted for o in outcomes) else EXIT_FAILED


def _send(args: argparse.Namespace) -> list[Outcome]:
    import sqlite3

    from outagetray.core.incidents import IncidentLog, IncidentLogError
    from outagetray.core.outbox import Outbox
    from outagetray.core.records import default_log_path
    from outagetray.core.secrets import Secrets
    from outagetray.core.sending import Outgoing, Sender, SenderBusy

    settings, config_path = load_settings(getattr(args, "config", None))
    tables = pick_channels(settings.channels, args.channels)
    if not (args.db or default_log_path()).exists():
        raise CommandError(
            "outagetray send: OutageTray has recorded no outage yet, so there is nothing to send about.",
            EXIT_USAGE,
        )
    try:
        log = IncidentLog.open_beside(args.db)
    except IncidentLogError as error:
        raise CommandError(f"outagetray send: {error}", EXIT_USAGE) from None
    except sqlite3.DatabaseError:
        raise CommandError(
            "outagetray send: the outage log could not be read: it is damaged or is not an outage log.",
            EXIT_USAGE,
        ) from None
    with log:
        incident = log.incident(args.incident)
        if incident is None:
            raise CommandError(
                f"outagetray send: there is no outage number {args.incident} in the log.", EXIT_USAGE
            )
        texts = _texts(incident, settings, config_path, args.draft, tables)
        every = settings.platforms()
        down: dict[str, str] = {}
        for current in log.open_incidents(drill=None):
            for pid in current.platforms:
                down[pid] = every[pid].name if pid in every else pid
        sender = Sender(
            Outbox(log),
            Secrets(),
            lock_folder=log.path.parent if log.path else None,
            program="outagetray send",
        )
        outgoing = [Outgoing(table, texts[table.id]) for table in tables]
        try:
            return sender.send(
                incident.id,
                args.draft,
                outgoing,
                down=down,
                resend_unknown=args.resend_unknown,
                dry_run=args.dry_run,
            )
        except SenderBusy as busy:
            raise CommandError(f"outagetray send: {busy}", EXIT_BUSY) from None


def load_settings(config: Path | None) -> tuple[Any, Path]:
    """The settings, or a usage error naming each problem (sending on defaults would send nowhere)."""
    from outagetray.core.settings import load

    result = load(config)
    for warning in result.warnings:
        say(f"outagetray: note: {warning}")
    if result.problems:
        raise CommandError(
            "outagetray: the settings file has problems, so nothing was done:\n  "
            + "\n  ".join(result.problems),
            EXIT_USAGE,
        )
    return result.settings, result.path


def pick_channels(channels: Any, wanted: list[str] | None) -> list[Any]:
    """The channels named, in the order named; by default every channel OutageTray posts to."""
    from outagetray.core.channels.registry import sends

    by_id = {c.id: c for c in channels}
    if not wanted:
        chosen = [c for c in channels if sends(c.type)]
        if not chosen:
            raise CommandError(
                "outagetray: no channel to send to is set up yet. Add one in Settings > Channels, "
                "or as a [[channels]] section in the settings file.",
                EXIT_USAGE,
            )
        return chosen
    unknown = [w for w in wanted if w not in by_id]
    if unknown:
        known = ", ".join(sorted(by_id)) or "none yet"
        raise CommandError(
            f"outagetray: no channel is called {', '.join(unknown)} (yours: {known}).", EXIT_USAGE
        )
    return [by_id[w] for w in dict.fromkeys(wanted)]


def _texts(incident: Any, settings: Any, config_path: Path, phase: str, tables: list[Any]) -> dict[str, str]:
    """Each channel's words, as the window's drafts panel fills them."""
    from outagetray.core.drafts import DraftLibrary
    from outagetray.core.localzone import local_zone
    from outagetray.core.playbook import drafts_for, playbook_from
    from outagetray.core.sending import words_for

    library = DraftLibrary(config_path.with_name("drafts.toml"))
    playbook = playbook_from(settings, library, None, country="")
    entries = drafts_for(incident, playbook, [], now=datetime.now(UTC), tz=local_zone())[phase]
    texts: dict[str, str] = {}
    for table in tables:
        entry = next((e for e in entries if e.key.endswith(f"@{table.id}")), None)
        if entry is None or not entry.text.strip():
            raise CommandError(
                f"outagetray send: there is no {phase} draft for channel {table.id}.", EXIT_USAGE
            )
        texts[table.id] = words_for(entry.title, entry.text, table.type)
    return texts


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    from outagetray.core.redact import shown

    receipt = None
    if outcome.receipt is not None:
        receipt = {"url": shown(outcome.receipt.url), "id": shown(outcome.receipt.id)}
    return {
        "channel": outcome.channel,
        "state": outcome.state,
        "receipt": receipt,
        "error": shown(cli_error(outcome)) or None,
        "advice": shown(cli_advice(outcome)) or None,
        "job": outcome.job_id,
    }


def outcome_line(outcome: Outcome) -> str:
    from outagetray.core.redact import shown

    words = {
        "confirmed": "sent",
        "failed": "NOT sent",
        "unknown": "MAY have been sent",
        "skipped": "skipped",
        "ready": "ready to send",
        "sending": "being sent",
    }.get(outcome.state, outcome.state)
    line = f"{shown(outcome.name)}: {words}"
    if outcome.receipt is not None and outcome.receipt.url:
        line += f" - {shown(outcome.receipt.url)}"
    if outcome.error:
        error = shown(cli_error(outcome))
        line += f". {error}" if error.endswith((".", "!", "?")) else f". {error}."
    advice = cli_advice(outcome)
    if advice:
        line += f" {shown(advice)}"
    return line


#: The password store's offer of "this session only" is the window's; a command cannot keep it.
_SESSION_OFFER = "You can keep them for this session only: you will be asked again next time."


def cli_error(outcome: Outcome) -> str:
    return outcome.error.replace(_SESSION_OFFER, "").strip()


def cli_advice(outcome: Outcome) -> str:
    """What to do next, said for a terminal: no clipboard, no buttons, only this command again."""
    if outcome.state == "unknown":
        return (
            "Look at the account: if it is there, nothing more is needed; if it is not, run this "
            "again with --resend-unknown."
        )
    if outcome.state == "failed" and outcome.needs_credentials:
        words = outcome.error.lower()
        if any(w in words for w in ("password", "token", "key", "credential", "webhook", "sign in")):
            return (
                f"Save it with: keyring set OutageTray {outcome.channel} (or in Settings > Channels), "
                "then run this again."
            )
        return "Post it yourself, or run this again once the cause is fixed."
    if outcome.state == "failed":
        return "Run this again later to try once more."
    return outcome.advice.replace(_SESSION_OFFER, "").strip()
