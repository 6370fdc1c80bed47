"""``outagetray channels check``: does every channel's login still work?

Runs each channel's harmless check at once (no post is made) and keeps the results for
the window's readiness view, so an expired token is found before an outage, not during
one. Exit 0 only when every channel works. Only the standard library is imported at
module level: building the parser is on the tray's start path.
"""

from __future__ import annotations

import argparse
from typing import Any

from outagetray.commands.incidents import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, say, stdout


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = commands.add_parser(
        "channels",
        parents=[common],
        help="check that every channel you send to still accepts OutageTray's login",
        description="Work with the channels OutageTray sends to. 'check' proves each one's password "
        "or token still works, without posting anything. Exit code: 0 all work, 1 one or more failed, "
        "2 usage or settings error.",
    )
    actions = parser.add_subparsers(dest="channels_action", metavar="ACTION", required=True)
    check = actions.add_parser(
        "check",
        parents=[common],
        help="check every channel's login now (nothing is posted)",
        description="Check every channel's login now (nothing is posted), or only those named.",
    )
    check.add_argument(
        "--channel", metavar="ID", action="append", dest="channels", help="only this channel (repeatable)"
    )
    check.add_argument("--json", action="store_true", help="print the results as a JSON array")
    parser.set_defaults(run_command=run)


def run(args: argparse.Namespace) -> int:
    from outagetray.commands.send import load_settings, pick_channels
    from outagetray.core.readiness import Readiness, check_all
    from outagetray.core.secrets import Secrets

    try:
        settings, _path = load_settings(getattr(args, "config", None))
        tables = pick_channels(settings.channels, args.channels)
    except CommandError as error:
        say(str(error))
        return error.code
    results = check_all(tables, Secrets())
    readiness = Readiness()
    kept = [readiness.record(result) for result in results]
    out = stdout()
    from outagetray.core.redact import shown

    names = {t.id: t.name or t.id for t in tables}
    if args.json:
        import json

        def item(result: Any) -> dict[str, Any]:
            return {
                "channel": result.channel,
                "ok": result.ok,
                "message": shown(result.message),
                "checked_at": result.at.isoformat().replace("+00:00", "Z"),
                "last_ok": result.last_ok.isoformat().replace("+00:00", "Z") if result.last_ok else None,
            }

        out.write(json.dumps([item(r) for r in kept], ensure_ascii=False, indent=1) + "\n")
    else:
        for result in kept:
            mark = "works" if result.ok else "FAILED"
            out.write(f"{shown(names[result.channel])}: {mark}. {shown(result.message)}\n")
    return EXIT_OK if kept and all(r.ok for r in kept) else EXIT_FAILED


__all__ = ["EXIT_USAGE", "add_parser", "run"]
